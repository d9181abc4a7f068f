// The gateway's own audit trail. A change writes its audit event into an outbox table in the
// change's own transaction (so there is no change without its record, and no record of a
// change that rolled back); right after the commit the outbox is moved into `events`
// through the normal ingest (catalog checks, rollups, routing). The outbox row's id is the
// event's id, so moving a row twice (two processes, or a crash in between) stores it once.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/errors.js';
import { ErrorCode } from '../errors/codes.js';
import { CredentialType, InitiatorType, Outcome, AddressType } from '../events/event.enums.js';
import type { EventInput } from '../events/event.model.js';
import type { EventsManager } from '../events/events.manager.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logging/logger.js';
import { GATEWAY_ACTIONS, GATEWAY_SERVICE_PREFIX, type GatewayAction } from './gateway-service.js';

export interface AuditEntry {
  actor: Principal;
  action: GatewayAction;
  /** What was changed. */
  subject: { id: string; name?: string | null; type: string };
  /** The change as asked for; secrets are removed before it is stored. */
  request?: unknown;
  /** Whose trail it joins: the actor's account unless said. */
  accountId?: string;
}

/** Writes the audit record of a change; call it inside the change's transaction. */
export type AuditRecorder = (tx: Prisma.TransactionClient, entry: AuditEntry) => Promise<void>;

const SECRET_KEY = /secret|api[-_]?key|password|token/i;
const MAX_ROWS = 200;
const MAX_ATTEMPTS = 10;

/** A copy without secrets: secret-like fields and header values become "[redacted]". */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    if (key === 'headers') return value.map((h) => (h && typeof h === 'object' ? { ...h, value: '[redacted]' } : h));
    return value.map((v) => redactSecrets(v));
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, SECRET_KEY.test(k) && v !== null ? '[redacted]' : redactSecrets(v, k)]),
    );
  }
  return value;
}

export function auditEventInput(id: string, entry: AuditEntry, now = new Date()): EventInput {
  const { actor, subject } = entry;
  const address = actor.address ? actor.address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') : null;
  return {
    id,
    action: `${GATEWAY_SERVICE_PREFIX}.${entry.action}`,
    eventTime: now,
    initiator: {
      id: actor.keyId ?? `tool:${actor.name}`,
      name: actor.name,
      typeURI: InitiatorType.SERVICE_ID,
      credential: { type: actor.keyId ? CredentialType.APIKEY : CredentialType.USER },
      host: address ? { address, addressType: net.isIPv6(address) ? AddressType.IPV6 : AddressType.IPV4, agent: actor.agent?.slice(0, 256) ?? null } : null,
    },
    target: { id: subject.id, name: subject.name ?? null, typeURI: `${GATEWAY_SERVICE_PREFIX}/${entry.action.split('.')[0]}` },
    outcome: Outcome.SUCCESS,
    severity: GATEWAY_ACTIONS[entry.action].severity,
    location: 'global',
    requestData: entry.request === undefined ? null : redactSecrets(entry.request),
  };
}

export function createAuditTrail({ prisma, log }: { prisma: PrismaClient; log: Logger }) {
  /** Set once the events manager exists (it depends on the catalog, which records changes here). */
  let events: EventsManager | null = null;
  let running: Promise<number> | null = null;
  let queued: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const record: AuditRecorder = async (tx, entry) => {
    const id = randomUUID();
    const event = auditEventInput(id, entry);
    await tx.auditOutbox.create({ data: { id, accountId: entry.accountId ?? entry.actor.accountId, event: JSON.parse(JSON.stringify(event)) } });
  };

  async function moveBatch(accountId: string, rows: Array<{ id: string; event: unknown }>): Promise<string[]> {
    if (!events) return [];
    const inputs = rows.map((r) => ({ ...(r.event as EventInput), eventTime: new Date((r.event as { eventTime: string }).eventTime) }));
    try {
      await events.recordEvents(accountId, inputs);
      return rows.map((r) => r.id);
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== ErrorCode.BAD_USER_INPUT || rows.length === 1) throw error;
      // One bad record must not hold the others back: move them one by one.
      const moved: string[] = [];
      for (const row of rows) {
        try {
          moved.push(...(await moveBatch(accountId, [row])));
        } catch (inner) {
          await prisma.auditOutbox.update({ where: { id: row.id }, data: { attempts: { increment: 1 }, lastError: (inner as Error).message.slice(0, 1000) } });
          log.error({ err: inner, outboxId: row.id }, 'audit record refused by ingest; kept in the outbox');
        }
      }
      return moved;
    }
  }

  /** Moves waiting records into `events`; returns how many. */
  async function drain(): Promise<number> {
    if (!events) return 0;
    let total = 0;
    for (;;) {
      const rows = await prisma.auditOutbox.findMany({ where: { attempts: { lt: MAX_ATTEMPTS } }, orderBy: { createdAt: 'asc' }, take: MAX_ROWS });
      if (!rows.length) return total;
      const byAccount = new Map<string, typeof rows>();
      for (const row of rows) byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row]);
      for (const [accountId, group] of byAccount) {
        const moved = await moveBatch(accountId, group);
        if (moved.length) await prisma.auditOutbox.deleteMany({ where: { id: { in: moved } } });
        total += moved.length;
      }
      if (rows.length < MAX_ROWS) return total;
    }
  }

  /**
   * Moves waiting records; resolves once a pass that began after this call has finished (a
   * change that just committed is then in `events`). Failures are logged, not thrown: the
   * records stay in the outbox for the next pass.
   */
  function flush(): Promise<number> {
    if (!running) {
      running = drain()
        .catch((error: unknown) => {
          log.warn({ err: error }, 'audit outbox not moved yet; will retry');
          return 0;
        })
        .finally(() => {
          running = null;
        });
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      return flush();
    });
    return queued;
  }

  return {
    record,
    connect(manager: EventsManager): void {
      events = manager;
    },
    /** A change committed: move its record into `events` before answering. */
    afterChange(): Promise<number> {
      return flush();
    },
    flush,
    /** Moves what a stopped process left behind, then keeps checking every `everyMs`. */
    start(everyMs = 2000): void {
      void flush();
      timer = setInterval(() => void flush(), everyMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await flush();
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
