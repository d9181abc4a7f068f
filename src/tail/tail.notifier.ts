// Who hears that an account's chain moved: this process's own commits directly, and (on a
// PostgreSQL server) every process's commits through LISTEN on the channel the ingest
// statement NOTIFYs in its transaction (delivered at commit). A notice only says "look
// again": subscribers read by position, so a lost or duplicated notice loses or repeats
// nothing. After the listening connection comes back, every subscriber looks again.
import pg from 'pg';
import { EVENTS_CHANNEL } from '../events/events.store.js';
import type { EventsManager } from '../events/events.manager.js';
import type { Logger } from '../logging/logger.js';

export interface TailNotifier {
  /** Calls `wake` whenever the account may have new events; returns the unsubscribe. */
  listen(accountId: string, wake: () => void): () => void;
  stop(): Promise<void>;
}

export function createTailNotifier(options: { events: EventsManager; log: Logger; listenUrl: string | null }): TailNotifier {
  const { events, log } = options;
  const listeners = new Map<string, Set<() => void>>();
  const wakeAccount = (accountId: string) => listeners.get(accountId)?.forEach((wake) => wake());
  const wakeAll = () => listeners.forEach((set) => set.forEach((wake) => wake()));
  const unsubscribeLocal = events.onCommitted((accountId) => wakeAccount(accountId));

  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;

  async function connect(delayMs = 0): Promise<void> {
    if (stopped || !options.listenUrl) return;
    const next = new pg.Client({ connectionString: options.listenUrl });
    next.on('notification', (message) => {
      const payload = message.payload ?? '';
      const at = payload.lastIndexOf(':');
      if (at > 0) wakeAccount(payload.slice(0, at));
    });
    next.on('error', (error) => {
      log.warn({ err: error }, 'live tail: the listening connection failed; reconnecting');
      void next.end().catch(() => undefined);
      if (client === next) client = null;
      schedule(Math.min(5000, Math.max(250, delayMs * 2)));
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
      client = next;
      // Commits may have passed unheard while the connection was down.
      wakeAll();
    } catch (error) {
      log.warn({ err: error }, 'live tail: cannot listen for new events yet; retrying');
      void next.end().catch(() => undefined);
      schedule(Math.min(5000, Math.max(250, delayMs * 2)));
    }
  }

  function schedule(delayMs: number) {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect(delayMs);
    }, delayMs);
    retry.unref();
  }

  let started = false;

  return {
    listen(accountId, wake) {
      // The listening connection is opened for the first subscriber (tools never open one).
      if (!started) {
        started = true;
        void connect();
      }
      const set = listeners.get(accountId) ?? new Set();
      set.add(wake);
      listeners.set(accountId, set);
      return () => {
        set.delete(wake);
        if (!set.size) listeners.delete(accountId);
      };
    },
    async stop() {
      stopped = true;
      unsubscribeLocal();
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
