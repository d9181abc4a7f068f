// Fields of Action resolved through per-request loaders.
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { ActionType } from './action.type.js';
import { LocationType } from './location.type.js';
import { ServiceType } from './service.type.js';

@Resolver(() => ActionType)
export class ActionResolver {
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
