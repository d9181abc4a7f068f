// Fields of Service resolved through per-request loaders.
import { Arg, Ctx, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { paginate } from '../server/relay.js';
import { ActionConnection, type ActionType } from './action.type.js';
import { MAX_PAGE_SIZE } from './catalog.manager.js';
import { ActionFilterInput } from './catalog.inputs.js';
import { LocationType } from './location.type.js';
import { ServiceActionCounts, ServiceType } from './service.type.js';

@Resolver(() => ServiceType)
export class ServiceResolver {
  @FieldResolver(() => ID, { description: 'Its identity: the prefix (what normalized client caches key a Service by, with `__typename`).' })
  id(@Root() service: ServiceType): string {
    return service.prefix;
  }

  @FieldResolver(() => [LocationType], { description: 'Where the service generates events; empty when it does not say.' })
  async locations(@Root() service: ServiceType, @Ctx() ctx: RequestContext): Promise<LocationType[]> {
    const codes = await ctx.loaders.catalog.locationCodesByServiceId.load(service.id);
    return (await ctx.loaders.catalog.locations(codes)) as LocationType[];
  }

  @FieldResolver(() => ServiceActionCounts)
  actionCounts(@Root() service: ServiceType, @Ctx() ctx: RequestContext): Promise<ServiceActionCounts> {
    return ctx.loaders.catalog.actionCountsByServiceId.load(service.id);
  }

  @FieldResolver(() => ActionConnection, { description: 'The service\'s actions ordered by name.' })
  async actions(
    @Root() service: ServiceType,
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => ActionFilterInput, { nullable: true }) filter: ActionFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ActionConnection> {
    const f = { ...(filter ?? {}), service: service.prefix };
    return paginate<ActionType, ActionConnection>(ActionConnection, {
      list: 'action',
      first,
      after,
      max: MAX_PAGE_SIZE,
      keyOf: (a) => a.name,
      // First pages of many services are batched into one query; later pages go one by one.
      fetch: (key, limit) =>
        key === null
          ? ctx.loaders.catalog.firstActionsOfService.load({ serviceId: service.id, filter: filter ?? {}, limit })
          : ctx.catalog.listActions(f, { after: key, limit }),
      count: () => ctx.catalog.countActions(f),
    });
  }
}
