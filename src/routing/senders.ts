// Sending a batch of deliveries to a target. Webhooks get an HTTP POST of JSON signed with
// HMAC-SHA256; the other kinds (object storage, event streams, cloud logs) are written as
// NDJSON files in a spool folder per target: the local stand-in for those services.
import { createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { eventContent } from '../events/canonical.js';
import type { EventRecord } from '../events/event.model.js';
import type { TargetConfig, TargetKind, WebhookConfig } from './target-config.js';

export interface DeliveryTarget {
  id: string;
  accountId: string;
  name: string;
  type: TargetKind;
  config: TargetConfig;
  secret: string | null;
}

export interface DeliveryItem {
  deliveryId: string;
  event: EventRecord;
}

export const SIGNATURE_HEADER = 'x-audit-signature';
export const TIMESTAMP_HEADER = 'x-audit-timestamp';

/** The signature a receiver checks: HMAC-SHA256 of `<timestamp>.<body>` with the target's secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function payload(target: DeliveryTarget, items: DeliveryItem[]): string {
  return JSON.stringify({
    target: { id: target.id, name: target.name },
    deliveries: items.map((i) => ({ id: i.deliveryId, event: { ...eventContent(i.event), receivedAt: i.event.receivedAt } })),
  });
}

async function postWebhook(target: DeliveryTarget, items: DeliveryItem[], timeoutMs: number): Promise<void> {
  const config = target.config as WebhookConfig;
  const body = payload(target, items);
  const timestamp = new Date().toISOString();
  const headers: Record<string, string> = { ...config.headers, 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp };
  if (target.secret) headers[SIGNATURE_HEADER] = signature(target.secret, timestamp, body);
  let response: Response;
  try {
    response = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    throw new Error(e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `cannot reach ${new URL(config.url).host}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  const text = await response.text().catch(() => '');
  if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status} from the receiver${text ? `: ${text.slice(0, 200)}` : ''}`);
}

async function appendSpool(target: DeliveryTarget, items: DeliveryItem[], spoolDir: string): Promise<void> {
  const folder = path.join(spoolDir, target.accountId, target.id);
  await mkdir(folder, { recursive: true });
  const lines = items.map((i) => `${JSON.stringify({ deliveryId: i.deliveryId, target: target.name, type: target.type, event: { ...eventContent(i.event), receivedAt: i.event.receivedAt } })}\n`).join('');
  const file = await open(path.join(folder, `${new Date().toISOString().slice(0, 10)}.ndjson`), 'a');
  try {
    await file.write(lines);
    await file.sync(); // delivered means on disk
  } finally {
    await file.close();
  }
}

export function send(target: DeliveryTarget, items: DeliveryItem[], options: { timeoutMs: number; spoolDir: string }): Promise<void> {
  return target.type === 'webhook' ? postWebhook(target, items, options.timeoutMs) : appendSpool(target, items, options.spoolDir);
}
