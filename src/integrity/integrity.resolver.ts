// Tamper evidence through GraphQL: the chain, verification, checkpoints, and Event.proof.
// Thin: arguments in, one manager call, result out.
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { EventType } from '../events/event.type.js';
import type { RequestContext } from '../server/context.js';
import { GENESIS, type ChainBreak } from './chain.js';
import type { CheckpointRecord } from './integrity.store.js';
import { ChainBreakKindEnum, ChainCheckpointType, ChainVerificationType, CheckpointPayload, EventChainType, EventProofType } from './integrity.types.js';

function toCheckpoint(c: CheckpointRecord): ChainCheckpointType {
  return { sequence: c.seq, hash: c.hash.toString('hex'), signedAt: c.signedAt, keyId: c.keyId, signature: c.signature.toString('base64') };
}

@Resolver()
export class IntegrityResolver {
  @Query(() => EventChainType, { description: 'The account\'s hash chain: its head, latest checkpoints and the public keys to check them.' })
  async eventChain(@Ctx() ctx: RequestContext, @Arg('checkpoints', () => Int, { defaultValue: 10, description: 'How many of the latest checkpoints, 0 to 100.' }) last: number): Promise<EventChainType> {
    const accountId = ctx.principal.accountId;
    const [head, checkpoints, keys] = await Promise.all([ctx.integrity.head(accountId), ctx.integrity.checkpoints(accountId, Math.max(0, Math.min(100, last))), ctx.integrity.publicKeys()]);
    return {
      headSequence: head?.seq ?? 0,
      headHash: head && head.seq > 0 ? head.head.toString('hex') : null,
      checkpoints: checkpoints.map(toCheckpoint),
      publicKeys: keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey, algorithm: 'Ed25519' })),
    };
  }

  @Query(() => ChainVerificationType, { description: 'Recomputes the chain from position `from` to `to` (default: all of it) and compares it with the stored links, positions and signed checkpoints.' })
  async verifyEvents(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => SafeIntResolver, { nullable: true }) from: number | null,
    @Arg('to', () => SafeIntResolver, { nullable: true }) to: number | null,
  ): Promise<ChainVerificationType> {
    const result = await ctx.integrity.verify(ctx.principal.accountId, { from, to });
    return { ...result, firstBroken: result.firstBroken && { ...result.firstBroken, kind: result.firstBroken.kind as ChainBreakKindEnum } };
  }

  @Mutation(() => CheckpointPayload, { description: 'Signs the chain\'s head now (the gateway also does it periodically).' })
  async checkpointEventChain(@Ctx() ctx: RequestContext): Promise<CheckpointPayload> {
    const checkpoint = await ctx.integrity.checkpointNow(ctx.principal.accountId);
    return { checkpoint: checkpoint && toCheckpoint(checkpoint) };
  }
}

@Resolver(() => EventType)
export class EventProofResolver {
  @FieldResolver(() => EventProofType, { nullable: true, description: 'The event\'s link in its account\'s hash chain and the nearest checkpoint.' })
  async proof(@Root() event: EventType, @Ctx() ctx: RequestContext): Promise<EventProofType | null> {
    const proof = await ctx.loaders.integrity.proofById.load(event.id);
    if (!proof) return null;
    return {
      sequence: proof.seq,
      hash: proof.hash.toString('hex'),
      previousHash: (proof.previous ?? GENESIS).toString('hex'),
      checkpoint: proof.checkpoint && toCheckpoint(proof.checkpoint),
    };
  }
}

