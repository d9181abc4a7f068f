// A worker thread that walks one segment of a chain on a connection of its own
// (verification.ts splits long ranges; this puts each segment on a core). It reads the
// segment's events with the same store and checks them with the same walk as in-process.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { createIntegrityStore } from './integrity.store.js';
import { walkEvents, type Segment } from './verification.js';

export interface SegmentJob {
  connectionString: string;
  statementTimeoutMs: number;
  prepared: boolean;
  accountId: string;
  from: number;
  to: number;
  previous: Uint8Array;
  vouched: Array<[number, Uint8Array[]]>;
}

/** What the worker posts: progress now and then, then its result (or why it failed). */
export type SegmentMessage =
  | { type: 'progress'; more: number }
  | { type: 'done'; checked: number; broken: import('./chain.js').ChainBreak | null; last: { seq: number; hash: Uint8Array } }
  | { type: 'failed'; message: string };

const job = workerData as SegmentJob;
const pool = new pg.Pool({ connectionString: job.connectionString, max: 2, statement_timeout: job.statementTimeoutMs, application_name: 'audit-gateway verify' });
pool.on('error', () => undefined);
const segment: Segment = {
  from: job.from,
  to: job.to,
  previous: Buffer.from(job.previous),
  vouched: new Map(job.vouched.map(([seq, links]) => [seq, links.map((l) => Buffer.from(l))])),
};
const post = (message: SegmentMessage) => parentPort!.postMessage(message);
try {
  const store = createIntegrityStore(pool, { prepared: job.prepared });
  const r = await walkEvents(store.chained(job.accountId, job.from, job.to), segment, (more) => post({ type: 'progress', more }));
  post({ type: 'done', checked: r.checked, broken: r.broken, last: r.last });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
} finally {
  await pool.end().catch(() => undefined);
}
