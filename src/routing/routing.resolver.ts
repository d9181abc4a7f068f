// Routing queries and mutations, and the fields that follow routing's relations. Thin:
// arguments in, one manager call, result out.
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { EventType } from '../events/event.type.js';
import type { EventFilter } from '../events/event-filter.js';
import type { EventInput } from '../events/event.model.js';
import type { RequestContext } from '../server/context.js';
import { paginate } from '../server/relay.js';
import {
  CreateRouteInput,
  CreateTargetInput,
  DeleteRouteInput,
  DeleteTargetInput,
  DeliveryFilterInput,
  ExplainRoutingInput,
  RedeliverInput,
  ReplayToTargetInput,
  UpdateRouteInput,
  UpdateRoutingSettingsInput,
  UpdateTargetInput,
} from './routing.inputs.js';
import type { RouteRecord, TargetRecord } from './routing.store.js';
import {
  DeleteRoutePayload,
  DeleteTargetPayload,
  DeliveryConnection,
  DeliveryType,
  RedeliverPayload,
  ReplayToTargetPayload,
  RouteExplanationType,
  RoutePayload,
  RouteRuleType,
  RouteType,
  RoutingCoverageType,
  RoutingDropType,
  RoutingExplanationType,
  RoutingSettingsPayload,
  RoutingSettingsType,
  TargetPayload,
  TargetSettingsUnion,
  TargetType,
  TargetWriteStatusType,
  CosSettingsType,
  EventStreamsSettingsType,
  CloudLogsSettingsType,
  WebhookSettingsType,
} from './routing.types.js';

const MAX_DELIVERIES_PAGE = 500;

const asTarget = (t: TargetRecord) => t as unknown as TargetType;
const asRoute = (r: RouteRecord) => r as unknown as RouteType;

@Resolver()
export class RoutingResolver {
  @Query(() => [TargetType], { description: 'The account\'s targets, by name.' })
  async targets(@Ctx() ctx: RequestContext): Promise<TargetType[]> {
    return (await ctx.routing.listTargets(ctx.principal.accountId)).map(asTarget);
  }

  @Query(() => TargetType, { nullable: true })
  async target(@Ctx() ctx: RequestContext, @Arg('id', () => String) id: string): Promise<TargetType | null> {
    const t = await ctx.routing.getTarget(ctx.principal.accountId, id);
    return t && asTarget(t);
  }

  @Query(() => [RouteType], { description: 'The account\'s routes, by name (at most 10 by default).' })
  async routes(@Ctx() ctx: RequestContext): Promise<RouteType[]> {
    return (await ctx.routing.listRoutes(ctx.principal.accountId)).map(asRoute);
  }

  @Query(() => RouteType, { nullable: true })
  async route(@Ctx() ctx: RequestContext, @Arg('id', () => String) id: string): Promise<RouteType | null> {
    const r = await ctx.routing.getRoute(ctx.principal.accountId, id);
    return r && asRoute(r);
  }

  @Query(() => RoutingSettingsType)
  routingSettings(@Ctx() ctx: RequestContext): Promise<RoutingSettingsType> {
    return ctx.routing.getSettings(ctx.principal.accountId);
  }

  @Query(() => DeliveryConnection, { description: 'Deliveries, newest first; at most 500 per page.' })
  deliveries(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => DeliveryFilterInput, { nullable: true }) filter: DeliveryFilterInput | null,
    @Arg('first', () => Int, { nullable: true, description: '1 to 500; default 50.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<DeliveryConnection> {
    const accountId = ctx.principal.accountId;
    const f = filter ?? {};
    return paginate<DeliveryType, DeliveryConnection>(DeliveryConnection, {
      list: 'delivery',
      first,
      after,
      max: MAX_DELIVERIES_PAGE,
      keyOf: (d) => d.id,
      fetch: (afterId, limit) => ctx.routing.listDeliveries(accountId, f, { afterId, limit }) as Promise<DeliveryType[]>,
      count: () => ctx.routing.countDeliveries(accountId, f),
    });
  }

  @Query(() => RoutingExplanationType, { description: 'What routing does with an event (given, or stored): per route the rule that took it or why none did, and the final targets.' })
  async explainRouting(@Ctx() ctx: RequestContext, @Arg('input', () => ExplainRoutingInput) input: ExplainRoutingInput): Promise<RoutingExplanationType> {
    const { event, decision } = await ctx.routing.explain(ctx.principal.accountId, { event: input.event as EventInput | null, eventId: input.eventId });
    return Object.assign(new RoutingExplanationType(), {
      event: event as unknown as EventType,
      routes: decision.routes as RouteExplanationType[],
      targetIds: decision.targetIds,
      usedDefaultTargets: decision.usedDefaultTargets,
      dropped: decision.dropped,
    });
  }

  @Query(() => RoutingCoverageType, { description: 'Catalog actions and locations whose events would reach no target.' })
  async routingCoverage(@Ctx() ctx: RequestContext): Promise<RoutingCoverageType> {
    const coverage = await ctx.routing.coverage(ctx.principal.accountId);
    return { pairs: coverage.pairs, coveredPairs: coverage.covered, gaps: coverage.gaps };
  }

  @Query(() => [RoutingDropType], { description: 'Events dropped because no route and no default target took them, per location and action.' })
  routingDrops(@Ctx() ctx: RequestContext): Promise<RoutingDropType[]> {
    return ctx.routing.drops(ctx.principal.accountId);
  }

  @Mutation(() => TargetPayload)
  async createTarget(@Ctx() ctx: RequestContext, @Arg('input', () => CreateTargetInput) input: CreateTargetInput): Promise<TargetPayload> {
    return { target: asTarget(await ctx.routing.createTarget(ctx.principal, input)) };
  }

  @Mutation(() => TargetPayload)
  async updateTarget(@Ctx() ctx: RequestContext, @Arg('input', () => UpdateTargetInput) input: UpdateTargetInput): Promise<TargetPayload> {
    return { target: asTarget(await ctx.routing.updateTarget(ctx.principal, input.id, input.patch)) };
  }

  @Mutation(() => DeleteTargetPayload, { description: 'Refused (CONFLICT, listing them) while a route or the settings refer to the target.' })
  async deleteTarget(@Ctx() ctx: RequestContext, @Arg('input', () => DeleteTargetInput) input: DeleteTargetInput): Promise<DeleteTargetPayload> {
    return { deletedId: (await ctx.routing.deleteTarget(ctx.principal, input.id)).id };
  }

  @Mutation(() => RoutePayload)
  async createRoute(@Ctx() ctx: RequestContext, @Arg('input', () => CreateRouteInput) input: CreateRouteInput): Promise<RoutePayload> {
    return { route: asRoute(await ctx.routing.createRoute(ctx.principal, input)) };
  }

  @Mutation(() => RoutePayload, { description: 'Replaces the rules (and renames); increments the version. With expectedVersion, refused (CONFLICT) if the route changed meanwhile.' })
  async updateRoute(@Ctx() ctx: RequestContext, @Arg('input', () => UpdateRouteInput) input: UpdateRouteInput): Promise<RoutePayload> {
    return { route: asRoute(await ctx.routing.updateRoute(ctx.principal, input)) };
  }

  @Mutation(() => DeleteRoutePayload)
  async deleteRoute(@Ctx() ctx: RequestContext, @Arg('input', () => DeleteRouteInput) input: DeleteRouteInput): Promise<DeleteRoutePayload> {
    return { deletedId: (await ctx.routing.deleteRoute(ctx.principal, input.id)).id };
  }

  @Mutation(() => RoutingSettingsPayload)
  async updateRoutingSettings(@Ctx() ctx: RequestContext, @Arg('input', () => UpdateRoutingSettingsInput) input: UpdateRoutingSettingsInput): Promise<RoutingSettingsPayload> {
    return { settings: await ctx.routing.updateSettings(ctx.principal, input) };
  }

  @Mutation(() => RedeliverPayload, { description: 'Sends deliveries again from their first attempt (dead ones included).' })
  async redeliver(@Ctx() ctx: RequestContext, @Arg('input', () => RedeliverInput) input: RedeliverInput): Promise<RedeliverPayload> {
    return { queued: await ctx.routing.redeliver(ctx.principal, input.ids) };
  }

  @Mutation(() => ReplayToTargetPayload, { description: 'Queues the past events a filter selects (default: the last 7 days) for one target.' })
  async replayToTarget(@Ctx() ctx: RequestContext, @Arg('input', () => ReplayToTargetInput) input: ReplayToTargetInput): Promise<ReplayToTargetPayload> {
    return { queued: await ctx.routing.replayToTarget(ctx.principal, input.targetId, (input.filter ?? null) as EventFilter | null) };
  }
}

@Resolver(() => TargetType)
export class TargetFieldsResolver {
  @FieldResolver(() => TargetSettingsUnion, { description: 'The kind-specific settings (secrets left out).' })
  settings(@Root() target: TargetRecord): object {
    const config = target.config as unknown as Record<string, unknown>;
    switch (target.type) {
      case 'webhook':
        return Object.assign(new WebhookSettingsType(), { url: config.url, headerNames: Object.keys((config.headers as object) ?? {}) });
      case 'cloud_object_storage':
        return Object.assign(new CosSettingsType(), config);
      case 'event_streams':
        return Object.assign(new EventStreamsSettingsType(), config);
      case 'cloud_logs':
        return Object.assign(new CloudLogsSettingsType(), config);
    }
  }

  @FieldResolver(() => TargetWriteStatusType, { description: 'The outcome of the latest sends.' })
  writeStatus(@Root() target: TargetRecord): TargetWriteStatusType {
    return { lastSuccessAt: target.lastSuccessAt, lastFailureAt: target.lastFailureAt, lastFailureReason: target.lastFailureReason };
  }
}

/** `targets` of anything that holds target ids, through the request's loader. */
async function loadTargets(ctx: RequestContext, ids: readonly string[]): Promise<TargetType[]> {
  const found = await ctx.loaders.routing.targetById.loadMany([...ids]);
  return found.filter((t): t is TargetRecord => !!t && !(t instanceof Error)).map(asTarget);
}

@Resolver(() => RouteRuleType)
export class RouteRuleFieldsResolver {
  @FieldResolver(() => [TargetType])
  targets(@Root() rule: RouteRuleType, @Ctx() ctx: RequestContext): Promise<TargetType[]> {
    return loadTargets(ctx, rule.targetIds);
  }
}

@Resolver(() => RoutingSettingsType)
export class RoutingSettingsFieldsResolver {
  @FieldResolver(() => [TargetType], { description: 'Where events go that no rule takes (at most two).' })
  defaultTargets(@Root() settings: RoutingSettingsType, @Ctx() ctx: RequestContext): Promise<TargetType[]> {
    return loadTargets(ctx, settings.defaultTargetIds);
  }
}

@Resolver(() => RoutingExplanationType)
export class RoutingExplanationFieldsResolver {
  @FieldResolver(() => [TargetType], { description: 'Every target the event goes to, defaults included, each once.' })
  targets(@Root() explanation: RoutingExplanationType, @Ctx() ctx: RequestContext): Promise<TargetType[]> {
    return loadTargets(ctx, explanation.targetIds);
  }
}

@Resolver(() => RouteExplanationType)
export class RouteExplanationFieldsResolver {
  @FieldResolver(() => [TargetType], { description: 'The targets of the matched rule.' })
  targets(@Root() route: RouteExplanationType, @Ctx() ctx: RequestContext): Promise<TargetType[]> {
    return loadTargets(ctx, route.targetIds);
  }
}

@Resolver(() => DeliveryType)
export class DeliveryFieldsResolver {
  @FieldResolver(() => TargetType, { nullable: true })
  async target(@Root() delivery: DeliveryType, @Ctx() ctx: RequestContext): Promise<TargetType | null> {
    const t = await ctx.loaders.routing.targetById.load(delivery.targetId);
    return t && asTarget(t);
  }

  @FieldResolver(() => EventType, { nullable: true })
  async event(@Root() delivery: DeliveryType, @Ctx() ctx: RequestContext): Promise<EventType | null> {
    return (await ctx.loaders.routing.eventById.load(delivery.eventId)) as unknown as EventType | null;
  }
}
