import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { LocationKind, LocationType } from './location.type.js';

@Resolver()
export class CatalogResolver {
  @Query(() => [LocationType], { description: 'Every known location, regional ones first.' })
  async locations(@Ctx() ctx: RequestContext): Promise<LocationType[]> {
    const rows = await ctx.catalog.listLocations();
    return rows.map((l) => ({ ...l, kind: l.kind as LocationKind }));
  }
}
