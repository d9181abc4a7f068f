// The delivery worker: takes due deliveries with a lease, sends them per target in batches,
// and records the outcome. A failed send is retried with exponential backoff and jitter,
// then given up (dead). A process killed mid-send leaves leased rows behind; they are taken
// again when the lease runs out, so every delivery is sent at least once. Several gateway
// processes can run workers on one database: claims skip rows another has locked.
import type { EventsManager } from '../events/events.manager.js';
import type { Logger } from '../logging/logger.js';
import { SecretError, type SecretBox } from '../secrets/secret-box.js';
import type { OutboundPolicy } from './outbound.js';
import type { DeliveryRecord, RoutingStore } from './routing.store.js';
import { DeliveryFailure, send, type DeliveryTarget } from './senders.js';
import { openTargetSecrets } from './target-secrets.js';

export interface DeliveryOptions {
  pollMs: number;
  batchSize: number;
  timeoutMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  spoolDir: string;
  /** The only process on its database (embedded): leases left at start are void. */
  soleProcess: boolean;
  /** Where webhooks may be sent. */
  outbound: OutboundPolicy;
}

export function nextAttemptDelay(attempts: number, options: Pick<DeliveryOptions, 'backoffMs' | 'backoffMaxMs'>, random = Math.random): number {
  const base = Math.min(options.backoffMaxMs, options.backoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random())); // jitter: 50% to 150%
}

/** What a failed send records (on the delivery and the target): always a reason we wrote. */
function failureReason(error: unknown): string {
  if (error instanceof DeliveryFailure) return error.message;
  if (error instanceof SecretError) return `the target's secrets cannot be used: ${error.message}`;
  return 'the send failed on the gateway\'s side (see its log)';
}

export function startDeliveryWorker(deps: { store: RoutingStore; events: EventsManager; log: Logger; secrets: SecretBox }, options: DeliveryOptions) {
  const { store, events, log, secrets } = deps;
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let current: Promise<number> = Promise.resolve(0);

  async function deliverGroup(target: DeliveryTarget, rows: DeliveryRecord[]): Promise<void> {
    const found = await events.eventsByIds(target.accountId, rows.map((r) => r.eventId));
    const items = rows.filter((r) => found.has(r.eventId)).map((r) => ({ deliveryId: r.id, event: found.get(r.eventId)! }));
    try {
      if (items.length) await send({ ...target, ...openTargetSecrets(secrets, target.id, target.config, target.secret) }, items, options);
      // The target's status first: whoever sees a delivery done sees the success it made.
      await store.recordTargetOutcome(store.pool, target.id, null);
      await store.markDelivered(rows.map((r) => r.id));
    } catch (error) {
      const reason = failureReason(error);
      if (!(error instanceof DeliveryFailure)) log.error({ err: error, targetId: target.id }, 'delivery failed on the gateway\'s side');
      const now = Date.now();
      await store.recordTargetOutcome(store.pool, target.id, reason);
      await store.markFailed(
        rows.map((r) => ({ id: r.id, nextAttemptAt: r.attempts >= options.maxAttempts ? null : new Date(now + nextAttemptDelay(r.attempts, options)) })),
        reason,
      );
      log.warn({ targetId: target.id, deliveries: rows.length, reason }, 'delivery failed');
    }
  }

  /** One round: claim, send per target, record. Returns how many deliveries it took. */
  async function tick(): Promise<number> {
    const claimed = await store.claim(options.batchSize, options.leaseMs);
    if (!claimed.length) return 0;
    const targets = await store.targetsForDelivery(store.pool, [...new Set(claimed.map((d) => d.targetId))]);
    const groups = new Map<string, DeliveryRecord[]>();
    for (const d of claimed) groups.set(d.targetId, [...(groups.get(d.targetId) ?? []), d]);
    await Promise.all([...groups].map(([targetId, rows]) => (targets.has(targetId) ? deliverGroup(targets.get(targetId)!, rows) : undefined)));
    return claimed.length;
  }

  async function loop(): Promise<void> {
    if (options.soleProcess) {
      const released = await store.releaseAllLeases().catch(() => 0);
      if (released) log.info({ released }, 'deliveries interrupted by the last stop will be sent again');
    }
    while (!stopped) {
      let taken = 0;
      try {
        current = tick();
        taken = await current;
      } catch (error) {
        log.warn({ err: error }, 'delivery round failed; retrying');
      }
      if (stopped || taken === options.batchSize) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  }

  const running = loop();
  return {
    /** New deliveries were queued: look now rather than at the next poll. */
    wake(): void {
      wakeUp?.();
    },
    /** Stops taking deliveries and lets the sends under way finish. */
    async stop(): Promise<void> {
      stopped = true;
      wakeUp?.();
      await current.catch(() => undefined);
      await running;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof startDeliveryWorker>;
