// Each account's events form a hash chain: the event at position n has
//   link(n) = SHA-256( link(n-1) ‖ canonical serialisation of (n, the event) )
// with link(0) = 32 zero bytes. The serialisation covers the position, when the gateway
// received the event, and its whole content (canonical JSON, keys sorted), so changing any
// stored field, removing an event, inserting one or reordering two changes a link. This
// module is pure: verifyEvents and the offline verifier (npm run verify) share it; ingest
// computes the same links in PostgreSQL (audit_link_batch, in prisma/migrations).
import { createHash } from 'node:crypto';
import { canonicalEvent } from '../events/canonical.js';
import type { EventRecord } from '../events/event.model.js';

export const GENESIS = Buffer.alloc(32);

/**
 * The bytes hashed after the previous link are a record of the event: canonical JSON of
 * its content, receipt time and position, `{"content":<canonicalEvent>,"receivedAt":"<ISO>",
 * "sequence":<n>}`. This is what comes before the content ...
 */
const RECORD_OPENING = '{"content":';

/** ... and after it (ASCII only). */
function recordClosing(seq: number, event: EventRecord): string {
  return `,"receivedAt":"${event.receivedAt.toISOString()}","sequence":${seq}}`;
}

/**
 * link(n) from link(n-1): the hash of `previous` and the event's record at `seq`, fed in
 * parts so that the canonical content (`content`, as text or UTF-8 bytes, when the caller
 * has it) is not copied into a record string first.
 */
export function chainLink(previous: Buffer, seq: number, event: EventRecord, content: string | Buffer = canonicalEvent(event)): Buffer {
  return createHash('sha256').update(previous).update(RECORD_OPENING).update(content).update(recordClosing(seq, event)).digest();
}

export type BreakKind = 'HASH_MISMATCH' | 'MISSING' | 'OUT_OF_ORDER' | 'OUTSIDE_CHAIN' | 'AFTER_HEAD' | 'CHECKPOINT_MISMATCH';

export interface ChainBreak {
  /** The position where the chain stops matching; null for an event outside the chain. */
  sequence: number | null;
  /** The event found there (or the event outside the chain), if any. */
  eventId: string | null;
  kind: BreakKind;
  reason: string;
}

export interface ChainedEvent {
  seq: number;
  hash: Buffer;
  event: EventRecord;
}

/**
 * Follows a chain one stored event at a time from position `from` (given the link before
 * it), comparing with the signed checkpoints' links; `step` returns the first break.
 */
export function chainWalker(from: number, previous: Buffer, checkpoints: ReadonlyMap<number, Buffer> = new Map()) {
  let expected = from;
  let prev = previous;
  let checked = 0;
  return {
    step(row: ChainedEvent): ChainBreak | null {
      if (row.seq !== expected) {
        return row.seq > expected
          ? { sequence: expected, eventId: row.event.id, kind: 'MISSING', reason: `no event at position ${expected}: the next stored one (${row.event.id}) is at ${row.seq}` }
          : { sequence: expected, eventId: row.event.id, kind: 'OUT_OF_ORDER', reason: `event ${row.event.id} is at position ${row.seq}, already passed` };
      }
      const link = chainLink(prev, row.seq, row.event);
      if (!link.equals(row.hash)) {
        return { sequence: row.seq, eventId: row.event.id, kind: 'HASH_MISMATCH', reason: `event ${row.event.id} does not match its link: its content, position or predecessor changed` };
      }
      const signed = checkpoints.get(row.seq);
      if (signed && !signed.equals(link)) {
        return { sequence: row.seq, eventId: row.event.id, kind: 'CHECKPOINT_MISMATCH', reason: `the chain at position ${row.seq} differs from the signed checkpoint: events up to it were rewritten` };
      }
      prev = link;
      expected++;
      checked++;
      return null;
    },
    get checked() {
      return checked;
    },
    /** The last position that matched, and its link. */
    get last() {
      return { seq: expected - 1, hash: prev };
    },
  };
}

/** The first break of a whole sequence of stored events, or null. */
export function firstBreak(rows: Iterable<ChainedEvent>, from: number, previous: Buffer, checkpoints?: ReadonlyMap<number, Buffer>): { broken: ChainBreak | null; checked: number } {
  const walker = chainWalker(from, previous, checkpoints);
  for (const row of rows) {
    const broken = walker.step(row);
    if (broken) return { broken, checked: walker.checked };
  }
  return { broken: null, checked: walker.checked };
}
