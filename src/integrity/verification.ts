// Verification of a chain from its evidence: the stored events of a range with their links,
// the checkpoints stored beside them, the checkpoints published outside the database, the
// head, and the keys trusted to have signed. One function for every verifier (verifyEvents,
// the verification jobs, npm run verify on the database or on an export), so all of them
// reach the same verdict on the same evidence.
//
// A long range is walked in segments at once (each from the stored link before it, on a
// core of its own where the evidence can): every link is still recomputed from its event
// and compared with the stored one, so segment k's first link is checked against the
// stored link that segment k-1 checked last. The first break of the first broken segment
// is the chain's first break.
import { chainWalker, type ChainBreak, type ChainedEvent } from './chain.js';
import type { PublishedCheckpoint } from './checkpoint-log.js';
import type { TrustedKeys } from './trust.js';

/** A checkpoint to compare the chain with, and where it comes from. */
export interface EvidenceCheckpoint {
  checkpoint: PublishedCheckpoint;
  /** `stored`: beside the events (the database, the export); `published`: outside them (the log, an auditor's copy). */
  source: 'stored' | 'published';
}

/** Positions `from` to `to`, the link before them, and the links trusted checkpoints vouch for. */
export interface Segment {
  from: number;
  to: number;
  previous: Buffer;
  vouched: ReadonlyMap<number, readonly Buffer[]>;
}

export interface SegmentResult {
  checked: number;
  broken: ChainBreak | null;
  /** The last position that matched, and its link. */
  last: { seq: number; hash: Buffer };
}

/** Walks a segment; `progress` is told how many more events matched, now and then. */
export type SegmentWalker = (segment: Segment, progress: (more: number) => void, signal: AbortSignal) => Promise<SegmentResult>;

export interface ChainEvidence {
  account: string;
  from: number;
  to: number;
  head: { seq: number; hash: Buffer | null };
  /** The link before `from` (the genesis link for 1), or the break that its absence is. */
  previous: Buffer | ChainBreak;
  /** Walks the stored events of a segment here (walkEvents over them). */
  walk: SegmentWalker;
  /** For a long range: how many segments to walk at once, how (in workers), and the stored link before a position (to start one there). */
  parallel?: { segments: number; walk: SegmentWalker; linkBefore(seq: number): Promise<Buffer | null>; minSegment?: number };
  checkpoints: EvidenceCheckpoint[];
  trust: TrustedKeys;
  /** Events outside the chain and links past the head; asked (at the start, answered at the end) only when the range reaches the head. */
  strays(): Promise<{ outside: string | null; after: { id: string; seq: number } | null }>;
  /** Told how many events matched so far. */
  onProgress?(checked: number): void;
  signal?: AbortSignal;
}

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  checkpointsChecked: number;
  firstBroken: ChainBreak | null;
}

/** A segment is worth a core of its own (a worker's start) from this many events on. */
const MIN_SEGMENT = 50_000;
const PROGRESS_EVERY = 10_000;

/** The earlier of two breaks by position (an event outside the chain has none: it comes last). */
function earlier(a: ChainBreak | null, b: ChainBreak | null): ChainBreak | null {
  if (!a || !b) return a ?? b;
  return (b.sequence ?? Infinity) < (a.sequence ?? Infinity) ? b : a;
}

function describe(c: EvidenceCheckpoint): string {
  return `${c.source === 'published' ? 'published' : 'stored'} checkpoint at position ${c.checkpoint.sequence} (signed ${c.checkpoint.signedAt} by key ${c.checkpoint.keyId})`;
}

/** Walks stored events (in position order) through a segment: the per-event work of every verifier. */
export async function walkEvents(events: AsyncIterable<ChainedEvent> | Iterable<ChainedEvent>, segment: Segment, progress: (more: number) => void, signal?: AbortSignal): Promise<SegmentResult> {
  const walker = chainWalker(segment.from, segment.previous, segment.vouched);
  let broken: ChainBreak | null = null;
  let reported = 0;
  for await (const row of events) {
    broken = walker.step(row);
    if (broken) break;
    if (walker.checked - reported >= PROGRESS_EVERY) {
      signal?.throwIfAborted();
      progress(walker.checked - reported);
      reported = walker.checked;
    }
  }
  if (!broken && walker.last.seq < segment.to) {
    broken = { sequence: walker.last.seq + 1, eventId: null, kind: 'MISSING', reason: `no event at position ${walker.last.seq + 1}; the range runs to ${segment.to}` };
  }
  progress(walker.checked - reported);
  return { checked: walker.checked, broken, last: walker.last };
}

/** Splits from..to into at most `count` segments of at least `min` events. */
function split(from: number, to: number, count: number, min: number): Array<{ from: number; to: number }> {
  const total = to - from + 1;
  const n = Math.max(1, Math.min(count, Math.floor(total / min)));
  const size = Math.ceil(total / n);
  return Array.from({ length: n }, (_, i) => ({ from: from + i * size, to: Math.min(to, from + (i + 1) * size - 1) })).filter((s) => s.from <= s.to);
}

/** Walks the range in segments at once; the first break of the first broken segment. */
async function walkRange(evidence: ChainEvidence, previous: Buffer, vouched: Map<number, Buffer[]>): Promise<SegmentResult> {
  const { from, to } = evidence;
  const parts = evidence.parallel ? split(from, to, evidence.parallel.segments, evidence.parallel.minSegment ?? MIN_SEGMENT) : [{ from, to }];
  const walk = parts.length > 1 ? evidence.parallel!.walk : evidence.walk;
  // One controller per segment: a break stops the segments after it, never those before.
  const controllers = parts.map(() => new AbortController());
  const stopAll = () => controllers.forEach((c) => c.abort(evidence.signal?.reason));
  evidence.signal?.addEventListener('abort', stopAll, { once: true });
  let checked = 0;
  const progress = (more: number) => {
    checked += more;
    evidence.onProgress?.(checked);
  };
  try {
    evidence.signal?.throwIfAborted();
    const starts = await Promise.all(parts.map((p, i) => (i === 0 ? previous : evidence.parallel!.linkBefore(p.from))));
    const results = parts.map(async (part, i): Promise<SegmentResult | null> => {
      const start = starts[i];
      // No stored link before it: the segment before breaks at that position, which comes first.
      if (!start) return null;
      const segment: Segment = { ...part, previous: start, vouched: new Map([...vouched].filter(([seq]) => seq >= part.from && seq <= part.to)) };
      try {
        const r = await walk(segment, progress, controllers[i]!.signal);
        if (r.broken) controllers.slice(i + 1).forEach((c) => c.abort());
        return r;
      } catch (error) {
        // Stopped because a segment before it broke: its result does not count.
        if (controllers[i]!.signal.aborted && !evidence.signal?.aborted) return null;
        throw error;
      }
    });
    let total = 0;
    for (let i = 0; i < results.length; i++) {
      const r = await results[i]!;
      if (!r) continue;
      total += r.checked;
      if (r.broken || i === results.length - 1) {
        await Promise.allSettled(results);
        return { ...r, checked: total };
      }
    }
    throw new Error('unreachable: a segment without a stored link before it follows one that breaks');
  } finally {
    evidence.signal?.removeEventListener('abort', stopAll);
  }
}

export async function verifyChain(evidence: ChainEvidence): Promise<ChainVerdict> {
  const { from, to, head, trust } = evidence;
  const reachesHead = to === head.seq;

  // The checkpoints first: what they vouch for, and what is wrong with them.
  const vouched = new Map<number, Buffer[]>();
  let checkpointBreak: ChainBreak | null = null;
  let behind: ChainBreak | null = null;
  let checkpointsChecked = 0;
  for (const c of evidence.checkpoints) {
    const { type: _type, signature, ...claim } = c.checkpoint;
    if (claim.account !== evidence.account) continue;
    const inRange = claim.sequence >= from && claim.sequence <= to;
    if (!inRange && !(reachesHead && claim.sequence > head.seq)) continue;
    const verdict = trust.check(claim, Buffer.from(signature, 'base64'));
    if (verdict === 'untrusted') {
      checkpointBreak = earlier(checkpointBreak, { sequence: claim.sequence, eventId: null, kind: 'UNTRUSTED_KEY', reason: `the ${describe(c)} is signed by a key that is not trusted: a checkpoint of someone else's making` });
      continue;
    }
    if (verdict === 'invalid') {
      checkpointBreak = earlier(checkpointBreak, { sequence: claim.sequence, eventId: null, kind: 'CHECKPOINT_MISMATCH', reason: `the ${describe(c)} does not carry a valid signature of its key` });
      continue;
    }
    checkpointsChecked++;
    if (inRange) {
      const links = vouched.get(claim.sequence) ?? [];
      links.push(Buffer.from(claim.hash, 'hex'));
      vouched.set(claim.sequence, links);
    } else if (!behind || claim.sequence > (behind.sequence ?? 0)) {
      behind = {
        sequence: head.seq + 1,
        eventId: null,
        kind: 'BEHIND_CHECKPOINT',
        reason: `the chain's head is at position ${head.seq}, but a ${describe(c)} vouches for position ${claim.sequence}: events ${head.seq + 1} to ${claim.sequence} were removed, or the head was rolled back`,
      };
    }
  }

  const previous = evidence.previous;
  if (!Buffer.isBuffer(previous)) return { ok: false, checked: 0, checkpointsChecked, firstBroken: previous };
  // The strays' anti-join runs while the range is walked (an unobserved failure waits to be awaited).
  const strays = reachesHead ? evidence.strays() : null;
  strays?.catch(() => undefined);
  let walked: SegmentResult = { checked: 0, broken: null, last: { seq: from - 1, hash: previous } };
  if (to >= from) walked = await walkRange(evidence, previous, vouched);
  // A forged or damaged checkpoint counts where it sits, if nothing breaks before.
  let broken = earlier(walked.broken, checkpointBreak);
  if (!broken && reachesHead) {
    if (head.seq > 0 && head.hash && !walked.last.hash.equals(head.hash)) {
      broken = { sequence: head.seq, eventId: null, kind: 'HASH_MISMATCH', reason: "the recorded chain head differs from the last event's link" };
    } else if (behind) {
      broken = behind;
    } else {
      const { after, outside } = (await strays)!;
      if (after) broken = { sequence: after.seq, eventId: after.id, kind: 'AFTER_HEAD', reason: `event ${after.id} sits at position ${after.seq}, past the chain's head (${head.seq})` };
      else if (outside) broken = { sequence: null, eventId: outside, kind: 'OUTSIDE_CHAIN', reason: `event ${outside} has no place in the chain` };
    }
  }
  return { ok: broken === null, checked: walked.checked, checkpointsChecked, firstBroken: broken };
}
