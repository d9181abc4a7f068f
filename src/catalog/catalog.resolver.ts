// Catalog queries and mutations. Thin: arguments in, one manager call, result out.
import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { paginate } from '../server/relay.js';
import { ActionConnection, ActionMatch, type ActionType } from './action.type.js';
import { MAX_PAGE_SIZE } from './catalog.manager.js';
import {
  ActionFilterInput,
  CreateServiceInput,
  DefineActionsInput,
  DeleteActionInput,
  DeleteServiceInput,
  DeprecateActionInput,
  ServiceFilterInput,
  SetServiceLocationsInput,
  UpdateActionInput,
  UpdateServiceInput,
} from './catalog.inputs.js';
import {
  ActionPayload,
  DefineActionsPayload,
  DeleteActionPayload,
  DeleteServicePayload,
  ImportCatalogPayload,
  ServicePayload,
} from './catalog.payloads.js';
import { toImportPayload } from './import.mapping.js';
import { LocationType } from './location.type.js';
import { ServiceConnection, ServiceType } from './service.type.js';

@Resolver()
export class CatalogResolver {
  @Query(() => [LocationType], { description: 'Every known location, regional ones first, then `global`.' })
  locations(@Ctx() ctx: RequestContext): Promise<LocationType[]> {
    return ctx.catalog.listLocations() as Promise<LocationType[]>;
  }

  @Query(() => ServiceConnection, { description: 'Services ordered by prefix.' })
  async services(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => ServiceFilterInput, { nullable: true }) filter: ServiceFilterInput | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 500 (default 50).' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ServiceConnection> {
    const f = filter ?? {};
    return paginate<ServiceType, ServiceConnection>(ServiceConnection, {
      list: 'service',
      first,
      after,
      max: MAX_PAGE_SIZE,
      keyOf: (s) => s.prefix,
      fetch: (key, limit) => ctx.catalog.listServices(f, { after: key, limit }),
      count: () => ctx.catalog.countServices(f),
    });
  }

  @Query(() => ServiceType, { nullable: true })
  service(@Ctx() ctx: RequestContext, @Arg('prefix', () => String) prefix: string): Promise<ServiceType | null> {
    return ctx.catalog.getService(prefix);
  }

  @Query(() => ActionConnection, { description: 'Actions ordered by name.' })
  async actions(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => ActionFilterInput, { nullable: true }) filter: ActionFilterInput | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 500 (default 50).' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ActionConnection> {
    const f = filter ?? {};
    return paginate<ActionType, ActionConnection>(ActionConnection, {
      list: 'action',
      first,
      after,
      max: MAX_PAGE_SIZE,
      keyOf: (a) => a.name,
      fetch: (key, limit) => ctx.catalog.listActions(f, { after: key, limit }),
      count: () => ctx.catalog.countActions(f),
    });
  }

  @Query(() => ActionMatch, { nullable: true, description: 'An action by name; `pm-20.wml_model.list` resolves to `pm-20.<asset_type>.list`.' })
  action(@Ctx() ctx: RequestContext, @Arg('name', () => String) name: string): Promise<ActionMatch | null> {
    return ctx.catalog.resolveAction(name);
  }

  @Mutation(() => ServicePayload)
  async createService(@Ctx() ctx: RequestContext, @Arg('input', () => CreateServiceInput) input: CreateServiceInput): Promise<ServicePayload> {
    return { service: await ctx.catalog.createService(ctx.principal, input) };
  }

  @Mutation(() => ServicePayload)
  async updateService(@Ctx() ctx: RequestContext, @Arg('input', () => UpdateServiceInput) input: UpdateServiceInput): Promise<ServicePayload> {
    return { service: await ctx.catalog.updateService(ctx.principal, input.prefix, input.patch) };
  }

  @Mutation(() => DeleteServicePayload, { description: 'Refused (CONFLICT) while the service has actions.' })
  async deleteService(@Ctx() ctx: RequestContext, @Arg('input', () => DeleteServiceInput) input: DeleteServiceInput): Promise<DeleteServicePayload> {
    return { deletedPrefix: (await ctx.catalog.deleteService(ctx.principal, input.prefix)).prefix };
  }

  @Mutation(() => ServicePayload)
  async setServiceLocations(@Ctx() ctx: RequestContext, @Arg('input', () => SetServiceLocationsInput) input: SetServiceLocationsInput): Promise<ServicePayload> {
    return { service: await ctx.catalog.setServiceLocations(ctx.principal, input.prefix, input.locations) };
  }

  @Mutation(() => DefineActionsPayload, { description: 'Defines up to 500 actions, all or nothing.' })
  async defineActions(@Ctx() ctx: RequestContext, @Arg('input', () => DefineActionsInput) input: DefineActionsInput): Promise<DefineActionsPayload> {
    return { actions: await ctx.catalog.defineActions(ctx.principal, input.actions) };
  }

  @Mutation(() => ActionPayload)
  async updateAction(@Ctx() ctx: RequestContext, @Arg('input', () => UpdateActionInput) input: UpdateActionInput): Promise<ActionPayload> {
    return { action: await ctx.catalog.updateAction(ctx.principal, input.name, input.patch) };
  }

  @Mutation(() => ActionPayload)
  async deprecateAction(@Ctx() ctx: RequestContext, @Arg('input', () => DeprecateActionInput) input: DeprecateActionInput): Promise<ActionPayload> {
    return { action: await ctx.catalog.deprecateAction(ctx.principal, input.name, input.deprecated) };
  }

  @Mutation(() => DeleteActionPayload, { description: 'Refused (CONFLICT) once the action has recorded events: deprecate it instead.' })
  async deleteAction(@Ctx() ctx: RequestContext, @Arg('input', () => DeleteActionInput) input: DeleteActionInput): Promise<DeleteActionPayload> {
    return { deletedName: (await ctx.catalog.deleteAction(ctx.principal, input.name)).name };
  }

  @Mutation(() => ImportCatalogPayload, { description: 'Imports one documentation page (markdown source or flattened text) in one transaction.' })
  async importCatalog(
    @Ctx() ctx: RequestContext,
    @Arg('document', () => String) document: string,
    @Arg('source', () => String, { description: 'The page\'s name or URL, recorded on what it creates.' }) source: string,
    @Arg('dryRun', () => Boolean, { nullable: true, description: 'Report what would change and write nothing.' }) dryRun: boolean | null,
  ): Promise<ImportCatalogPayload> {
    return toImportPayload(await ctx.catalog.importDocument(ctx.principal, document, source, dryRun ?? false));
  }
}
