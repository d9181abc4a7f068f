import { Field, InputType } from 'type-graphql';
import { HttpMethod } from './action.type.js';

@InputType('ServiceFilter')
export class ServiceFilterInput {
  @Field(() => String, { nullable: true, description: 'Case-insensitive text in prefix, name or description.' })
  text?: string | null;

  @Field(() => [String], { nullable: true })
  prefixes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Services that declare this location.' })
  location?: string | null;
}

@InputType('ActionFilter')
export class ActionFilterInput {
  @Field(() => String, { nullable: true, description: 'Service prefix.' })
  service?: string | null;

  @Field(() => String, { nullable: true })
  objectType?: string | null;

  @Field(() => String, { nullable: true })
  verb?: string | null;

  @Field(() => String, { nullable: true, description: 'The heading or caption, case-insensitive.' })
  group?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive text in name, description or group.' })
  text?: string | null;

  @Field(() => String, { nullable: true, description: 'Name pattern with `*` wildcards, e.g. `pm-20.*.list`; templates match through their values.' })
  pattern?: string | null;

  @Field(() => String, { nullable: true, description: 'Actions that can occur at this location (their service declares it, or declares none).' })
  location?: string | null;

  @Field(() => Boolean, { nullable: true })
  deprecated?: boolean | null;
}

@InputType('CreateServiceInput')
export class CreateServiceInput {
  @Field(() => String, { description: 'One or two dot-separated lowercase segments, e.g. `iam-am` or `is.vpc`.' })
  prefix!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'Where the service generates events: known codes or `global`.' })
  locations?: string[] | null;
}

@InputType('ServicePatch')
export class ServicePatchInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType('UpdateServiceInput')
export class UpdateServiceInput {
  @Field(() => String)
  prefix!: string;

  @Field(() => ServicePatchInput)
  patch!: ServicePatchInput;
}

@InputType('DeleteServiceInput')
export class DeleteServiceInput {
  @Field(() => String)
  prefix!: string;
}

@InputType('SetServiceLocationsInput')
export class SetServiceLocationsInput {
  @Field(() => String)
  prefix!: string;

  @Field(() => [String], { description: 'Replaces the list: known location codes or `global`.' })
  locations!: string[];
}

@InputType('ActionPatch')
export class ActionPatchInput {
  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  group?: string | null;

  @Field(() => HttpMethod, { nullable: true })
  httpMethod?: HttpMethod | null;

  @Field(() => String, { nullable: true })
  httpPath?: string | null;

  @Field(() => [String], { nullable: true })
  templateValues?: string[] | null;
}

@InputType('ActionDefinitionInput')
export class ActionDefinitionInput extends ActionPatchInput {
  @Field(() => String, { description: '`<service prefix>.<objectType>.<verb>[.<more>]`; the service is the longest matching prefix.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'If given, must equal the service the name belongs to.' })
  service?: string | null;

  @Field(() => [String], { nullable: true, description: 'Required for a template action: the values of its variable.' })
  declare templateValues?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  deprecated?: boolean | null;
}

@InputType('DefineActionsInput')
export class DefineActionsInput {
  @Field(() => [ActionDefinitionInput], { description: 'All or nothing: one bad item refuses the batch.' })
  actions!: ActionDefinitionInput[];
}

@InputType('UpdateActionInput')
export class UpdateActionInput {
  @Field(() => String)
  name!: string;

  @Field(() => ActionPatchInput)
  patch!: ActionPatchInput;
}

@InputType('DeprecateActionInput')
export class DeprecateActionInput {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { defaultValue: true, description: 'false takes the deprecation back.' })
  deprecated!: boolean;
}

@InputType('DeleteActionInput')
export class DeleteActionInput {
  @Field(() => String)
  name!: string;
}
