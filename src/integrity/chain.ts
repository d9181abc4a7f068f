// Each account's events form a hash chain: the event at position n has
//   link(n) = SHA-256( link(n-1) ‖ canonical serialisation of (n, the event) )
// with link(0) = 32 zero bytes. The serialisation covers the position, when the gateway
// received the event, and its whole content (canonical JSON, keys sorted), so changing any
// stored field, removing an event, inserting one or reordering two changes a link. This
// module is pure: verification (verifyEvents, the verification jobs, npm run verify) and
// chain:adopt share it; ingest computes the same links in PostgreSQL (audit_link_batch, in
// prisma/migrations).
import { hash } from 'node:crypto';
import { canonicalEvent } from '../events/canonical.js';
import type { EventRecord } from '../events/event.model.js';

export const GENESIS = Buffer.alloc(32);

/**
 * The bytes hashed after the previous link are a record of the event: canonical JSON of
 * its content, receipt time and position, `{"content":<canonicalEvent>,"receivedAt":"<ISO>",
 * "sequence":<n>}`. This is what comes before the content ...
 */
const RECORD_OPENING = '{"content":';

/** The receipt time of the last record, in ISO form: a batch's events share it. */
let lastReceived = { ms: Number.NaN, iso: '' };

/** ... and after it (ASCII only). */
function recordClosing(seq: number, event: EventRecord): string {
  const ms = event.receivedAt.getTime();
  if (ms !== lastReceived.ms) lastReceived = { ms, iso: event.receivedAt.toISOString() };
  return `,"receivedAt":"${lastReceived.iso}","sequence":${seq}}`;
}

/**
 * The previous link and the record are written into one buffer, kept between calls, and
 * hashed in one call: a Hash object per link cost more than the hashing (verification
 * computes a link per stored event).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** link(n) from link(n-1): the hash of `previous` and the event's record at `seq`. */
export function chainLink(previous: Buffer, seq: number, event: EventRecord, content: string | Buffer = canonicalEvent(event)): Buffer {
  const closing = recordClosing(seq, event);
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  const room = 32 + RECORD_OPENING.length + (typeof content === 'string' ? content.length * 3 : content.length) + closing.length;
  if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
  previous.copy(scratch, 0, 0, 32);
  let end = 32 + scratch.write(RECORD_OPENING, 32, 'latin1');
  end += typeof content === 'string' ? scratch.write(content, end, 'utf8') : content.copy(scratch, end);
  end += scratch.write(closing, end, 'latin1');
  return hash('sha256', scratch.subarray(0, end), 'buffer');
}

export type BreakKind =
  | 'HASH_MISMATCH'
  | 'MISSING'
  | 'OUT_OF_ORDER'
  | 'OUTSIDE_CHAIN'
  | 'AFTER_HEAD'
  | 'CHECKPOINT_MISMATCH'
  | 'UNTRUSTED_KEY'
  | 'BEHIND_CHECKPOINT';

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
 * it), comparing with the links of trusted checkpoints (`vouched`: position -> the links
 * signed for it); `step` returns the first break.
 */
export function chainWalker(from: number, previous: Buffer, vouched: ReadonlyMap<number, readonly Buffer[]> = new Map()) {
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
      const signed = vouched.get(row.seq);
      if (signed?.some((h) => !h.equals(link))) {
        return { sequence: row.seq, eventId: row.event.id, kind: 'CHECKPOINT_MISMATCH', reason: `the chain at position ${row.seq} differs from a signed checkpoint: events up to it were rewritten` };
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
