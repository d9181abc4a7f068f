// Tamper evidence: verification of an account's hash chain (the first event whose link,
// position or place does not match), signed checkpoints of chain heads published outside
// the database, verifications of whole chains in the background, proofs of single events,
// and the export a third party checks offline (npm run verify).
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UserInputError } from '../errors/errors.js';
import { isUuid } from '../errors/ids.js';
import type { Logger } from '../logging/logger.js';
import { eventContent } from '../events/canonical.js';
import { chainLink, GENESIS, type ChainBreak } from './chain.js';
import { appendCheckpoint, latestCheckpoints, type PublishedCheckpoint } from './checkpoint-log.js';
import type { CheckpointRecord, IntegrityStore, VerificationRecord } from './integrity.store.js';
import type { CheckpointClaim, Signer } from './signer.js';
import { trustedKeys, type TrustedKey, type TrustedKeys } from './trust.js';
import { walkInWorkers, type WorkerConnection } from './segment-workers.js';
import { verifyChain, walkEvents, type ChainVerdict, type EvidenceCheckpoint } from './verification.js';

export interface Verification extends ChainVerdict {
  from: number;
  to: number;
  headSequence: number;
}

export interface IntegrityManagerDeps {
  store: IntegrityStore;
  /** The checkpoint key, loaded on first use (tools that never sign or verify never touch it). */
  signer: () => Signer;
  /** Public keys trusted besides the signer's own (configuration: old keys after a rotation). */
  trusted?: () => TrustedKey[];
  /** The NDJSON file every checkpoint is appended to as it is made (null: none). */
  checkpointLog: string | null;
  log: Logger;
  /** Most events one verifyEvents call walks; longer ranges go to a verification in the background. */
  maxVerify?: number;
  /** Long ranges are walked in this many worker threads at once, each on its own connection (a server only). */
  workers?: { count: number; connection: WorkerConnection; minSegment?: number } | null;
}

export function claimOf(c: CheckpointRecord): CheckpointClaim {
  return { account: c.accountId, sequence: c.seq, hash: c.hash.toString('hex'), signedAt: c.signedAt.toISOString(), keyId: c.keyId };
}

export function publishedOf(c: CheckpointRecord): PublishedCheckpoint {
  return { type: 'checkpoint', ...claimOf(c), signature: c.signature.toString('base64') };
}

/** Export lines: a header with the range and the head, the events in chain order, the checkpoints, the strays. */
export type ExportLine =
  | {
      type: 'chain';
      account: string;
      from: number;
      to: number;
      /** The link before `from` (null: there is none stored). */
      previousHash: string | null;
      head: { sequence: number; hash: string | null };
      hash: 'SHA-256';
      signature: 'Ed25519';
      /** The keys the exporting gateway trusts: information only, a verifier trusts the keys it is given. */
      publicKeys: Array<{ keyId: string; publicKey: string }>;
    }
  | { type: 'event'; sequence: number; hash: string; receivedAt: string; content: unknown }
  | PublishedCheckpoint
  | { type: 'stray'; kind: 'OUTSIDE_CHAIN' | 'AFTER_HEAD'; id: string; sequence: number | null };

/** A checkpoint an auditor holds (the `against` argument), as GraphQL gives it. */
export interface HeldCheckpoint {
  account?: string | null;
  sequence: number;
  hash: string;
  signedAt: Date;
  keyId: string;
  signature: string;
}

/** A running verification whose row has not moved for this long belongs to a process that ended. */
export const VERIFICATION_STALE_MS = 60_000;
const PROGRESS_EVERY_MS = 1000;

export function createIntegrityManager({ store, signer: loadSigner, trusted = () => [], checkpointLog, log, maxVerify = 200_000, workers = null }: IntegrityManagerDeps) {
  let timer: NodeJS.Timeout | null = null;
  let loaded: Signer | null = null;
  const signer = () => (loaded ??= loadSigner());
  let trust: TrustedKeys | null = null;
  /** The signer's own key and the configured ones; nothing from the database. */
  const trustedNow = () => (trust ??= trustedKeys([{ keyId: signer().keyId, publicKey: signer().publicKeyPem, source: 'the checkpoint key' }, ...trusted()]));
  /** The latest checkpoint this gateway published per account (read from its log once). */
  let published: Promise<Map<string, PublishedCheckpoint>> | null = null;
  const publishedNow = () => (published ??= checkpointLog ? latestCheckpoints(checkpointLog) : Promise.resolve(new Map()));
  /** Verifications running in this process, to stop with it. */
  const running = new Map<string, { accountId: string; controller: AbortController; done: Promise<unknown> }>();

  /**
   * Signs `head` after checking that it extends the last checkpoint this gateway published:
   * a chain rewritten or rolled back in the database is never signed (that would vouch for
   * it); the round reports it instead. Published to the log before it is stored.
   */
  async function checkpoint(accountId: string, head: { seq: number; head: Buffer }): Promise<CheckpointRecord> {
    const last = (await publishedNow()).get(accountId);
    if (last) {
      const link = head.seq >= last.sequence ? await store.linkAt(accountId, last.sequence) : null;
      if (!link?.hash || link.hash.toString('hex') !== last.hash) {
        throw new ConflictError(
          `the chain no longer extends the checkpoint this gateway published at position ${last.sequence} (head now at ${head.seq}): it was rewritten or rolled back in the database; run verifyEvents`,
          { publishedSequence: last.sequence, headSequence: head.seq },
        );
      }
    }
    const key = signer();
    const record: CheckpointRecord = { accountId, seq: head.seq, hash: head.head, signedAt: new Date(), keyId: key.keyId, signature: Buffer.alloc(0) };
    record.signature = key.sign(claimOf(record));
    if (checkpointLog) {
      await appendCheckpoint(checkpointLog, publishedOf(record));
      (await publishedNow()).set(accountId, publishedOf(record));
    }
    if (!(await store.saveCheckpoint(record))) {
      // Another process signed this head first: its checkpoint stands (ours is in our log).
      return (await store.checkpoints(accountId, { from: head.seq, to: head.seq }))[0]!;
    }
    return record;
  }

  /** `against` as a published checkpoint of `accountId`, or the problems with it. */
  function heldCheckpoint(accountId: string, held: HeldCheckpoint): PublishedCheckpoint {
    const issues: Array<{ field: string; reason: string }> = [];
    if (held.account && held.account !== accountId) issues.push({ field: 'against.account', reason: `is "${held.account}"; this key verifies account "${accountId}"` });
    if (!Number.isSafeInteger(held.sequence) || held.sequence < 1) issues.push({ field: 'against.sequence', reason: 'must be a position, 1 or more' });
    if (!/^[0-9a-f]{64}$/.test(held.hash)) issues.push({ field: 'against.hash', reason: 'must be the link in hex (64 lowercase hex digits)' });
    if (!/^[0-9a-f]{32}$/.test(held.keyId)) issues.push({ field: 'against.keyId', reason: 'must be a key id (32 lowercase hex digits)' });
    if (!/^[A-Za-z0-9+/]{86}==$/.test(held.signature)) issues.push({ field: 'against.signature', reason: 'must be a base64 Ed25519 signature (88 characters)' });
    if (issues.length) throw new UserInputError(issues);
    return { type: 'checkpoint', account: accountId, sequence: held.sequence, hash: held.hash, signedAt: held.signedAt.toISOString(), keyId: held.keyId, signature: held.signature };
  }

  /** The range to verify: `from` to `to`, by default the whole chain; problems as BAD_USER_INPUT. */
  async function rangeOf(accountId: string, range: { from?: number | null; to?: number | null; against?: HeldCheckpoint | null }, limit: number | null) {
    // The latest published checkpoint before the head: a checkpoint signed meanwhile is of a
    // head past the one read, and would look like a chain rolled back.
    const published = (await publishedNow()).get(accountId) ?? null;
    const head = (await store.head(accountId)) ?? { seq: 0, head: GENESIS };
    const from = range.from ?? 1;
    const to = Math.min(range.to ?? head.seq, head.seq);
    const issues: Array<{ field: string; reason: string }> = [];
    if (!Number.isSafeInteger(from) || from < 1) issues.push({ field: 'from', reason: 'must be a position, 1 or more' });
    if (range.to !== null && range.to !== undefined && range.to < from) issues.push({ field: 'to', reason: 'must not be before from' });
    if (limit !== null && to - from + 1 > limit) {
      issues.push({ field: range.to ? 'to' : 'from', reason: `spans ${to - from + 1} events; verifyEvents checks at most ${limit} (give from and to), and startChainVerification checks any range in the background` });
    }
    const against = range.against ? heldCheckpoint(accountId, range.against) : null;
    if (against && against.sequence < from) issues.push({ field: 'against.sequence', reason: `is before the range (from ${from}); verify from 1 or from at most ${against.sequence}` });
    else if (against && against.sequence <= head.seq && against.sequence > to) issues.push({ field: 'against.sequence', reason: `is past the range (to ${to}); verify up to at least ${against.sequence}` });
    if (issues.length) throw new UserInputError(issues);
    return { head, from, to, against, published };
  }

  async function runVerification(
    accountId: string,
    range: Awaited<ReturnType<typeof rangeOf>>,
    options: { onProgress?: (checked: number) => void; signal?: AbortSignal } = {},
  ): Promise<Verification> {
    const { head, from, to, against, published } = range;
    let previous: Buffer | ChainBreak = GENESIS;
    if (from > 1) {
      const before = await store.linkAt(accountId, from - 1);
      previous = before?.hash ?? { sequence: from - 1, eventId: before?.id ?? null, kind: 'MISSING', reason: `no chained event at position ${from - 1}, the link before the range` };
    }
    // Stored checkpoints of the range only: ones past the head are signed after it was read
    // (or were removed with the events they vouch for, which the published ones show).
    const stored = await store.checkpoints(accountId, { from, to });
    const checkpoints: EvidenceCheckpoint[] = [
      ...stored.map((c) => ({ checkpoint: publishedOf(c), source: 'stored' as const })),
      ...[published, against].filter((c): c is PublishedCheckpoint => !!c).map((c) => ({ checkpoint: c, source: 'published' as const })),
    ];
    const verdict = await verifyChain({
      account: accountId,
      from,
      to,
      head: { seq: head.seq, hash: head.seq > 0 ? head.head : null },
      previous,
      walk: (segment, progress, signal) => walkEvents(store.chained(accountId, segment.from, segment.to), segment, progress, signal),
      parallel:
        workers && workers.count > 1
          ? {
              segments: workers.count,
              minSegment: workers.minSegment,
              walk: walkInWorkers(workers.connection, accountId),
              linkBefore: async (seq) => (await store.linkAt(accountId, seq - 1))?.hash ?? null,
            }
          : undefined,
      checkpoints,
      trust: trustedNow(),
      strays: () => store.strays(accountId),
      onProgress: options.onProgress,
      signal: options.signal,
    });
    if (verdict.firstBroken) log.warn({ accountId, broken: verdict.firstBroken }, 'event chain verification found a break');
    return { ...verdict, from, to, headSequence: head.seq };
  }

  return {
    /**
     * Appends the events stored before the chain existed (an upgraded database: no position)
     * to their accounts' chains, in receipt order. Only events received before the chain's
     * migration was applied: one without a position received later was put there around
     * the gateway, and stays reported as OUTSIDE_CHAIN. An operator's decision (npm run
     * chain:adopt), never automatic.
     */
    async adoptUnchained(options: { accountId?: string; batch?: number; onProgress?: (accountId: string, adopted: number) => void } = {}): Promise<Array<{ accountId: string; adopted: number }>> {
      const before = await store.chainStartedAt();
      if (!before) return [];
      const accounts = (await store.unchainedAccounts(before)).filter((a) => !options.accountId || a.accountId === options.accountId);
      const done: Array<{ accountId: string; adopted: number }> = [];
      for (const { accountId } of accounts) {
        let adopted = 0;
        for (;;) {
          const n = await store.adopt(accountId, before, options.batch ?? 1000, (previous, seq, event) => chainLink(previous, seq, event));
          if (!n) break;
          adopted += n;
          options.onProgress?.(accountId, adopted);
        }
        log.warn({ accountId, adopted }, 'chained events stored before the chain existed');
        done.push({ accountId, adopted });
      }
      return done;
    },

    /**
     * Walks positions `from` to `to` (default: the whole chain, up to the limit) and reports
     * the first break, comparing with the trusted checkpoints stored in the range, the
     * latest one this gateway published and `against` (one an auditor holds).
     */
    async verify(accountId: string, range: { from?: number | null; to?: number | null; against?: HeldCheckpoint | null }, signal?: AbortSignal): Promise<Verification> {
      return runVerification(accountId, await rangeOf(accountId, range, maxVerify), { signal });
    },

    /**
     * Starts verifying a range of any length (default: the whole chain) in this process and
     * returns its record at once; its progress and verdict are read with `verification`.
     * One runs at a time per account in a process.
     */
    async startVerification(
      accountId: string,
      range: { from?: number | null; to?: number | null; against?: HeldCheckpoint | null },
      hooks: { onProgress?: (checked: number, total: number) => void } = {},
    ): Promise<{ record: VerificationRecord; done: Promise<Verification | null> }> {
      const resolved = await rangeOf(accountId, range, null);
      for (const [id, job] of running) {
        if (job.accountId === accountId) throw new ConflictError(`verification ${id} of this account is still running; wait for it (verification(id:)) before starting another`, { verificationId: id });
      }
      const record = await store.createVerification({ id: randomUUID(), accountId, from: resolved.from, to: resolved.to });
      const controller = new AbortController();
      const total = Math.max(0, resolved.to - resolved.from + 1);
      let lastWrite = Date.now();
      let writing: Promise<void> = Promise.resolve();
      const done = runVerification(accountId, resolved, {
        signal: controller.signal,
        onProgress: (checked) => {
          hooks.onProgress?.(checked, total);
          if (Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
          lastWrite = Date.now();
          writing = store.recordVerificationProgress(record.id, checked).catch((error: unknown) => log.warn({ err: error }, 'verification progress not recorded'));
        },
      }).then(
        async (result) => {
          await writing;
          await store.finishVerification(record.id, { status: 'done', checked: result.checked, result });
          return result;
        },
        async (error: unknown) => {
          await writing;
          const reason = controller.signal.aborted ? 'the gateway process running it stopped; start it again' : `it could not read the chain: ${(error as Error).message}`;
          if (!controller.signal.aborted) log.error({ err: error, accountId, verificationId: record.id }, 'chain verification failed');
          await store.finishVerification(record.id, { status: 'failed', checked: 0, error: reason }).catch(() => undefined);
          return null;
        },
      ).finally(() => running.delete(record.id));
      running.set(record.id, { accountId, controller, done });
      return { record, done };
    },

    async verification(accountId: string, id: string): Promise<VerificationRecord> {
      const record = isUuid(id) ? await store.verification(accountId, id) : null;
      if (!record) throw new NotFoundError('verification', id);
      return record;
    },

    verifications: (accountId: string, limit: number) => store.verifications(accountId, limit),

    /** Signs the account's chain head now (if it moved since the last checkpoint). */
    async checkpointNow(accountId: string): Promise<CheckpointRecord | null> {
      const head = await store.head(accountId);
      if (!head || head.seq === 0) return null;
      return checkpoint(accountId, head);
    },

    checkpoints: (accountId: string, limit: number) => store.checkpoints(accountId, { limit, newestFirst: true }),
    head: (accountId: string) => store.head(accountId),
    /** The keys whose checkpoints count (never the database's word). */
    publicKeys: () => trustedNow().keys,
    /** The latest checkpoint this gateway published for the account, if any. */
    latestPublished: async (accountId: string) => (await publishedNow()).get(accountId) ?? null,

    /** Each event's link, the one before it, and the checkpoint that vouches for it. */
    proofs: (accountId: string, eventIds: readonly string[]) => store.proofsOf(accountId, eventIds),

    /** The lines of an export of positions `from` to `to`. */
    async *exportChain(accountId: string, range: { from?: number; to?: number } = {}): AsyncGenerator<ExportLine> {
      const head = (await store.head(accountId)) ?? { seq: 0, head: GENESIS };
      const from = range.from ?? 1;
      const to = Math.min(range.to ?? head.seq, head.seq);
      const previous = from > 1 ? ((await store.linkAt(accountId, from - 1))?.hash ?? null) : GENESIS;
      const checkpoints = await store.checkpoints(accountId, { from, to: to === head.seq ? undefined : to });
      yield {
        type: 'chain',
        account: accountId,
        from,
        to,
        previousHash: previous?.toString('hex') ?? null,
        head: { sequence: head.seq, hash: head.seq > 0 ? head.head.toString('hex') : null },
        hash: 'SHA-256',
        signature: 'Ed25519',
        publicKeys: trustedNow().keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
      };
      for await (const row of store.chained(accountId, from, to)) {
        yield { type: 'event', sequence: row.seq, hash: row.hash.toString('hex'), receivedAt: row.event.receivedAt.toISOString(), content: eventContent(row.event) };
      }
      for (const c of checkpoints) yield publishedOf(c);
      if (to === head.seq) {
        const strays = await store.strays(accountId);
        if (strays.after) yield { type: 'stray', kind: 'AFTER_HEAD', id: strays.after.id, sequence: strays.after.seq };
        if (strays.outside) yield { type: 'stray', kind: 'OUTSIDE_CHAIN', id: strays.outside, sequence: null };
      }
    },

    /** Signs heads every `everyMs` (each after checking that it extends the last one published). */
    async start(everyMs: number): Promise<void> {
      await publishedNow();
      const round = async () => {
        let heads: Awaited<ReturnType<IntegrityStore['uncheckpointedHeads']>>;
        try {
          heads = await store.uncheckpointedHeads();
        } catch (error) {
          log.warn({ err: error }, 'checkpoint round failed; will retry');
          return;
        }
        for (const head of heads) {
          try {
            await checkpoint(head.accountId, head);
          } catch (error) {
            if (error instanceof ConflictError) log.error({ accountId: head.accountId, reason: error.message }, 'checkpoint refused: the chain does not extend the last published checkpoint');
            else log.warn({ err: error, accountId: head.accountId }, 'checkpoint failed; will retry');
          }
        }
      };
      timer = setInterval(() => void round(), everyMs);
      timer.unref();
    },

    /** Stops signing and the verifications running here (they are recorded as failed). */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      const jobs = [...running.values()];
      for (const job of jobs) job.controller.abort();
      await Promise.all(jobs.map((job) => job.done));
    },
  };
}

export type IntegrityManager = ReturnType<typeof createIntegrityManager>;
