import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime } from '../server/scalars.js';
import { ConnectionType } from '../server/relay.js';

export enum HttpMethod {
  GET = 'GET',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  HEAD = 'HEAD',
  OPTIONS = 'OPTIONS',
}
registerEnumType(HttpMethod, { name: 'HttpMethod' });

@ObjectType('Action', { description: 'An action a service emits: `<prefix>.<objectType>.<verb>[.<more>]`.', simpleResolvers: true })
export class ActionType {
  id!: number;
  serviceId!: number;

  @Field(() => String, { description: 'Full name; a template action has one `<variable>` segment.' })
  name!: string;

  @Field(() => String)
  objectType!: string;

  @Field(() => String)
  verb!: string;

  @Field(() => [String], { description: 'Segments after the verb, e.g. `failed` in `x.profile.create.failed`.' })
  extraSegments!: string[];

  @Field(() => String, { nullable: true, description: 'The variable of a template action, e.g. `asset_type`.' })
  templateVariable!: string | null;

  @Field(() => [String], { description: 'The values the variable takes; empty for other actions.' })
  templateValues!: string[];

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { name: 'group', simple: false, nullable: true, description: 'The heading or caption the action is listed under.' })
  groupName!: string | null;

  @Field(() => HttpMethod, { nullable: true })
  httpMethod!: string | null;

  @Field(() => String, { nullable: true })
  httpPath!: string | null;

  @Field(() => Boolean, { description: 'Deprecated actions are still accepted, with a warning.' })
  deprecated!: boolean;

  @Field(() => String, { nullable: true })
  sourceDocument!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime)
  updatedAt!: Date;
}

export const ActionConnection = ConnectionType('Action', ActionType);
export type ActionConnection = InstanceType<typeof ActionConnection>;

@ObjectType('ActionMatch', { simpleResolvers: true, description: 'An action found by name; a concrete name of a template resolves to the template.' })
export class ActionMatch {
  @Field(() => String, { description: 'The name that was looked up.' })
  name!: string;

  @Field(() => ActionType)
  action!: ActionType;

  @Field(() => String, { nullable: true, description: 'The template variable\'s value in `name`, e.g. `wml_model`.' })
  templateValue!: string | null;
}
