// Sending a batch of deliveries to a target. Webhooks get an HTTP POST of JSON signed with
// HMAC-SHA256, only to addresses the outbound policy allows (outbound.ts); the other kinds
// (object storage, event streams, cloud logs) are written as NDJSON files in a spool folder
// per target: the local stand-in for those services.
import { createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { eventContent } from '../events/canonical.js';
import type { EventRecord } from '../events/event.model.js';
import { DestinationDenied, type OutboundPolicy } from './outbound.js';
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

/**
 * Why a send failed, in our words: the receiver's answer (its body, its headers) is never
 * kept, so an admin cannot read an internal service's reply back through a target's status.
 */
export class DeliveryFailure extends Error {
  override name = 'DeliveryFailure';
}

/** Our reason for a connection that failed (by its code, never its message). */
function connectionFailure(error: NodeJS.ErrnoException, host: string, timeoutMs: number): DeliveryFailure {
  if (error instanceof DestinationDenied) return new DeliveryFailure(`${host}: ${error.message} (DELIVERY_ALLOWED_HOSTS allows internal hosts)`);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return new DeliveryFailure(`no answer from ${host} within ${timeoutMs} ms`);
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DeliveryFailure(`the name ${host} does not resolve`);
    case 'ECONNREFUSED':
      return new DeliveryFailure(`${host} refused the connection`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DeliveryFailure(`${host} closed the connection before answering`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DeliveryFailure(`${host} cannot be reached (${error.code})`);
    default:
      return new DeliveryFailure(error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT') ? `TLS with ${host} failed (${error.code})` : `cannot reach ${host}${error.code ? ` (${error.code})` : ''}`);
  }
}

async function postWebhook(target: DeliveryTarget, items: DeliveryItem[], options: SendOptions): Promise<void> {
  const config = target.config as WebhookConfig;
  const url = new URL(config.url);
  // Checked again at every send: the policy may have changed since the target was made.
  const problem = options.outbound.staticProblem(url);
  if (problem) throw new DeliveryFailure(`the URL ${problem}`);
  const body = payload(target, items);
  const timestamp = new Date().toISOString();
  const headers: Record<string, string> = { ...config.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), [TIMESTAMP_HEADER]: timestamp };
  if (target.secret) headers[SIGNATURE_HEADER] = signature(target.secret, timestamp, body);
  const status = await new Promise<number>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers,
      // Every connection resolves through the policy's lookup: the address it goes to is the one checked.
      lookup: options.outbound.lookup,
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    request.on('response', (response) => {
      // The status is all we take; the body is read off and dropped (never stored, never logged).
      response.resume();
      response.on('error', () => undefined);
      resolve(response.statusCode ?? 0);
    });
    request.on('error', (error) => reject(connectionFailure(error, url.host, options.timeoutMs)));
    request.end(body);
  });
  if (status < 200 || status > 299) throw new DeliveryFailure(`HTTP ${status} from ${url.host}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`);
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

export interface SendOptions {
  timeoutMs: number;
  spoolDir: string;
  outbound: OutboundPolicy;
}

export function send(target: DeliveryTarget, items: DeliveryItem[], options: SendOptions): Promise<void> {
  return target.type === 'webhook' ? postWebhook(target, items, options) : appendSpool(target, items, options.spoolDir);
}
