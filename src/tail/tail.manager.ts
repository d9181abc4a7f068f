// The live tail: a subscriber's stream of the events of its account that match a filter,
// in chain order. Events are read by position (after the last one read), so the stream has
// no gaps and no repeats, and a subscriber that gives the cursor of the last event it saw
// gets everything recorded since, then the live ones. Matching events are read ahead, as
// they are committed, into the subscription's buffer; the buffer holds at most its limit
// (plus one page), and what does not fit waits in the database, so no subscriber can make
// the server hold an unbounded backlog. A subscriber whose buffer is full and that takes
// nothing for the stall time is behind for good: the stream ends and the WebSocket layer
// sends it a notice and closes the connection. One that reads steadily, however far
// behind (a resume from an old cursor, a burst), is never cut off.
import { Buffer } from 'node:buffer';
import type { Principal } from '../auth/principal.js';
import { UserInputError } from '../errors/errors.js';
import type { EventFilter } from '../events/event-filter.js';
import type { EventRecord } from '../events/event.model.js';
import type { EventsManager } from '../events/events.manager.js';
import type { Logger } from '../logging/logger.js';
import type { TailNotifier } from './tail.notifier.js';

export interface TailItem {
  cursor: string;
  seq: number;
  event: EventRecord;
}

export interface TailOptions {
  /** Bytes of events read ahead for a subscriber; past them, events wait in the database. */
  bufferBytes: number;
  /** A subscriber whose buffer is full and that takes no event for this long is cut off. */
  stallMs: number;
  /** Events read per query. */
  pageSize?: number;
}

const CURSOR_PREFIX = 'tail:';

export function encodeTailCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

export function decodeTailCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const seq = Number(text.slice(CURSOR_PREFIX.length));
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(seq) || seq < 0) {
    throw new UserInputError({ field: 'after', reason: 'is not a cursor of the live tail; pass the cursor of an event it sent' });
  }
  return seq;
}

export function createTailManager(deps: { events: EventsManager; notifier: TailNotifier; log: Logger }, options: TailOptions) {
  const { events, notifier, log } = deps;
  const pageSize = options.pageSize ?? 100;
  let open = 0;

  return {
    get openSubscriptions() {
      return open;
    },

    /**
     * A stream for `principal`'s account. `after`: resume after that cursor (else: from now).
     * `beforeEach` runs before each event is handed out (the resolver drops its caches).
     */
    async subscribe(
      principal: Principal,
      filter: EventFilter | null | undefined,
      after: string | null | undefined,
      hooks: { beforeEach?: () => void; cutOff?: (notice: string) => void; connection?: { unread(): number; read(ms: number): Promise<void> } } = {},
    ): Promise<AsyncIterableIterator<TailItem>> {
      const accountId = principal.accountId;
      const condition = await events.filterWhere(accountId, filter);
      let lastSeq = after ? decodeTailCursor(after) : await events.headSequence(accountId);

      const buffer: Array<{ item: TailItem; bytes: number }> = [];
      let buffered = 0;
      let finished = false;
      let waiting: (() => void) | null = null;
      let reading = false;
      let again = false;
      let stall: NodeJS.Timeout | null = null;
      const wake = () => {
        waiting?.();
        waiting = null;
      };
      const full = () => buffered >= options.bufferBytes;

      // The subscriber is not reading, so the notice cannot wait its turn behind the events:
      // the connection layer sends it at once and closes the connection.
      const cutOff = () => {
        log.warn({ accountId, keyId: principal.keyId, buffered, limit: options.bufferBytes }, 'live tail: slow subscriber cut off');
        const notice = `this subscriber took no event for ${options.stallMs} ms while ${buffered} bytes of events waited for it (the limit is ${options.bufferBytes}); it is disconnected. Subscribe again with the cursor of the last event received to resume.`;
        finish();
        hooks.cutOff?.(notice);
      };

      // A full buffer is a subscriber that is behind: it is cut off unless it takes an event
      // within the stall time (each event it takes starts the count again).
      const watchStall = () => {
        if (full() && !stall && !finished) {
          stall = setTimeout(cutOff, options.stallMs);
          stall.unref();
        }
      };

      // Reads matching events into the buffer until it is full or has caught up with the
      // chain. Events past a full buffer stay in the database until the subscriber takes some.
      async function read(): Promise<void> {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            while (!finished && !full()) {
              const page = await events.tail(accountId, condition, lastSeq, pageSize);
              if (finished) return;
              for (const { seq, event } of page.events) {
                const bytes = Buffer.byteLength(JSON.stringify(event));
                buffer.push({ item: { cursor: encodeTailCursor(seq), seq, event }, bytes });
                buffered += bytes;
              }
              lastSeq = page.events.length === pageSize ? page.events.at(-1)!.seq : Math.max(lastSeq, page.head);
              if (page.events.length) wake();
              if (page.events.length < pageSize) break;
            }
          } while (again && !full());
        } catch (error) {
          // The database is away, say: the next notice (or reconnection) reads again.
          log.warn({ err: error, accountId }, 'live tail: reading new events failed; will retry on the next commit');
        } finally {
          reading = false;
          watchStall();
        }
      }

      const stopListening = notifier.listen(accountId, () => void read());
      open++;
      void read();

      const finish = () => {
        if (finished) return;
        finished = true;
        open--;
        if (stall) clearTimeout(stall);
        stopListening();
        buffer.length = 0;
        buffered = 0;
        wake();
      };

      const iterator: AsyncIterableIterator<TailItem> = {
        async next() {
          // Nothing more goes out while the subscriber has a buffer's worth it has not read:
          // what it has not read then waits here (bounded), not in the kernel's socket buffers,
          // so a notice sent to it is never far behind. Waiting counts as taking nothing.
          while (!finished && hooks.connection && hooks.connection.unread() > options.bufferBytes) {
            const waitingSince = Date.now();
            await hooks.connection.read(options.stallMs);
            if (!finished && hooks.connection.unread() > options.bufferBytes && Date.now() - waitingSince >= options.stallMs) cutOff();
          }
          for (;;) {
            if (finished) return { done: true, value: undefined };
            const next = buffer.shift();
            if (next) {
              const wasFull = full();
              buffered -= next.bytes;
              if (stall) clearTimeout(stall);
              stall = null;
              if (wasFull) {
                if (full()) watchStall();
                else void read(); // room again: fetch what waited in the database
              }
              hooks.beforeEach?.();
              return { done: false, value: next.item };
            }
            await new Promise<void>((resolve) => (waiting = resolve));
          }
        },
        async return() {
          finish();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  };
}

export type TailManager = ReturnType<typeof createTailManager>;
