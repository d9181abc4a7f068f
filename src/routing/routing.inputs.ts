import { Field, ID, InputType, Int } from 'type-graphql';
import { Outcome, Severity } from '../events/event.enums.js';
import { EventFilterInput, EventInputType } from '../events/event.inputs.js';
import { DeliveryStatusEnum } from './routing.types.js';

@InputType('HttpHeaderInput')
export class HttpHeaderInput {
  @Field(() => String) name!: string;
  @Field(() => String) value!: string;
}

@InputType('CloudObjectStorageSettingsInput')
export class CosSettingsInput {
  @Field(() => String, { description: 'https URL of the storage endpoint.' }) endpoint!: string;
  @Field(() => String) bucket!: string;
  @Field(() => String, { description: 'CRN of the Cloud Object Storage instance.' }) crn!: string;
  @Field(() => String, { nullable: true, description: 'Write-only.' }) apiKey?: string | null;
}

@InputType('EventStreamsSettingsInput')
export class EventStreamsSettingsInput {
  @Field(() => [String], { description: 'host:port of each broker.' }) brokers!: string[];
  @Field(() => String) topic!: string;
  @Field(() => String, { description: 'CRN of the Event Streams instance.' }) crn!: string;
  @Field(() => String, { nullable: true, description: 'Write-only.' }) apiKey?: string | null;
}

@InputType('CloudLogsSettingsInput')
export class CloudLogsSettingsInput {
  @Field(() => String, { description: 'https URL of the ingestion endpoint.' }) endpoint!: string;
  @Field(() => String, { description: 'CRN of the Cloud Logs instance.' }) instanceCrn!: string;
  @Field(() => String, { nullable: true, description: 'Write-only.' }) apiKey?: string | null;
}

@InputType('WebhookSettingsInput')
export class WebhookSettingsInput {
  @Field(() => String, { description: 'http(s) URL that receives POSTed batches.' }) url!: string;
  @Field(() => [HttpHeaderInput], { nullable: true }) headers?: HttpHeaderInput[] | null;
  @Field(() => String, { nullable: true, description: 'Write-only HMAC-SHA256 key (16+ characters; required on create). Each POST carries `x-audit-signature: sha256=<hex of HMAC(key, "<x-audit-timestamp>.<body>")>`.' })
  secret?: string | null;
}

@InputType('CreateTargetInput', { description: 'Exactly one of the kind-specific settings.' })
export class CreateTargetInput {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'A region code; one the settings permit, when they say.' }) region!: string;
  @Field(() => CosSettingsInput, { nullable: true }) cloudObjectStorage?: CosSettingsInput | null;
  @Field(() => EventStreamsSettingsInput, { nullable: true }) eventStreams?: EventStreamsSettingsInput | null;
  @Field(() => CloudLogsSettingsInput, { nullable: true }) cloudLogs?: CloudLogsSettingsInput | null;
  @Field(() => WebhookSettingsInput, { nullable: true }) webhook?: WebhookSettingsInput | null;
}

@InputType('TargetPatch', { description: 'Fields to change; kind-specific settings replace the stored ones (the type cannot change). A secret left out is kept.' })
export class TargetPatchInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => CosSettingsInput, { nullable: true }) cloudObjectStorage?: CosSettingsInput | null;
  @Field(() => EventStreamsSettingsInput, { nullable: true }) eventStreams?: EventStreamsSettingsInput | null;
  @Field(() => CloudLogsSettingsInput, { nullable: true }) cloudLogs?: CloudLogsSettingsInput | null;
  @Field(() => WebhookSettingsInput, { nullable: true }) webhook?: WebhookSettingsInput | null;
}

@InputType('UpdateTargetInput')
export class UpdateTargetInput {
  @Field(() => ID) id!: string;
  @Field(() => TargetPatchInput) patch!: TargetPatchInput;
}

@InputType('DeleteTargetInput')
export class DeleteTargetInput {
  @Field(() => ID) id!: string;
}

@InputType('RouteRuleInput')
export class RouteRuleInput {
  @Field(() => [String], { description: 'Location codes, `global` or `*` (everything).' }) locations!: string[];
  @Field(() => [ID]) targetIds!: string[];
  @Field(() => [String], { nullable: true, description: 'Only events whose action matches one of these `*` globs; each must match a catalog action.' })
  actionPatterns?: string[] | null;
  @Field(() => Severity, { nullable: true, description: 'Only events of this severity or higher.' }) minSeverity?: Severity | null;
  @Field(() => [Outcome], { nullable: true, description: 'Only events with one of these outcomes.' }) outcomes?: Outcome[] | null;
}

@InputType('CreateRouteInput')
export class CreateRouteInput {
  @Field(() => String) name!: string;
  @Field(() => [RouteRuleInput], { description: 'In order: the first matching rule wins.' }) rules!: RouteRuleInput[];
}

@InputType('UpdateRouteInput')
export class UpdateRouteInput {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true, description: 'Refuse (CONFLICT) unless the route is still at this version.' }) expectedVersion?: number | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => [RouteRuleInput], { nullable: true, description: 'Replaces every rule.' }) rules?: RouteRuleInput[] | null;
}

@InputType('DeleteRouteInput')
export class DeleteRouteInput {
  @Field(() => ID) id!: string;
}

@InputType('UpdateRoutingSettingsInput', { description: 'Fields left out keep their value.' })
export class UpdateRoutingSettingsInput {
  @Field(() => [ID], { nullable: true, description: 'At most two; events no rule takes go there.' }) defaultTargetIds?: string[] | null;
  @Field(() => [String], { nullable: true }) permittedTargetRegions?: string[] | null;
  @Field(() => String, { nullable: true }) metadataRegionPrimary?: string | null;
  @Field(() => String, { nullable: true }) metadataRegionBackup?: string | null;
  @Field(() => Boolean, { nullable: true }) privateApiEndpointOnly?: boolean | null;
}

@InputType('ExplainRoutingInput', { description: 'Exactly one: an event as it would be recorded, or a stored event.' })
export class ExplainRoutingInput {
  @Field(() => EventInputType, { nullable: true }) event?: EventInputType | null;
  @Field(() => String, { nullable: true }) eventId?: string | null;
}

@InputType('DeliveryFilter')
export class DeliveryFilterInput {
  @Field(() => [DeliveryStatusEnum], { nullable: true }) statuses?: DeliveryStatusEnum[] | null;
  @Field(() => ID, { nullable: true }) targetId?: string | null;
  @Field(() => String, { nullable: true }) eventId?: string | null;
}

@InputType('RedeliverInput')
export class RedeliverInput {
  @Field(() => [ID]) ids!: string[];
}

@InputType('ReplayToTargetInput')
export class ReplayToTargetInput {
  @Field(() => ID) targetId!: string;
  @Field(() => EventFilterInput, { nullable: true, description: 'Which past events (default: the last 7 days).' }) filter?: EventFilterInput | null;
}
