// Fields of Action resolved through per-request loaders.
import { Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { ActionType } from './action.type.js';
import { LocationType } from './location.type.js';
import { ServiceType } from './service.type.js';

@Resolver(() => ActionType)
export class ActionResolver {
  @FieldResolver(() => ID, { description: 'Its identity: the catalog name, a template\'s with its variable (what normalized client caches key an Action by, with `__typename`).' })
  id(@Root() action: ActionType): string {
    return action.name;
  }

  @FieldResolver(() => ServiceType)
  async service(@Root() action: ActionType, @Ctx() ctx: RequestContext): Promise<ServiceType> {
    return (await ctx.loaders.catalog.serviceById.load(action.serviceId))!;
  }

  @FieldResolver(() => [LocationType], { description: 'Where events of this action are generated (its service\'s locations).' })
  async locations(@Root() action: ActionType, @Ctx() ctx: RequestContext): Promise<LocationType[]> {
    const codes = await ctx.loaders.catalog.locationCodesByServiceId.load(action.serviceId);
    return (await ctx.loaders.catalog.locations(codes)) as LocationType[];
  }

  @FieldResolver(() => Boolean)
  isTemplate(@Root() action: ActionType): boolean {
    return action.templateVariable !== null;
  }
}
