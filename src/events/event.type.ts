// The Event type, shaped like the CADF record.
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { JSONResolver } from 'graphql-scalars';
import { DateTime } from '../server/scalars.js';
import { AddressType, CredentialType, InitiatorType, Outcome, Severity } from './event.enums.js';
import { ConnectionType } from '../server/relay.js';

@ObjectType('InitiatorCredential', { simpleResolvers: true })
export class InitiatorCredentialType {
  @Field(() => CredentialType, { nullable: true })
  type!: CredentialType | null;
}

@ObjectType('InitiatorHost', { simpleResolvers: true })
export class InitiatorHostType {
  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field(() => AddressType, { nullable: true })
  addressType!: AddressType | null;

  @Field(() => String, { nullable: true })
  agent!: string | null;
}

@ObjectType('Initiator', { description: 'Who acted. A value inside its event, not an entity: it has no `id` field, so that normalized client caches (which key objects by `__typename` and `id`) keep each event\'s initiator its own.', simpleResolvers: true })
export class InitiatorType_ {
  /** CADF `initiator.id`; not named `id` in GraphQL (see the type's description). */
  @Field(() => String, { name: 'iamId', simple: false, nullable: true, description: 'CADF `initiator.id`: the IAM ID (IBM ID, service ID, certificate ID or profile ID) that acted.' })
  id!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  authnId!: string | null;

  @Field(() => String, { nullable: true })
  authnName!: string | null;

  @Field(() => InitiatorType, { nullable: true })
  typeURI!: InitiatorType | null;

  @Field(() => InitiatorCredentialType)
  credential!: InitiatorCredentialType;

  @Field(() => InitiatorHostType)
  host!: InitiatorHostType;
}

@ObjectType('TargetHost', { simpleResolvers: true })
export class TargetHostType {
  @Field(() => String, { nullable: true })
  address!: string | null;
}

@ObjectType('EventTarget', { description: 'The resource acted upon. A value inside its event, not an entity: it has no `id` field, so that normalized client caches keep each event\'s target its own.', simpleResolvers: true })
export class EventTargetType {
  /** CADF `target.id`; not named `id` in GraphQL (see the type's description). */
  @Field(() => String, { name: 'crn', simple: false, nullable: true, description: 'CADF `target.id`: the CRN of the resource.' })
  id!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  alias!: string | null;

  @Field(() => String, { nullable: true, description: '`serviceName/objectType[/attribute]`' })
  typeURI!: string | null;

  @Field(() => String, { nullable: true })
  resourceGroupId!: string | null;

  @Field(() => TargetHostType)
  host!: TargetHostType;
}

@ObjectType('Observer', { simpleResolvers: true })
export class ObserverType {
  @Field(() => String)
  name!: string;
}

@ObjectType('Reason', { simpleResolvers: true })
export class ReasonType {
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the request.' })
  reasonCode!: number | null;

  @Field(() => String, { nullable: true })
  reasonType!: string | null;

  @Field(() => String, { nullable: true })
  reasonForFailure!: string | null;
}

@ObjectType('Event', { description: 'A CADF activity-tracking event. Events are immutable.', simpleResolvers: true })
export class EventType {
  actionId!: number;

  @Field(() => ID, { description: 'Unique per account; given by the client or generated (time-ordered).' })
  id!: string;

  @Field(() => DateTime)
  eventTime!: Date;

  @Field(() => DateTime, { description: 'When the gateway stored the event.' })
  receivedAt!: Date;

  @Field(() => String, { description: 'The action as recorded, e.g. `pm-20.wml_model.list`.' })
  actionName!: string;

  @Field(() => String, { nullable: true, description: 'The template variable\'s value when the action is a template.' })
  templateValue!: string | null;

  @Field(() => String)
  objectType!: string;

  @Field(() => String)
  verb!: string;

  @Field(() => String, { nullable: true })
  correlationId!: string | null;

  @Field(() => Boolean, { description: 'true for data events, false for management events.' })
  dataEvent!: boolean;

  @Field(() => InitiatorType_)
  initiator!: InitiatorType_;

  @Field(() => EventTargetType)
  target!: EventTargetType;

  @Field(() => ObserverType)
  observer!: ObserverType;

  @Field(() => Outcome)
  outcome!: Outcome;

  @Field(() => ReasonType)
  reason!: ReasonType;

  @Field(() => Severity)
  severity!: Severity;

  @Field(() => String, { description: 'Location code, or `global`.' })
  location!: string;

  @Field(() => String)
  message!: string;

  @Field(() => JSONResolver, { nullable: true })
  requestData!: unknown;

  @Field(() => JSONResolver, { nullable: true })
  responseData!: unknown;

  @Field(() => String, { nullable: true })
  logSourceCRN!: string | null;

  @Field(() => Boolean)
  saveServiceCopy!: boolean;
}

export const EventConnection = ConnectionType('Event', EventType, 'Events in (eventTime, id) order with opaque keyset cursors.');
export type EventConnection = InstanceType<typeof EventConnection>;

@ObjectType('EventWarning', { simpleResolvers: true })
export class EventWarningType {
  @Field(() => Int, { description: 'Position in the batch (0 for recordEvent).' })
  index!: number;

  @Field(() => String)
  field!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType('RecordEventPayload', { simpleResolvers: true })
export class RecordEventPayload {
  @Field(() => EventType)
  event!: EventType;

  @Field(() => Boolean, { description: 'false when the event was already stored (an idempotent retry).' })
  created!: boolean;

  @Field(() => [EventWarningType])
  warnings!: EventWarningType[];
}

@ObjectType('RecordEventsPayload', { simpleResolvers: true })
export class RecordEventsPayload {
  @Field(() => [EventType], { description: 'The events in input order (the stored ones for retries).' })
  events!: EventType[];

  @Field(() => Int, { description: 'Events stored now.' })
  createdCount!: number;

  @Field(() => Int, { description: 'Events that were already stored (retries).' })
  duplicateCount!: number;

  @Field(() => [EventWarningType])
  warnings!: EventWarningType[];
}
