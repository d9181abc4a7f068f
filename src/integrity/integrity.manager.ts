// Tamper evidence: verification of an account's hash chain (the first event whose link,
// position or place does not match), signed checkpoints of chain heads, proofs of single
// events, and the export a third party checks offline (npm run verify).
import { UserInputError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { eventContent } from '../events/canonical.js';
import { chainLink, chainWalker, GENESIS, type ChainBreak } from './chain.js';
import type { CheckpointRecord, IntegrityStore } from './integrity.store.js';
import { verifyClaim, type CheckpointClaim, type Signer } from './signer.js';

export interface Verification {
  ok: boolean;
  from: number;
  to: number;
  /** Events whose links were recomputed and matched. */
  checked: number;
  headSequence: number;
  checkpointsChecked: number;
  firstBroken: ChainBreak | null;
}

export interface IntegrityManagerDeps {
  store: IntegrityStore;
  /** The checkpoint key, loaded on first use (tools that never sign never touch it). */
  signer: () => Signer;
  log: Logger;
  /** Most events one verifyEvents call walks. */
  maxVerify?: number;
}

export function claimOf(c: CheckpointRecord): CheckpointClaim {
  return { account: c.accountId, sequence: c.seq, hash: c.hash.toString('hex'), signedAt: c.signedAt.toISOString(), keyId: c.keyId };
}

/** Export lines: a header with the public keys, the events in chain order, the checkpoints. */
export type ExportLine =
  | { type: 'chain'; account: string; from: number; to: number; previousHash: string; hash: 'SHA-256'; signature: 'Ed25519'; publicKeys: Array<{ keyId: string; publicKey: string }> }
  | { type: 'event'; sequence: number; hash: string; receivedAt: string; content: unknown }
  | { type: 'checkpoint'; account: string; sequence: number; hash: string; signedAt: string; keyId: string; signature: string };

export function createIntegrityManager({ store, signer: loadSigner, log, maxVerify = 500_000 }: IntegrityManagerDeps) {
  let timer: NodeJS.Timeout | null = null;
  let loaded: Signer | null = null;
  const signer = () => (loaded ??= loadSigner());
  let published: Promise<void> | null = null;
  /** Its public key goes to the database before anything it signs. */
  const publish = () => (published ??= store.saveKey(signer().keyId, signer().publicKeyPem).catch((error: unknown) => {
    published = null;
    throw error;
  }));

  async function checkpoint(accountId: string, head: { seq: number; head: Buffer }): Promise<CheckpointRecord> {
    const key = signer();
    await publish();
    const record: CheckpointRecord = { accountId, seq: head.seq, hash: head.head, signedAt: new Date(), keyId: key.keyId, signature: Buffer.alloc(0) };
    record.signature = key.sign(claimOf(record));
    if (!(await store.saveCheckpoint(record))) {
      // Another process signed this head first: its checkpoint stands.
      return (await store.checkpoints(accountId, { from: head.seq, to: head.seq }))[0]!;
    }
    return record;
  }

  /** Checkpoints with a valid signature, by position; the first bad one, if any. */
  async function checkedCheckpoints(accountId: string, from: number, to: number): Promise<{ links: Map<number, Buffer>; bad: CheckpointRecord | null; count: number }> {
    const checkpoints = await store.checkpoints(accountId, { from, to });
    const keys = new Map((await store.keys([...new Set(checkpoints.map((c) => c.keyId))])).map((k) => [k.keyId, k.publicKey]));
    const links = new Map<number, Buffer>();
    let bad: CheckpointRecord | null = null;
    for (const c of checkpoints) {
      const key = keys.get(c.keyId);
      if (key && verifyClaim(claimOf(c), c.signature, key)) links.set(c.seq, c.hash);
      else bad ??= c;
    }
    return { links, bad, count: checkpoints.length };
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

    /** Walks positions `from` to `to` (default: the whole chain) and reports the first break. */
    async verify(accountId: string, range: { from?: number | null; to?: number | null }): Promise<Verification> {
      const head = (await store.head(accountId)) ?? { seq: 0, head: GENESIS };
      const from = range.from ?? 1;
      const to = Math.min(range.to ?? head.seq, head.seq);
      const issues: Array<{ field: string; reason: string }> = [];
      if (!Number.isSafeInteger(from) || from < 1) issues.push({ field: 'from', reason: 'must be a position, 1 or more' });
      if (range.to !== null && range.to !== undefined && range.to < from) issues.push({ field: 'to', reason: 'must not be before from' });
      if (to - from + 1 > maxVerify) issues.push({ field: range.to ? 'to' : 'from', reason: `spans ${to - from + 1} events; verify at most ${maxVerify} per call (give from and to)` });
      if (issues.length) throw new UserInputError(issues);
      const result = (firstBroken: ChainBreak | null, checked: number, checkpointsChecked: number): Verification => ({
        ok: firstBroken === null,
        from,
        to,
        checked,
        headSequence: head.seq,
        checkpointsChecked,
        firstBroken,
      });

      let previous: Buffer = GENESIS;
      if (from > 1) {
        const before = await store.linkAt(accountId, from - 1);
        if (!before?.hash) return result({ sequence: from - 1, eventId: before?.id ?? null, kind: 'MISSING', reason: `no chained event at position ${from - 1}, the link before the range` }, 0, 0);
        previous = before.hash;
      }
      const { links, bad, count } = await checkedCheckpoints(accountId, from, to);
      const walker = chainWalker(from, previous, links);
      let broken: ChainBreak | null = null;
      if (to >= from) {
        for await (const row of store.chained(accountId, from, to)) {
          broken = walker.step(row);
          if (broken) break;
        }
        if (!broken && walker.last.seq < to) {
          broken = { sequence: walker.last.seq + 1, eventId: null, kind: 'MISSING', reason: `no event at position ${walker.last.seq + 1}; the chain's head is at ${head.seq}` };
        }
      }
      // A forged or damaged checkpoint counts where it sits, if nothing breaks before.
      if (bad && (!broken || (broken.sequence ?? Infinity) > bad.seq)) {
        broken = { sequence: bad.seq, eventId: null, kind: 'CHECKPOINT_MISMATCH', reason: `the checkpoint at position ${bad.seq} does not carry a valid signature of a known key` };
      }
      if (!broken && to === head.seq) {
        if (head.seq > 0 && !walker.last.hash.equals(head.head)) {
          broken = { sequence: head.seq, eventId: null, kind: 'HASH_MISMATCH', reason: 'the recorded chain head differs from the last event\'s link' };
        } else {
          const strays = await store.strays(accountId, head.seq);
          if (strays.after) broken = { sequence: strays.after.seq, eventId: strays.after.id, kind: 'AFTER_HEAD', reason: `event ${strays.after.id} sits at position ${strays.after.seq}, past the chain's head (${head.seq})` };
          else if (strays.outside) broken = { sequence: null, eventId: strays.outside, kind: 'OUTSIDE_CHAIN', reason: `event ${strays.outside} has no place in the chain` };
        }
      }
      if (broken) log.warn({ accountId, broken }, 'event chain verification found a break');
      return result(broken, walker.checked, count);
    },

    /** Signs the account's chain head now (if it moved since the last checkpoint). */
    async checkpointNow(accountId: string): Promise<CheckpointRecord | null> {
      const head = await store.head(accountId);
      if (!head || head.seq === 0) return null;
      return checkpoint(accountId, head);
    },

    checkpoints: (accountId: string, limit: number) => store.checkpoints(accountId, { limit, newestFirst: true }),
    head: (accountId: string) => store.head(accountId),
    publicKeys: () => store.keys(),

    /** Each event's link, the one before it, and the checkpoint that vouches for it. */
    proofs: (accountId: string, eventIds: readonly string[]) => store.proofsOf(accountId, eventIds),

    /** The lines of an export of positions `from` to `to`. */
    async *exportChain(accountId: string, range: { from?: number; to?: number } = {}): AsyncGenerator<ExportLine> {
      const head = (await store.head(accountId)) ?? { seq: 0, head: GENESIS };
      const from = range.from ?? 1;
      const to = Math.min(range.to ?? head.seq, head.seq);
      const previous = from > 1 ? (await store.linkAt(accountId, from - 1))?.hash ?? GENESIS : GENESIS;
      const checkpoints = await store.checkpoints(accountId, { from, to });
      const keys = await store.keys();
      yield { type: 'chain', account: accountId, from, to, previousHash: previous.toString('hex'), hash: 'SHA-256', signature: 'Ed25519', publicKeys: keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })) };
      for await (const row of store.chained(accountId, from, to)) {
        yield { type: 'event', sequence: row.seq, hash: row.hash.toString('hex'), receivedAt: row.event.receivedAt.toISOString(), content: eventContent(row.event) };
      }
      for (const c of checkpoints) yield { type: 'checkpoint', ...claimOf(c), signature: c.signature.toString('base64') };
    },

    /** Publishes this process's public key and signs heads every `everyMs`. */
    async start(everyMs: number): Promise<void> {
      await publish();
      const round = async () => {
        try {
          for (const head of await store.uncheckpointedHeads()) await checkpoint(head.accountId, head);
        } catch (error) {
          log.warn({ err: error }, 'checkpoint round failed; will retry');
        }
      };
      timer = setInterval(() => void round(), everyMs);
      timer.unref();
    },

    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

export type IntegrityManager = ReturnType<typeof createIntegrityManager>;
