// GraphQL types of routing.
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime } from '../server/scalars.js';
import { Outcome, Severity } from '../events/event.enums.js';
import { EventType } from '../events/event.type.js';
import { ConnectionType } from '../server/relay.js';

export enum TargetTypeEnum {
  CLOUD_OBJECT_STORAGE = 'cloud_object_storage',
  EVENT_STREAMS = 'event_streams',
  CLOUD_LOGS = 'cloud_logs',
  WEBHOOK = 'webhook',
}
registerEnumType(TargetTypeEnum, { name: 'TargetType' });

export enum DeliveryStatusEnum {
  PENDING = 'pending',
  DELIVERING = 'delivering',
  RETRYING = 'retrying',
  DELIVERED = 'delivered',
  DEAD = 'dead',
}
registerEnumType(DeliveryStatusEnum, {
  name: 'DeliveryStatus',
  valuesConfig: {
    DELIVERING: { description: 'Being sent (leased by a worker).' },
    RETRYING: { description: 'A send failed; another attempt is scheduled.' },
    DEAD: { description: 'Every attempt failed; `redeliver` sends it again.' },
  },
});

export enum DeliveryReasonEnum {
  ROUTE = 'route',
  DEFAULT_TARGETS = 'default_targets',
  REPLAY = 'replay',
}
registerEnumType(DeliveryReasonEnum, { name: 'DeliveryReason' });

@ObjectType('CloudObjectStorageSettings', { simpleResolvers: true })
export class CosSettingsType {
  @Field(() => String) endpoint!: string;
  @Field(() => String) bucket!: string;
  @Field(() => String) crn!: string;
}

@ObjectType('EventStreamsSettings', { simpleResolvers: true })
export class EventStreamsSettingsType {
  @Field(() => [String]) brokers!: string[];
  @Field(() => String) topic!: string;
  @Field(() => String) crn!: string;
}

@ObjectType('CloudLogsSettings', { simpleResolvers: true })
export class CloudLogsSettingsType {
  @Field(() => String) endpoint!: string;
  @Field(() => String) instanceCrn!: string;
}

@ObjectType('WebhookSettings', { simpleResolvers: true })
export class WebhookSettingsType {
  @Field(() => String) url!: string;

  @Field(() => [String], { description: 'Names of the extra headers sent (their values may hold credentials and are not shown).' })
  headerNames!: string[];
}

export const TargetSettingsUnion = createUnionType({
  name: 'TargetSettings',
  description: 'The settings of the target\'s type. (Resolved by instance: graphql-jit needs a synchronous resolveType, and type-graphql\'s own is asynchronous.)',
  types: () => [CosSettingsType, EventStreamsSettingsType, CloudLogsSettingsType, WebhookSettingsType] as const,
});

@ObjectType('TargetWriteStatus', { simpleResolvers: true })
export class TargetWriteStatusType {
  @Field(() => DateTime, { nullable: true }) lastSuccessAt!: Date | null;
  @Field(() => DateTime, { nullable: true }) lastFailureAt!: Date | null;
  @Field(() => String, { nullable: true }) lastFailureReason!: string | null;
}

@ObjectType('Target', { description: 'A destination for events. Secrets are write-only.' })
export class TargetType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => TargetTypeEnum) type!: TargetTypeEnum;
  @Field(() => String, { description: 'The region the target is in.' }) region!: string;
  @Field(() => Boolean, { description: 'Whether a secret (API key, HMAC key) is set; its value is never returned.' }) hasSecret!: boolean;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;
  config!: unknown;
  lastSuccessAt!: Date | null;
  lastFailureAt!: Date | null;
  lastFailureReason!: string | null;
}

@ObjectType('RouteRule', { simpleResolvers: true })
export class RouteRuleType {
  @Field(() => Int, { description: 'Order in the route (0 first); the first matching rule wins.' }) position!: number;
  @Field(() => [String], { description: 'Location codes, `global` or `*`.' }) locations!: string[];
  @Field(() => [ID]) targetIds!: string[];
  @Field(() => [String], { description: 'Action globs the event must match; empty: any action.' }) actionPatterns!: string[];
  @Field(() => Severity, { nullable: true }) minSeverity!: Severity | null;
  @Field(() => [Outcome], { description: 'Empty: any outcome.' }) outcomes!: Outcome[];
}

@ObjectType('Route', { description: 'A named, versioned, ordered list of rules. Routes are evaluated independently.' })
export class RouteType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Incremented by every update.' }) version!: number;
  @Field(() => [RouteRuleType]) rules!: RouteRuleType[];
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;
}

@ObjectType('RoutingSettings')
export class RoutingSettingsType {
  defaultTargetIds!: string[];
  @Field(() => [String], { description: 'When set, targets may only be in these regions.' }) permittedTargetRegions!: string[];
  @Field(() => String, { nullable: true }) metadataRegionPrimary!: string | null;
  @Field(() => String, { nullable: true }) metadataRegionBackup!: string | null;
  @Field(() => Boolean) privateApiEndpointOnly!: boolean;
}

@ObjectType('Delivery', { description: 'An event on its way to a target.' })
export class DeliveryType {
  @Field(() => ID) id!: string;
  @Field(() => String) eventId!: string;
  targetId!: string;
  @Field(() => ID, { nullable: true, description: 'The route that sent it; null for default targets and replays.' }) routeId!: string | null;
  @Field(() => DeliveryReasonEnum) reason!: DeliveryReasonEnum;
  @Field(() => DeliveryStatusEnum) status!: DeliveryStatusEnum;
  @Field(() => Int) attempts!: number;
  @Field(() => DateTime) nextAttemptAt!: Date;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime, { nullable: true }) deliveredAt!: Date | null;
}

export const DeliveryConnection = ConnectionType('Delivery', DeliveryType, 'Deliveries, newest first.');
export type DeliveryConnection = InstanceType<typeof DeliveryConnection>;

@ObjectType('RuleMiss', { simpleResolvers: true })
export class RuleMissType {
  @Field(() => Int) rule!: number;
  @Field(() => String) reason!: string;
}

@ObjectType('RouteExplanation', { simpleResolvers: true })
export class RouteExplanationType {
  @Field(() => ID) routeId!: string;
  @Field(() => String) routeName!: string;
  @Field(() => Int, { nullable: true, description: 'The rule that took the event (first match), or null.' }) matchedRule!: number | null;
  @Field(() => [RuleMissType], { description: 'Why each rule before the match (or every rule) did not take it.' }) misses!: RuleMissType[];
  @Field(() => [ID]) targetIds!: string[];
}

@ObjectType('RoutingExplanation')
export class RoutingExplanationType {
  @Field(() => EventType, { description: 'The event as routing sees it (completed with defaults).' }) event!: EventType;
  @Field(() => [RouteExplanationType]) routes!: RouteExplanationType[];
  targetIds!: string[];
  @Field(() => Boolean, { description: 'No rule took the event, so it goes to the default targets.' }) usedDefaultTargets!: boolean;
  @Field(() => Boolean, { description: 'No rule took it and there are no default targets: it is dropped (and counted).' }) dropped!: boolean;
}

@ObjectType('SeverityOutcome', { simpleResolvers: true })
export class SeverityOutcomeType {
  @Field(() => Severity) severity!: Severity;
  @Field(() => Outcome) outcome!: Outcome;
}

@ObjectType('CoverageGap', { simpleResolvers: true })
export class CoverageGapType {
  @Field(() => String) action!: string;
  @Field(() => String) location!: string;
  @Field(() => Boolean, { description: 'Some severities or outcomes are routed, others not.' }) partial!: boolean;
  @Field(() => [SeverityOutcomeType], { description: 'The combinations that reach no target.' }) unrouted!: SeverityOutcomeType[];
}

@ObjectType('RoutingCoverage', { simpleResolvers: true })
export class RoutingCoverageType {
  @Field(() => Int, { description: 'Catalog actions times the locations their services generate events in.' }) pairs!: number;
  @Field(() => Int, { description: 'Pairs whose events reach a target whatever their severity and outcome.' }) coveredPairs!: number;
  @Field(() => [CoverageGapType]) gaps!: CoverageGapType[];
}

@ObjectType('RoutingDrop', { simpleResolvers: true, description: 'Events that no route and no default target took.' })
export class RoutingDropType {
  @Field(() => String) location!: string;
  @Field(() => String) action!: string;
  @Field(() => Int) count!: number;
  @Field(() => DateTime) lastAt!: Date;
}

@ObjectType('DeleteTargetPayload', { simpleResolvers: true })
export class DeleteTargetPayload {
  @Field(() => ID) deletedId!: string;
}

@ObjectType('DeleteRoutePayload', { simpleResolvers: true })
export class DeleteRoutePayload {
  @Field(() => ID) deletedId!: string;
}

@ObjectType('RedeliverPayload', { simpleResolvers: true })
export class RedeliverPayload {
  @Field(() => [ID], { description: 'Deliveries queued again (those being sent right now are left alone).' }) queued!: string[];
}

@ObjectType('ReplayToTargetPayload', { simpleResolvers: true })
export class ReplayToTargetPayload {
  @Field(() => Int, { description: 'Deliveries queued.' }) queued!: number;
}

@ObjectType('TargetPayload')
export class TargetPayload {
  @Field(() => TargetType) target!: TargetType;
}

@ObjectType('RoutePayload')
export class RoutePayload {
  @Field(() => RouteType) route!: RouteType;
}

@ObjectType('RoutingSettingsPayload')
export class RoutingSettingsPayload {
  @Field(() => RoutingSettingsType) settings!: RoutingSettingsType;
}
