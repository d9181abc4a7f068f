import { Field, Int, ObjectType } from 'type-graphql';
import { ActionType } from './action.type.js';
import { ServiceType } from './service.type.js';

@ObjectType('ServicePayload')
export class ServicePayload {
  @Field(() => ServiceType)
  service!: ServiceType;
}

@ObjectType('DeleteServicePayload')
export class DeleteServicePayload {
  @Field(() => String)
  deletedPrefix!: string;
}

@ObjectType('DefineActionsPayload')
export class DefineActionsPayload {
  @Field(() => [ActionType])
  actions!: ActionType[];
}

@ObjectType('ActionPayload')
export class ActionPayload {
  @Field(() => ActionType)
  action!: ActionType;
}

@ObjectType('DeleteActionPayload')
export class DeleteActionPayload {
  @Field(() => String)
  deletedName!: string;
}

@ObjectType('ImportChanges', { description: 'Names added, updated and unchanged by an import.' })
export class ImportChanges {
  @Field(() => [String])
  added!: string[];

  @Field(() => [String])
  updated!: string[];

  @Field(() => Int)
  unchangedCount!: number;
}

@ObjectType('ImportSkippedLine')
export class ImportSkippedLine {
  @Field(() => Int, { description: '1-based line of the page (0 when not tied to a line).' })
  line!: number;

  @Field(() => String)
  text!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: 'The section of the page (its heading, or the caption of its table).' })
  section!: string | null;
}

@ObjectType('ImportSection', { description: 'What one section of a page gave: the actions imported (added, updated or unchanged) and what was skipped, with why.' })
export class ImportSection {
  @Field(() => String, { nullable: true, description: 'The heading (or table caption) of the section; null before the first one.' })
  title!: string | null;

  @Field(() => [String])
  imported!: string[];

  @Field(() => [ImportSkippedLine])
  skipped!: ImportSkippedLine[];
}

@ObjectType('ImportedService')
export class ImportedService {
  @Field(() => String)
  prefix!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => [String])
  locations!: string[];
}

@ObjectType('ImportedAction')
export class ImportedAction {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  service!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true })
  group!: string | null;

  @Field(() => String, { nullable: true })
  httpMethod!: string | null;

  @Field(() => String, { nullable: true })
  httpPath!: string | null;

  @Field(() => [String])
  locations!: string[];

  @Field(() => String, { nullable: true })
  templateVariable!: string | null;

  @Field(() => [String])
  templateValues!: string[];

  @Field(() => Boolean)
  deprecated!: boolean;
}

@ObjectType('ImportCatalogPayload')
export class ImportCatalogPayload {
  @Field(() => String)
  source!: string;

  @Field(() => Boolean, { description: 'True when nothing was written.' })
  dryRun!: boolean;

  @Field(() => ImportChanges)
  services!: ImportChanges;

  @Field(() => ImportChanges)
  actions!: ImportChanges;

  @Field(() => [ImportSkippedLine])
  skipped!: ImportSkippedLine[];

  @Field(() => [ImportSection], { description: 'Per section of the page, in order: what was imported and what was skipped.' })
  sections!: ImportSection[];

  @Field(() => String, { nullable: true, description: 'Why nothing was imported, e.g. a page without actions.' })
  note!: string | null;

  @Field(() => [ImportedService], { description: 'Services the page yields.' })
  parsedServices!: ImportedService[];

  @Field(() => [ImportedAction], { description: 'Actions the page yields.' })
  parsedActions!: ImportedAction[];
}
