// npm run bench:load [-- --clients 64 --seconds 60 --events 100000]   (needs DATABASE_URL)
//
// Load: a real gateway process (as `npm start` runs it, on the server in DATABASE_URL,
// database audit_load) and 64 concurrent clients for 60 s, mixing reads (event pages with
// filters, stats, single events, routing reads) and writes (batches and single events) in
// the proportions of an audit service: mostly ingest by volume, mostly reads by request.
// Prints errors, p50/p99 per operation and the gateway's RSS; writes JSON to bench/results/.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toolPrincipal } from '../src/auth/principal.js';
import { projectRoot } from '../src/config/paths.js';
import { generateEvents, toGraphQLInput } from '../src/events/generator.js';
import { benchDatabaseUrl, openBenchDatabase, startGatewayProcess } from './support.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
    events: { type: 'string', default: '100000' },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const EVENTS = Number(values.events);
const log = (...args: unknown[]) => console.error('load:', ...args);

const loadUrl = benchDatabaseUrl('bench:load', 'audit_load');
const { db, managers } = await openBenchDatabase(loadUrl, 4);
const have = Number((await db.pool.query("SELECT count(*) FROM events WHERE account_id = 'local'")).rows[0].count);
if (have < EVENTS) {
  log(`generating ${EVENTS - have} events`);
  const gen = spawn(process.execPath, ['--import', 'tsx', 'src/cli/events-generate.ts', '--count', String(EVENTS - have), '--seed', String(have + 1)], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: loadUrl.toString() },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if ((await once(gen, 'exit'))[0] !== 0) throw new Error('event generation failed');
  await db.pool.query('VACUUM ANALYZE events');
}
const actor = toolPrincipal('bench:load');
const writerKey = (await managers.keys.createKey(actor, { role: 'writer', name: 'load writer' })).key;
const readerKey = (await managers.keys.createKey(actor, { role: 'reader', name: 'load reader' })).key;
const snapshot = await managers.catalog.snapshot();
const hotActions = (await db.pool.query("SELECT action FROM events WHERE account_id = 'local' GROUP BY 1 ORDER BY count(*) DESC LIMIT 20")).rows.map((r) => r.action as string);
const someIds = (await db.pool.query("SELECT id FROM events WHERE account_id = 'local' ORDER BY random() LIMIT 500")).rows.map((r) => r.id as string);

// ---- the gateway ---------------------------------------------------------------------------

// LOAD_PROFILE=<folder>: the gateway writes a CPU profile there (node --cpu-prof).
const { child: gateway, url } = await startGatewayProcess({ DATABASE_URL: loadUrl.toString(), DATABASE_POOL_SIZE: '20' }, process.env.LOAD_PROFILE);

// ---- the mix -------------------------------------------------------------------------------

const runId = Date.now().toString(36);
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
// Made before the clients start, so that generating them does not slow the clients down.
// Times spread over the run (and a little before): writers hit the current minute and hour.
log('preparing events to write');
const started = Date.now();
const pool = [...generateEvents(snapshot, { count: 2500 * SECONDS, seed: 4242, from: new Date(started - 60_000), to: new Date(started + SECONDS * 1000), idPrefix: `load-${runId}` })].map(toGraphQLInput);
let next = 0;
const fresh = (n: number) => {
  if (next + n > pool.length) next = 0; // past the end: retries of stored events (idempotent)
  const batch = pool.slice(next, next + n);
  next += n;
  // Not in the future when sent (the gateway allows 5 minutes ahead).
  return batch;
};
const NODE = 'id eventTime actionName outcome severity initiator { iamId name } target { crn } message';

interface Operation {
  name: string;
  weight: number;
  key: () => string;
  body: () => { query: string; variables?: Record<string, unknown> };
}
const operations: Operation[] = [
  { name: 'events page (action, 24 h)', weight: 30, key: () => readerKey, body: () => ({ query: `query($f: EventFilter) { events(filter: $f, first: 50) { nodes { ${NODE} } pageInfo { endCursor } } }`, variables: { f: { actions: [pick(hotActions)], from: new Date(Date.now() - 86_400_000).toISOString() } } }) },
  { name: 'events page (failures, 7 d)', weight: 10, key: () => readerKey, body: () => ({ query: `{ events(filter: { outcomes: [FAILURE], minSeverity: WARNING }, first: 50) { totalCount nodes { ${NODE} } } }` }) },
  { name: 'event stats (by outcome, hourly)', weight: 10, key: () => readerKey, body: () => ({ query: '{ eventStats(groupBy: [SERVICE, OUTCOME], interval: HOUR) { total groups { count } } }' }) },
  { name: 'one event by id', weight: 10, key: () => readerKey, body: () => ({ query: `query($id: String!) { event(id: $id) { ${NODE} action { name service { displayName } } } }`, variables: { id: pick(someIds) } }) },
  { name: 'routing and catalog reads', weight: 5, key: () => readerKey, body: () => ({ query: '{ targets { id } routes { id } routingDrops { count } actions(first: 20, filter: { service: "pm-20" }) { nodes { name } } }' }) },
  { name: 'recordEvents (batch of 50)', weight: 20, key: () => writerKey, body: () => ({ query: 'mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', variables: { i: fresh(50) } }) },
  { name: 'recordEvent (one)', weight: 15, key: () => writerKey, body: () => ({ query: 'mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', variables: { i: fresh(1)[0] } }) },
];
const totalWeight = operations.reduce((n, o) => n + o.weight, 0);
const choose = () => {
  let r = Math.random() * totalWeight;
  for (const o of operations) if ((r -= o.weight) < 0) return o;
  return operations[0]!;
};

const samples = new Map<string, number[]>(operations.map((o) => [o.name, []]));
const errors = new Map<string, number>();
let eventsWritten = 0;
let rssPeak = 0;
const rssSamples: number[] = [];
const sampler = setInterval(async () => {
  try {
    const status = await readFile(`/proc/${gateway.pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    rssSamples.push(rss);
    rssPeak = Math.max(rssPeak, Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024);
  } catch {
    // exited
  }
}, 500);

log(`${CLIENTS} clients for ${SECONDS} s on ${url}`);
const deadline = Date.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < deadline) {
      const op = choose();
      const body = JSON.stringify(op.body());
      const started = performance.now();
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${op.key()}` }, body, signal: AbortSignal.timeout(30_000) });
        const json = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }>; data?: { recordEvents?: { createdCount: number }; recordEvent?: unknown } };
        if (json.errors?.length) {
          const code = json.errors[0]!.extensions?.code ?? `HTTP ${res.status}`;
          errors.set(`${op.name}: ${code}`, (errors.get(`${op.name}: ${code}`) ?? 0) + 1);
        } else {
          samples.get(op.name)!.push(performance.now() - started);
          eventsWritten += json.data?.recordEvents?.createdCount ?? (json.data?.recordEvent ? 1 : 0);
        }
      } catch (error) {
        const key = `${op.name}: ${(error as Error).name}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  }),
);
clearInterval(sampler);
gateway.kill('SIGTERM');
await once(gateway, 'exit');
await db.close();

// ---- report --------------------------------------------------------------------------------

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);
const round = (n: number) => Math.round(n * 100) / 100;
const all = [...samples.values()].flat().sort((a, b) => a - b);
const rows = operations.map((o) => {
  const sorted = samples.get(o.name)!.sort((a, b) => a - b);
  return { operation: o.name, requests: sorted.length, p50: round(pct(sorted, 50)), p99: round(pct(sorted, 99)) };
});
const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version },
  clients: CLIENTS,
  seconds: SECONDS,
  requests: all.length + errorCount,
  requestsPerSecond: round((all.length + errorCount) / SECONDS),
  errors: errorCount,
  errorsByKind: Object.fromEntries(errors),
  eventsWritten,
  latencyMs: { p50: round(pct(all, 50)), p99: round(pct(all, 99)) },
  operations: rows,
  gatewayRssMiB: { peak: round(rssPeak), last: round(rssSamples.at(-1) ?? 0), median: round(pct([...rssSamples].sort((a, b) => a - b), 50)) },
};

const line = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
console.log(`\n${CLIENTS} clients, ${SECONDS} s: ${results.requests} requests (${results.requestsPerSecond}/s), ${errorCount} errors, ${eventsWritten} events written\n`);
console.log(line(['operation', 'requests', 'p50 ms', 'p99 ms'], [34, 10, 10, 10]));
for (const r of rows) console.log(line([r.operation, r.requests, r.p50, r.p99], [34, 10, 10, 10]));
console.log(line(['all', all.length, results.latencyMs.p50, results.latencyMs.p99], [34, 10, 10, 10]));
console.log(`\ngateway RSS: peak ${results.gatewayRssMiB.peak} MiB, median ${results.gatewayRssMiB.median} MiB`);
if (errorCount) console.log(`errors: ${JSON.stringify(results.errorsByKind)}`);
await mkdir(path.join(projectRoot, 'bench', 'results'), { recursive: true });
const file = path.join(projectRoot, 'bench', 'results', `load-${results.date.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(projectRoot, file)}`);
process.exit(0);
