// npm run bench:tail [-- --events 300]   (needs DATABASE_URL)
//
// Live-tail latency: how long from sending an event until a subscriber has it. Two real
// gateway processes (as `npm start` runs them) on one database (audit_tail); a graphql-ws
// subscriber on process A; events recorded one at a time through A (same process) and
// through B (another process: PostgreSQL LISTEN/NOTIFY). Baseline in the same run: raw `pg`,
// one client inserting a row and NOTIFYing in one transaction, another LISTENing and
// reading the row back. Prints p50/p95/p99 and writes JSON to bench/results/.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { toolPrincipal } from '../src/auth/principal.js';
import { projectRoot } from '../src/config/paths.js';
import { generateEvents, toGraphQLInput } from '../src/events/generator.js';
import { benchDatabaseUrl, openBenchDatabase, percentile, startGatewayProcess } from './support.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '300' } } });
const N = Number(values.events);
const log = (...args: unknown[]) => console.error('tail:', ...args);
const tailUrl = benchDatabaseUrl('bench:tail', 'audit_tail');
const { db, managers } = await openBenchDatabase(tailUrl, 2);
const actor = toolPrincipal('bench:tail');
const writerKey = (await managers.keys.createKey(actor, { role: 'writer', name: 'tail writer' })).key;
const readerKey = (await managers.keys.createKey(actor, { role: 'reader', name: 'tail reader' })).key;
const snapshot = await managers.catalog.snapshot();
await db.close();
const startGateway = () => startGatewayProcess({ DATABASE_URL: tailUrl.toString(), DELIVERY_WORKER: 'false' });

const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)) };
};
const now = () => performance.now();

// ---- baseline: raw pg INSERT + NOTIFY, LISTEN + SELECT ----------------------------------------
log('baseline: raw pg');
const listener = new pg.Client({ connectionString: tailUrl.toString() });
const writer = new pg.Client({ connectionString: tailUrl.toString() });
await Promise.all([listener.connect(), writer.connect()]);
await writer.query('CREATE TABLE IF NOT EXISTS bench_tail (id bigint PRIMARY KEY, payload jsonb NOT NULL)');
await writer.query('TRUNCATE bench_tail');
await listener.query('LISTEN bench_tail');
const rawWaiting = new Map<string, () => void>();
listener.on('notification', (m) => {
  void listener.query('SELECT payload FROM bench_tail WHERE id = $1', [m.payload]).then(() => rawWaiting.get(m.payload!)?.());
});
const rawMs: number[] = [];
for (let i = 1; i <= N; i++) {
  const seen = new Promise<void>((resolve) => rawWaiting.set(String(i), resolve));
  const t0 = now();
  await writer.query('BEGIN');
  await writer.query('INSERT INTO bench_tail VALUES ($1, $2)', [i, { n: i }]);
  await writer.query("SELECT pg_notify('bench_tail', $1)", [String(i)]);
  await writer.query('COMMIT');
  await seen;
  rawMs.push(now() - t0);
}
await writer.query('DROP TABLE bench_tail');
await Promise.all([listener.end(), writer.end()]);

// ---- the gateway: A serves the subscriber; events arrive through A, then through B ------------
log('starting two gateway processes');
const [a, b] = await Promise.all([startGateway(), startGateway()]);
const client = createClient({ url: a.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${readerKey}` }, retryAttempts: 0 });
const waiting = new Map<string, () => void>();
const stop = client.subscribe<{ eventRecorded: { event: { id: string } } }>(
  { query: 'subscription { eventRecorded { cursor event { id actionName outcome initiator { iamId } } } }' },
  {
    next: (result) => {
      const id = result.data?.eventRecorded.event.id;
      if (id) waiting.get(id)?.();
    },
    error: (error) => {
      throw error instanceof Error ? error : new Error(JSON.stringify(error));
    },
    complete: () => undefined,
  },
);

const runId = Date.now().toString(36);
const inputs = [...generateEvents(snapshot, { count: 2 * N + 100, seed: 99, from: new Date(Date.now() - 60_000), to: new Date(), idPrefix: `tail-${runId}` })].map(toGraphQLInput);
const warmUp = inputs.splice(2 * N);
const RECORD = 'mutation($i: EventInput!) { recordEvent(input: $i) { created } }';
const record = async (url: string, input: (typeof inputs)[number]) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${writerKey}` }, body: JSON.stringify({ query: RECORD, variables: { i: input } }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
};

// The subscription is live once an event recorded after it arrives: record until one does.
let live = false;
for (const input of warmUp) waiting.set(input.id as string, () => (live = true));
for (const input of warmUp) {
  await record(a.url, input);
  await new Promise((r) => setTimeout(r, 100));
  if (live) break;
}
if (!live) throw new Error('the subscription never went live');

async function measure(url: string, batch: typeof inputs): Promise<{ seen: number[]; acknowledged: number[] }> {
  const seen: number[] = [];
  const acknowledged: number[] = [];
  for (const input of batch) {
    const arrived = new Promise<void>((resolve) => waiting.set(input.id as string, resolve));
    const t0 = now();
    await record(url, input);
    acknowledged.push(now() - t0);
    await arrived;
    seen.push(now() - t0);
  }
  return { seen, acknowledged };
}

log(`recording ${N} events through the subscriber's process, then ${N} through the other`);
const same = await measure(a.url, inputs.slice(0, N));
const other = await measure(b.url, inputs.slice(N));
stop();
await client.dispose();
for (const g of [a, b]) g.child.kill('SIGTERM');

const results = {
  events: N,
  baseline: { name: 'raw pg: INSERT + NOTIFY in one transaction, LISTEN + SELECT', seen: summary(rawMs) },
  sameProcess: { seen: summary(same.seen), acknowledged: summary(same.acknowledged) },
  otherProcess: { seen: summary(other.seen), acknowledged: summary(other.acknowledged) },
  machine: { cpus: os.cpus().length, node: process.version },
};
const row = (name: string, s: { p50: number; p95: number; p99: number }) => `${name.padEnd(58)}${String(s.p50).padEnd(10)}${String(s.p95).padEnd(10)}${s.p99}`;
console.log(`\nlive tail, ${N} events each, one at a time (ms from sending until the subscriber has it)\n`);
console.log(`${'path'.padEnd(58)}${'p50'.padEnd(10)}${'p95'.padEnd(10)}p99`);
console.log(row('raw pg: INSERT+NOTIFY, LISTEN+SELECT (baseline)', results.baseline.seen));
console.log(row('gateway: recordEvent -> eventRecorded, same process', results.sameProcess.seen));
console.log(row('gateway: recordEvent -> eventRecorded, other process', results.otherProcess.seen));
console.log(row('  (recordEvent answered, same process)', results.sameProcess.acknowledged));
console.log(row('  (recordEvent answered, other process)', results.otherProcess.acknowledged));
const dir = path.join(projectRoot, 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = path.join(dir, `tail-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(projectRoot, file)}`);
process.exit(0);
