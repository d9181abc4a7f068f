// Tamper evidence through GraphQL: the chain, verification (now or in the background),
// checkpoints, and Event.proof. Thin: arguments in, one manager call, result out.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { EventType } from '../events/event.type.js';
import type { RequestContext } from '../server/context.js';
import { GENESIS } from './chain.js';
import type { PublishedCheckpoint } from './checkpoint-log.js';
import { VERIFICATION_STALE_MS, type Verification } from './integrity.manager.js';
import type { CheckpointRecord, VerificationRecord } from './integrity.store.js';
import {
  ChainBreakKindEnum,
  ChainCheckpointInput,
  ChainCheckpointType,
  ChainVerificationRunType,
  ChainVerificationStatusEnum,
  ChainVerificationType,
  CheckpointPayload,
  EventChainType,
  EventProofType,
  StartChainVerificationInput,
  StartChainVerificationPayload,
} from './integrity.types.js';

function toCheckpoint(c: CheckpointRecord): ChainCheckpointType {
  return { sequence: c.seq, hash: c.hash.toString('hex'), signedAt: c.signedAt, keyId: c.keyId, signature: c.signature.toString('base64') };
}

function toPublished(c: PublishedCheckpoint): ChainCheckpointType {
  return { sequence: c.sequence, hash: c.hash, signedAt: new Date(c.signedAt), keyId: c.keyId, signature: c.signature };
}

function toVerification(v: Verification): ChainVerificationType {
  return {
    ok: v.ok,
    from: v.from,
    to: v.to,
    checked: v.checked,
    headSequence: v.headSequence,
    checkpointsChecked: v.checkpointsChecked,
    firstBroken: v.firstBroken && { ...v.firstBroken, kind: v.firstBroken.kind as ChainBreakKindEnum },
  };
}

function toRun(r: VerificationRecord, now = Date.now()): ChainVerificationRunType {
  const stale = r.status === 'running' && now - r.updatedAt.getTime() > VERIFICATION_STALE_MS;
  const status = stale ? ChainVerificationStatusEnum.INTERRUPTED : (r.status.toUpperCase() as ChainVerificationStatusEnum);
  const seconds = ((r.finishedAt ?? r.updatedAt).getTime() - r.startedAt.getTime()) / 1000;
  const result = r.status === 'done' && r.result ? toVerification(r.result as Verification) : null;
  const checked = result?.checked ?? r.checked;
  return {
    id: r.id,
    status,
    from: r.from,
    to: r.to,
    total: Math.max(0, r.to - r.from + 1),
    checked,
    eventsPerSecond: seconds > 0 && checked > 0 ? Math.round(checked / seconds) : null,
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
    result,
    error: r.error,
  };
}

@Resolver()
export class IntegrityResolver {
  @Query(() => EventChainType, { description: 'The account\'s hash chain: its head, latest checkpoints, the latest one published and the keys trusted to sign them.' })
  async eventChain(@Ctx() ctx: RequestContext, @Arg('checkpoints', () => Int, { defaultValue: 10, description: 'How many of the latest checkpoints, 0 to 100.' }) last: number): Promise<EventChainType> {
    const accountId = ctx.principal.accountId;
    const [head, checkpoints, published] = await Promise.all([
      ctx.integrity.head(accountId),
      ctx.integrity.checkpoints(accountId, Math.max(0, Math.min(100, last))),
      ctx.integrity.latestPublished(accountId),
    ]);
    return {
      headSequence: head?.seq ?? 0,
      headHash: head && head.seq > 0 ? head.head.toString('hex') : null,
      checkpoints: checkpoints.map(toCheckpoint),
      publicKeys: ctx.integrity.publicKeys().map((k) => ({ keyId: k.keyId, publicKey: k.publicKey, algorithm: 'Ed25519', source: k.source })),
      publishedCheckpoint: published && toPublished(published),
    };
  }

  @Query(() => ChainVerificationType, {
    description: 'Recomputes the chain from position `from` to `to` (default: all of it, up to VERIFY_MAX_EVENTS; startChainVerification takes any length) and compares it with the stored links and positions, the trusted checkpoints, the latest one published and `against`.',
  })
  async verifyEvents(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => SafeIntResolver, { nullable: true }) from: number | null,
    @Arg('to', () => SafeIntResolver, { nullable: true }) to: number | null,
    @Arg('against', () => ChainCheckpointInput, { nullable: true, description: 'A checkpoint you hold (from eventChain.publishedCheckpoint or the checkpoint log).' }) against: ChainCheckpointInput | null,
  ): Promise<ChainVerificationType> {
    return toVerification(await ctx.integrity.verify(ctx.principal.accountId, { from, to, against }));
  }

  @Query(() => ChainVerificationRunType, { description: 'A verification started with startChainVerification: its progress, then its verdict.' })
  async chainVerification(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<ChainVerificationRunType> {
    return toRun(await ctx.integrity.verification(ctx.principal.accountId, id));
  }

  @Query(() => [ChainVerificationRunType], { description: 'The account\'s latest verifications, newest first.' })
  async chainVerifications(@Ctx() ctx: RequestContext, @Arg('last', () => Int, { defaultValue: 10, description: '1 to 100.' }) last: number): Promise<ChainVerificationRunType[]> {
    const now = Date.now();
    return (await ctx.integrity.verifications(ctx.principal.accountId, Math.max(1, Math.min(100, last)))).map((r) => toRun(r, now));
  }

  @Mutation(() => StartChainVerificationPayload, { description: 'Starts verifying the chain (default: all of it) in the background; follow it with chainVerification(id).' })
  async startChainVerification(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => StartChainVerificationInput, { nullable: true }) input: StartChainVerificationInput | null,
  ): Promise<StartChainVerificationPayload> {
    const { record } = await ctx.integrity.startVerification(ctx.principal.accountId, input ?? {});
    return { verification: toRun(record) };
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
