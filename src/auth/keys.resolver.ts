// API keys and the caller's identity. Thin: arguments in, one manager call, result out.
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../server/context.js';
import { ApiKeyType, CreateKeyInput, CreateKeyPayload, RevokeKeyInput, RevokeKeyPayload, ViewerType, type RoleEnum } from './keys.types.js';

@Resolver()
export class KeysResolver {
  @Query(() => ViewerType, { description: 'The account and role of the key this request uses.' })
  viewer(@Ctx() ctx: RequestContext): ViewerType {
    const { accountId, role, keyId, name, operator } = ctx.principal;
    return { accountId, role: role as RoleEnum, keyId, name, operator };
  }

  @Query(() => [ApiKeyType], { description: 'The account\'s API keys, newest first (revoked ones included).' })
  async keys(@Ctx() ctx: RequestContext): Promise<ApiKeyType[]> {
    return (await ctx.keys.listKeys(ctx.principal.accountId)) as ApiKeyType[];
  }

  @Mutation(() => CreateKeyPayload)
  async createKey(@Ctx() ctx: RequestContext, @Arg('input', () => CreateKeyInput) input: CreateKeyInput): Promise<CreateKeyPayload> {
    const { record, key } = await ctx.keys.createKey(ctx.principal, input);
    return { key, apiKey: record as ApiKeyType };
  }

  @Mutation(() => RevokeKeyPayload, { description: 'Revokes a key at once in this process, within seconds in the others.' })
  async revokeKey(@Ctx() ctx: RequestContext, @Arg('input', () => RevokeKeyInput) input: RevokeKeyInput): Promise<RevokeKeyPayload> {
    return { apiKey: (await ctx.keys.revokeKey(ctx.principal, input.id)) as ApiKeyType };
  }
}
