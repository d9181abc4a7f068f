// Fields of Service resolved through per-request loaders.
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { buildConnection, decodeCursor, encodeCursor, pageSize } from '../server/relay.js';
import { ActionConnection, type ActionType } from './action.type.js';
import { MAX_PAGE_SIZE } from './catalog.manager.js';
import { ActionFilterInput } from './catalog.inputs.js';
import { LocationType } from './location.type.js';
import { ServiceActionCounts, ServiceType } from './service.type.js';

@Resolver(() => ServiceType)
export class ServiceResolver {
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
    const size = pageSize(first, MAX_PAGE_SIZE);
    const key = decodeCursor('action', after);
    const f = { ...(filter ?? {}), service: service.prefix };
    // First pages of many services are batched into one query; later pages go one by one.
    const rows = key === null
      ? await ctx.loaders.catalog.firstActionsOfService.load({ serviceId: service.id, filter: filter ?? {}, limit: size + 1 })
      : await ctx.catalog.listActions(f, { after: key, limit: size + 1 });
    return buildConnection(ActionConnection, rows as ActionType[], size, (a) => encodeCursor('action', a.name), key !== null, () => ctx.catalog.countActions(f));
  }
}
