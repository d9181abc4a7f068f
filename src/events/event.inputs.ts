// Inputs of the events API: the CADF event a client records, and the filter shared by
// events, eventStats, export and (later) the live tail.
import { Field, InputType, Int, registerEnumType } from 'type-graphql';
import { JSONResolver } from 'graphql-scalars';
import { DateTime } from '../server/scalars.js';
import { AddressType, CredentialType, InitiatorType, Outcome, Severity } from './event.enums.js';

@InputType('InitiatorCredentialInput')
export class InitiatorCredentialInput {
  @Field(() => CredentialType, { nullable: true })
  type?: CredentialType | null;
}

@InputType('InitiatorHostInput')
export class InitiatorHostInput {
  @Field(() => String, { nullable: true })
  address?: string | null;

  @Field(() => AddressType, { nullable: true, description: 'Default IPV4 in the source system; stored as given.' })
  addressType?: AddressType | null;

  @Field(() => String, { nullable: true })
  agent?: string | null;
}

@InputType('InitiatorInput')
export class InitiatorInput {
  @Field(() => String, { description: 'Required: the IBM ID, service ID, certificate ID or profile ID that acted.' })
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  authnId?: string | null;

  @Field(() => String, { nullable: true })
  authnName?: string | null;

  @Field(() => InitiatorType, { nullable: true })
  typeURI?: InitiatorType | null;

  @Field(() => InitiatorCredentialInput, { nullable: true })
  credential?: InitiatorCredentialInput | null;

  @Field(() => InitiatorHostInput, { nullable: true })
  host?: InitiatorHostInput | null;
}

@InputType('TargetHostInput')
export class TargetHostInput {
  @Field(() => String, { nullable: true })
  address?: string | null;
}

@InputType('EventTargetInput')
export class EventTargetInput {
  @Field(() => String, { nullable: true, description: 'A CRN.' })
  id?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  alias?: string | null;

  @Field(() => String, { nullable: true, description: 'Must start with the action\'s `service/objectType`.' })
  typeURI?: string | null;

  @Field(() => String, { nullable: true })
  resourceGroupId?: string | null;

  @Field(() => TargetHostInput, { nullable: true })
  host?: TargetHostInput | null;
}

@InputType('ObserverInput')
export class ObserverInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType('ReasonInput')
export class ReasonInput {
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the request (100-599).' })
  reasonCode?: number | null;

  @Field(() => String, { nullable: true })
  reasonType?: string | null;

  @Field(() => String, { nullable: true })
  reasonForFailure?: string | null;
}

@InputType('EventInput', { description: 'A CADF event to record.' })
export class EventInputType {
  @Field(() => String, { nullable: true, description: 'Unique per account; a retry with the same id and content returns the stored event. Generated when omitted.' })
  id?: string | null;

  @Field(() => String, { description: 'A catalog action, or a concrete name of a template action.' })
  action!: string;

  @Field(() => DateTime, { description: 'When it happened; at most 5 minutes in the future.' })
  eventTime!: Date;

  @Field(() => String, { nullable: true })
  correlationId?: string | null;

  @Field(() => Boolean, { nullable: true })
  dataEvent?: boolean | null;

  @Field(() => InitiatorInput)
  initiator!: InitiatorInput;

  @Field(() => EventTargetInput, { nullable: true })
  target?: EventTargetInput | null;

  @Field(() => ObserverInput, { nullable: true, description: 'Default name: ActivityTracker.' })
  observer?: ObserverInput | null;

  @Field(() => Outcome)
  outcome!: Outcome;

  @Field(() => ReasonInput, { nullable: true })
  reason?: ReasonInput | null;

  @Field(() => Severity, { nullable: true, description: 'Omitted: from the reason code (400, 409, 424, 5xx warning; 401, 403, 503, 507 critical), else warning for failures, normal otherwise.' })
  severity?: Severity | null;

  @Field(() => String, { description: 'A known location code, or `global`; one where the service generates events when it declares them.' })
  location!: string;

  @Field(() => String, { nullable: true, description: 'Omitted: `<service name>: <action description>`, plus ` failure` for failures.' })
  message?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'At most 64 KiB.' })
  requestData?: unknown;

  @Field(() => JSONResolver, { nullable: true, description: 'At most 64 KiB.' })
  responseData?: unknown;

  @Field(() => String, { nullable: true })
  logSourceCRN?: string | null;

  @Field(() => Boolean, { nullable: true })
  saveServiceCopy?: boolean | null;
}

@InputType('InitiatorFilter')
export class InitiatorFilterInput {
  @Field(() => String, { nullable: true })
  id?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => InitiatorType, { nullable: true })
  typeURI?: InitiatorType | null;

  @Field(() => CredentialType, { nullable: true })
  credentialType?: CredentialType | null;

  @Field(() => String, { nullable: true })
  hostAddress?: string | null;
}

@InputType('EventTargetFilter')
export class EventTargetFilterInput {
  @Field(() => String, { nullable: true })
  id?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'This type or a more specific one (`a/b` matches `a/b/c`).' })
  typeURI?: string | null;
}

@InputType('IntRange')
export class IntRangeInput {
  @Field(() => Int, { nullable: true })
  min?: number | null;

  @Field(() => Int, { nullable: true })
  max?: number | null;
}

/** The conditions every level of a filter can hold; all given fields must hold (AND). */
// Not referenced by any field, so not part of the schema: only its subclasses are.
@InputType('EventConditionFields')
abstract class EventConditionFields {
  @Field(() => [String], { nullable: true, description: 'Service prefixes.' })
  services?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Exact action names, prefixes (`iam-am.policy`) or `*` globs (`*.delete`).' })
  actions?: string[] | null;

  @Field(() => String, { nullable: true })
  objectType?: string | null;

  @Field(() => String, { nullable: true })
  verb?: string | null;

  @Field(() => [Outcome], { nullable: true })
  outcomes?: Outcome[] | null;

  @Field(() => Severity, { nullable: true, description: 'This severity or a higher one.' })
  minSeverity?: Severity | null;

  @Field(() => [String], { nullable: true })
  locations?: string[] | null;

  @Field(() => InitiatorFilterInput, { nullable: true })
  initiator?: InitiatorFilterInput | null;

  @Field(() => EventTargetFilterInput, { nullable: true })
  target?: EventTargetFilterInput | null;

  @Field(() => String, { nullable: true })
  correlationId?: string | null;

  @Field(() => Boolean, { nullable: true })
  dataEvent?: boolean | null;

  @Field(() => IntRangeInput, { nullable: true })
  reasonCode?: IntRangeInput | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the message.' })
  text?: string | null;
}

// Three explicit levels instead of one recursive type: `not (A or B)` and
// `A or (B and not C)` stay expressible, and the input types have no cycle (compiled
// executors and clients' code generators handle them without special cases).

@InputType('EventConditionTerm', { description: 'Conditions that must all hold (AND), at the innermost level of a filter.' })
export class EventConditionTermInput extends EventConditionFields {}

@InputType('EventCondition', { description: 'Conditions that must all hold (AND); `anyOf` is an OR of terms, `not` negates one.' })
export class EventConditionInput extends EventConditionFields {
  @Field(() => [EventConditionTermInput], { nullable: true, description: 'At least one must hold.' })
  anyOf?: EventConditionTermInput[] | null;

  @Field(() => EventConditionTermInput, { nullable: true, description: 'Must not hold.' })
  not?: EventConditionTermInput | null;
}

@InputType('EventFilter', { description: 'A time range (default: the last 7 days) and conditions that must all hold; `anyOf` is an OR of conditions, `not` negates one.' })
export class EventFilterInput extends EventConditionFields {
  @Field(() => DateTime, { nullable: true, description: 'Inclusive; default 7 days ago.' })
  from?: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Exclusive; default none.' })
  to?: Date | null;

  @Field(() => [EventConditionInput], { nullable: true, description: 'At least one must hold.' })
  anyOf?: EventConditionInput[] | null;

  @Field(() => EventConditionInput, { nullable: true, description: 'Must not hold.' })
  not?: EventConditionInput | null;
}

export enum EventOrder {
  NEWEST_FIRST = 'NEWEST_FIRST',
  OLDEST_FIRST = 'OLDEST_FIRST',
}
registerEnumType(EventOrder, { name: 'EventOrder', description: 'By (eventTime, id).' });

export enum StatsDimensionEnum {
  SERVICE = 'SERVICE',
  ACTION = 'ACTION',
  OUTCOME = 'OUTCOME',
  SEVERITY = 'SEVERITY',
  LOCATION = 'LOCATION',
  INITIATOR = 'INITIATOR',
  TARGET_TYPE = 'TARGET_TYPE',
}
registerEnumType(StatsDimensionEnum, { name: 'StatsDimension' });

export enum StatsIntervalEnum {
  MINUTE = 'MINUTE',
  HOUR = 'HOUR',
  DAY = 'DAY',
}
registerEnumType(StatsIntervalEnum, { name: 'StatsInterval', description: 'Buckets in UTC.' });
