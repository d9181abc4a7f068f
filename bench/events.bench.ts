// npm run bench [-- --events 1000000 --ingest 100000 --requests 300 --warmup 1000 --seconds 10 --parts queries,throughput,ingest --fresh]
//
// Measures, in one run on one database of generated events, the gateway against a baseline:
//  - ingest: recordEvents batches of 500 over HTTP from 4 concurrent clients, versus a raw
//    multi-row INSERT of the same rows through `pg` on 4 connections;
//  - six queries through the gateway versus the same SQL behind a minimal node:http
//    endpoint using `pg` (bench/raw-server.ts), one request at a time: p50 and p95;
//  - throughput of the first query at concurrency 16 (autocannon), gateway versus raw;
//  - the gateway's peak RSS;
//  - for ingest and throughput, the CPU each side cost per row or request: the server
//    process, PostgreSQL and this process (the load generator or the raw client), from /proc.
// Prints a table and writes bench/results/<time>.json. Needs DATABASE_URL (a PostgreSQL
// server); it creates the database `audit_bench` next to the one named there.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { projectRoot } from '../src/config/paths.js';
import { contentHash } from '../src/events/canonical.js';
import type { EventInput } from '../src/events/event.model.js';
import { EVENT_COLUMNS, eventColumnText } from '../src/events/events.store.js';
import { generateEvents, toGraphQLInput } from '../src/events/generator.js';
import { ROLLUPS } from '../src/events/rollups.js';
import { toolPrincipal } from '../src/auth/principal.js';
import { addMicros, benchDatabaseUrl, cpuDuring, ensureEvents, freePort, openBenchDatabase, percentile, perUnit, startGatewayProcess, waitUntilReady } from './support.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    ingest: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    fresh: { type: 'boolean', default: false },
    // Which measurements to run (all by default); the table shows what ran.
    parts: { type: 'string', default: 'queries,throughput,ingest' },
  },
});
const PARTS = new Set(values.parts.split(','));
const TOTAL = Number(values.events);
const INGEST = Number(values.ingest);
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);
const SECONDS = Number(values.seconds);
const ACCOUNT = 'local';
/** Batches of 500 each side of the ingest measurement sends first, unmeasured. */
const WARMUP_BATCHES = 10;

const benchUrl = benchDatabaseUrl('bench', 'audit_bench');
const log = (...args: unknown[]) => console.error('bench:', ...args);

// ---- helpers ---------------------------------------------------------------------------

function start(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.resume();
  return child;
}

/**
 * p50 and p95 of the gateway and the raw endpoint, one request at a time, measured in turns
 * (gateway then raw, then raw then gateway, ...) so that whatever else the machine does
 * (autovacuum, checkpoints) falls on both sides alike. First a warm-up of the same length
 * on each side: WARMUP requests or 5 s, whichever ends first, so that both are measured in
 * their steady state (JIT-compiled code paths: each query's compiled GraphQL plan is code of
 * its own, which V8 optimises as it runs; after 300 requests the first query's ratio was
 * still 0.05-0.1 above where it settled, by about 900). REQUESTS samples each, or fewer (at least
 * 20) when they take more than 60 s in all (the raw GROUP BY).
 */
async function pairedLatencies(gateway: () => Promise<void>, raw: () => Promise<void>): Promise<Record<'gateway' | 'raw', { p50: number; p95: number }>> {
  for (const run of [gateway, raw]) {
    const warm = performance.now() + 5_000;
    for (let i = 0; i < WARMUP && (i < 3 || performance.now() < warm); i++) await run();
  }
  const times = { gateway: [] as number[], raw: [] as number[] };
  const timed = async (side: 'gateway' | 'raw') => {
    const t = performance.now();
    await (side === 'gateway' ? gateway : raw)();
    times[side].push(performance.now() - t);
  };
  const deadline = performance.now() + 60_000;
  for (let i = 0; i < REQUESTS && (i < 20 || performance.now() < deadline); i++) {
    for (const side of i % 2 ? (['raw', 'gateway'] as const) : (['gateway', 'raw'] as const)) await timed(side);
  }
  const summary = (list: number[]) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p95: percentile(list, 95) };
  };
  return { gateway: summary(times.gateway), raw: summary(times.raw) };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Ids of the rows the raw side of the ingest measurement inserts: the gateway's ids with this prefix. */
const RAW_ID_PREFIX = 'raw-';

/** Deletes the raw side's rows ('bench-raw': the account earlier versions inserted them under). */
async function deleteRawIngest(pool: pg.Pool): Promise<void> {
  await pool.query("DELETE FROM events WHERE account_id = 'bench-raw'");
  await pool.query('DELETE FROM events WHERE account_id = $1 AND starts_with(id, $2)', [ACCOUNT, RAW_ID_PREFIX]);
}

// ---- the database ----------------------------------------------------------------------

async function prepareDatabase() {
  const { db, managers } = await openBenchDatabase(benchUrl, 4, { fresh: values.fresh });
  const { key } = await managers.keys.createKey(toolPrincipal('bench'), { role: 'admin', name: 'bench' });
  // The raw side of an earlier run's ingest measurement, if that run stopped before deleting
  // it (it bypasses the rollups and the chain). The gateway side stays: a year old, it is
  // outside every query.
  await deleteRawIngest(db.pool);
  const generation = await ensureEvents(benchUrl, db.pool, ACCOUNT, TOTAL, log);
  // What the gateway's rounds would have done by now: the hours earlier runs' ingest listed
  // folded into the per-hour rollups (and writer shards of older databases into one row per key).
  log(`pending hours folded: ${await managers.events.foldHourRollups()}, rollup rows folded: ${await managers.events.compactRollups()}`);
  log('VACUUM ANALYZE');
  for (const table of ['events', 'event_links', ...ROLLUPS.map((r) => r.table)]) await db.pool.query(`VACUUM ANALYZE ${table}`);

  // Parameters of the queries, chosen from the data.
  const q = async (text: string, params: unknown[] = []) => (await db.pool.query(text, params)).rows;
  const hotAction = (await q(`SELECT action, action_id FROM events WHERE account_id = $1 AND event_time >= now() - interval '24 hours' GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`, [ACCOUNT]))[0];
  const initiator = (await q(`SELECT initiator_id FROM events WHERE account_id = $1 AND outcome = 'failure' AND event_time >= now() - interval '7 days' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [ACCOUNT]))[0].initiator_id;
  // In the query's range (its default: the last 7 days). Counted over all time, the pick
  // drifted to a target of the year-old events earlier runs' ingest adds, which no query sees.
  // The target with the most events, up to 200 (a freshly generated database has at most
  // about ten per target).
  const target = (await q(`SELECT target_id, count(*) FROM events WHERE account_id = $1 AND event_time >= now() - interval '7 days' GROUP BY 1 HAVING count(*) <= 200 ORDER BY 2 DESC LIMIT 1`, [ACCOUNT]))[0];
  const page = (await q(`SELECT event_time, id FROM events WHERE account_id = $1 AND event_time >= now() - interval '7 days' ORDER BY event_time DESC, id DESC OFFSET ${199 * 50 - 1} LIMIT 1`, [ACCOUNT]))[0];
  const snapshot = await managers.catalog.snapshot();
  const globIds = snapshot.actionIdsMatching((n) => n.endsWith('.delete'));
  const total = Number((await q("SELECT count(*) FROM events WHERE account_id = $1 AND event_time >= now() - interval '8 days'", [ACCOUNT]))[0].count);
  return { db, managers, key, hotAction, initiator, target, page, globIds, total, generation };
}

// ---- main ------------------------------------------------------------------------------

const prepared = await prepareDatabase();
const { db, managers } = prepared;
log(`database: ${prepared.total} events; hot action ${prepared.hotAction.action}; target ${prepared.target.target_id} (${prepared.target.count} events)`);

// The per-key rate limit is not what this measures (startGatewayProcess lifts it).
// BENCH_PROFILE=<folder>: the gateway writes a CPU profile there (node --cpu-prof).
const { child: gateway, url: gql } = await startGatewayProcess({ DATABASE_URL: benchUrl.toString(), DATABASE_POOL_SIZE: '10' }, process.env.BENCH_PROFILE);
const rawPort = await freePort();
const raw = start('bench/raw-server.ts', { DATABASE_URL: benchUrl.toString(), PORT: String(rawPort), BENCH_ACCOUNT: ACCOUNT });
await waitUntilReady(`http://127.0.0.1:${rawPort}/stats`, raw);
const GATEWAY_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${prepared.key}` };
const rawBase = `http://127.0.0.1:${rawPort}`;

// The same columns the raw endpoint returns; `nodes` (the connection's list without cursors)
// because the raw endpoint returns no cursor per row either.
const NODE = 'id eventTime actionName outcome severity location initiator { iamId name } target { crn typeURI } message';
const cursor = Buffer.from(`event:${new Date(prepared.page.event_time).getTime()}:${prepared.page.id}`).toString('base64url');
const day = () => new Date(Date.now() - 86_400_000).toISOString();
const queries: Array<{ name: string; gateway: () => { query: string; variables: Record<string, unknown> }; raw: string }> = [
  {
    name: 'last 50 events of one action in 24 h',
    gateway: () => ({ query: `query($f: EventFilter) { events(filter: $f, first: 50) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } }`, variables: { f: { actions: [prepared.hotAction.action], from: day() } } }),
    raw: `/action?ids=${prepared.hotAction.action_id}&name=${encodeURIComponent(prepared.hotAction.action)}`,
  },
  {
    name: "one initiator's failures in 7 days",
    gateway: () => ({ query: `query($f: EventFilter) { events(filter: $f, first: 50) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } }`, variables: { f: { initiator: { id: prepared.initiator }, outcomes: ['FAILURE'] } } }),
    raw: `/initiator?id=${encodeURIComponent(prepared.initiator)}`,
  },
  {
    name: 'all events on one target id',
    gateway: () => ({ query: `query($f: EventFilter) { events(filter: $f, first: 500) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } }`, variables: { f: { target: { id: prepared.target.target_id } } } }),
    raw: `/target?id=${encodeURIComponent(prepared.target.target_id)}`,
  },
  {
    name: 'page 200 by cursor',
    gateway: () => ({ query: `query($after: String) { events(first: 50, after: $after) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } }`, variables: { after: cursor } }),
    raw: `/page?t=${new Date(prepared.page.event_time).getTime()}&id=${encodeURIComponent(prepared.page.id)}`,
  },
  {
    name: 'counts by outcome per hour over 7 days',
    gateway: () => ({ query: '{ eventStats(groupBy: [OUTCOME], interval: HOUR) { total source groups { key { outcome } buckets { start count } } } }', variables: {} }),
    raw: '/stats',
  },
  {
    name: 'action glob with a minimum severity',
    gateway: () => ({ query: `query($f: EventFilter) { events(filter: $f, first: 50) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } }`, variables: { f: { actions: ['*.delete'], minSeverity: 'WARNING' } } }),
    raw: `/glob?ids=${prepared.globIds.join(',')}&like=${encodeURIComponent('%.delete')}`,
  },
];

async function gatewayRequest(body: { query: string; variables: Record<string, unknown> }) {
  const res = await fetch(gql, { method: 'POST', headers: GATEWAY_HEADERS, body: JSON.stringify(body) });
  const json = (await res.json()) as { errors?: unknown[] };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
}

/**
 * Both sides must answer the same question: for each page query, the events the gateway
 * returns are the first ones the raw endpoint returns (it reads one more, as the gateway
 * does for hasNextPage). An earlier raw query for a concrete name of a template action
 * returned events of the template's other names too.
 */
async function checkSameAnswers() {
  for (const q of queries.filter((x) => x.raw !== '/stats')) {
    const res = await fetch(gql, { method: 'POST', headers: GATEWAY_HEADERS, body: JSON.stringify(q.gateway()) });
    const gatewayIds = ((await res.json()) as { data: { events: { nodes: Array<{ id: string }> } } }).data.events.nodes.map((e) => e.id);
    const rawIds = ((await (await fetch(rawBase + q.raw)).json()) as { rows: Array<{ id: string }> }).rows.map((r) => r.id).slice(0, gatewayIds.length);
    if (!gatewayIds.length || gatewayIds.join() !== rawIds.join()) throw new Error(`${q.name}: the gateway and the raw endpoint answer differently (${gatewayIds.length} and ${rawIds.length} events)`);
  }
}

async function measureQueries() {
  await checkSameAnswers();
  const results = [];
  for (const q of queries) {
    // Both sides read and parse the JSON answer, as a client would.
    const { gateway: g, raw: r } = await pairedLatencies(
      () => gatewayRequest(q.gateway()),
      async () => {
        const res = await fetch(rawBase + q.raw);
        if (!res.ok) throw new Error(await res.text());
        await res.json();
      },
    );
    results.push({ query: q.name, gateway: { p50: round(g.p50), p95: round(g.p95) }, raw: { p50: round(r.p50), p95: round(r.p95) }, ratioP50: round(g.p50 / r.p50) });
    log(`${q.name}: gateway p50 ${round(g.p50)} ms, raw p50 ${round(r.p50)} ms`);
  }
  return results;
}

// Throughput of the first query at concurrency 16, in turns of 2 s per side (as the
// latencies: whatever else the machine does falls on both alike), SECONDS per side in all.
async function cannon(options: autocannon.Options, duration: number): Promise<number> {
  const result = await autocannon({ connections: 16, duration, ...options });
  if (result.non2xx || result.errors) throw new Error(`autocannon: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total;
}

async function measureThroughput() {
  const first = queries[0]!;
  const sides = [
    { url: gql, method: 'POST' as const, headers: GATEWAY_HEADERS, body: JSON.stringify(first.gateway()) },
    { url: rawBase + first.raw },
  ];
  const servers: Array<Record<string, number>> = [{ gateway: gateway.pid! }, { endpoint: raw.pid! }];
  // A short run of each first: both reach steady state (compiled code, warm pools).
  for (const side of sides) await cannon(side, 2);
  const requests = [0, 0];
  const cpu: Array<Record<string, number>> = [{}, {}];
  const turns = Math.max(1, Math.round(SECONDS / 2));
  for (let turn = 0; turn < turns; turn++) {
    for (const i of turn % 2 ? [1, 0] : [0, 1]) {
      const { result, micros } = await cpuDuring(servers[i]!, () => cannon(sides[i]!, 2));
      requests[i]! += result;
      addMicros(cpu[i]!, micros);
    }
  }
  const [gatewayRps, rawRps] = requests.map((n) => round(n / (2 * turns), 1)) as [number, number];
  const cpuMicrosPerRequest = { gateway: perUnit(cpu[0]!, requests[0]!), raw: perUnit(cpu[1]!, requests[1]!) };
  log(`throughput: gateway ${gatewayRps} req/s, raw ${rawRps} req/s; CPU µs per request ${JSON.stringify(cpuMicrosPerRequest)}`);
  return { query: first.name, concurrency: 16, gatewayRequestsPerSecond: gatewayRps, rawRequestsPerSecond: rawRps, ratio: round(gatewayRps / rawRps), target: 0.6, cpuMicrosPerRequest };
}

/**
 * Checks that the raw side inserted what the gateway stored: a row for each of its events,
 * equal in every column but the id, the receipt time and the content hash (which covers the id).
 */
async function checkSameRows(expected: number): Promise<void> {
  const compared = EVENT_COLUMNS.filter((c) => !['id', 'received_at', 'content_hash'].includes(c));
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS pairs, count(*) FILTER (WHERE (${compared.map((c) => `r.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `g.${c}`).join(', ')}))::int AS different
       FROM events r JOIN events g ON g.account_id = r.account_id AND g.id = substr(r.id, ${RAW_ID_PREFIX.length + 1})
      WHERE r.account_id = $1 AND starts_with(r.id, $2)`,
    [ACCOUNT, RAW_ID_PREFIX],
  );
  if (rows[0].pairs !== expected || rows[0].different !== 0) throw new Error(`the raw side's rows differ from the gateway's: ${JSON.stringify(rows[0])} of ${expected}`);
}

/** The WAL PostgreSQL wrote while `work` ran, in bytes (the whole server's). */
async function walDuring<T>(work: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const lsn = async () => (await db.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const before = await lsn();
  const result = await work();
  const { rows } = await db.pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS bytes', [await lsn(), before]);
  return { result, bytes: Number(rows[0]!.bytes) };
}

async function drain<T>(items: T[], workers: number, work: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
  return (performance.now() - started) / 1000;
}

// Ingest: recordEvents batches of 500 over HTTP from 4 clients, against the same rows inserted raw on 4 connections.
async function measureIngest() {
  const snapshot = await managers.catalog.snapshot();
  // A year back, ten minutes wide: outside the queries' ranges; ids unique to this run.
  const to = new Date(Date.now() - 365 * 86_400_000);
  const runId = Date.now().toString(36);
  const generated = [...generateEvents(snapshot, { count: INGEST + WARMUP_BATCHES * 500, seed: 777, from: new Date(to.getTime() - 10 * 60_000), to, idPrefix: `ingest-${runId}` })];
  const batches: EventInput[][] = [];
  for (let i = 0; i < generated.length; i += 500) batches.push(generated.slice(i, i + 500));
  // Both sides warm up alike first, unmeasured (as before the other measures): the gateway's
  // ingest path compiled, both pools connected.
  const warmup = batches.splice(0, WARMUP_BATCHES);
  // The requests' inputs as GraphQL takes them, made before measuring (as the raw side's rows are).
  const requests = new Map([...warmup, ...batches].map((inputs) => [inputs, inputs.map(toGraphQLInput)]));
  const RECORD = 'mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount } }';
  const rawPool = new pg.Pool({ connectionString: benchUrl.toString(), max: 4 });
  // In rounds (as the other measures take turns), a quarter of the batches each: through the
  // gateway, and the same rows inserted raw, as the events manager makes them (its checks
  // and defaults, content hash), in the same account with the ids prefixed, so that both
  // sides add to the same parts of the same indexes. Which side goes first alternates: the
  // second finds the index pages the first read in memory (each turn starts after a
  // checkpoint, below, so neither finds them logged in full already). (Until 2026-11-21 the
  // raw rows went to an account of their own, whose index ranges held only those rows and
  // stayed in cache, about 10 µs per row less work for PostgreSQL; and the raw side always
  // went second.)
  const viaGateway = (part: EventInput[][]) => drain(part, 4, (inputs) => gatewayRequest({ query: RECORD, variables: { inputs: requests.get(inputs)! } }));
  /** The rows of `part` as the gateway stores them (ids prefixed), in batches of 500. */
  const rawRowsOf = async (part: EventInput[][]) => {
    const rawBatches: Array<Array<string | null>[]> = [];
    for (const inputs of part) {
      const rows: Array<string | null>[] = [];
      for (const input of inputs) {
        const record = await managers.events.prepareEvent(ACCOUNT, { ...input, id: RAW_ID_PREFIX + input.id });
        rows.push(eventColumnText(record, contentHash(record).toString('hex')));
      }
      rawBatches.push(rows);
    }
    return { rawBatches, rows: part.reduce((n, inputs) => n + inputs.length, 0) };
  };
  const columns = EVENT_COLUMNS;
  const direct = ({ rawBatches }: Awaited<ReturnType<typeof rawRowsOf>>) =>
    drain(rawBatches, 4, async (rows) => {
      const placeholders = rows.map((_, i) => `(${columns.map((__, j) => `$${i * columns.length + j + 1}`).join(', ')})`).join(', ');
      await rawPool.query(`INSERT INTO events (${columns.join(', ')}) VALUES ${placeholders}`, rows.flat());
    });
  await viaGateway(warmup);
  await direct(await rawRowsOf(warmup));

  const rounds = Math.min(4, batches.length);
  const seconds = { gateway: 0, raw: 0 };
  const cpu = { gateway: {} as Record<string, number>, raw: {} as Record<string, number> };
  const wal = { gateway: 0, raw: 0 };
  let rawRows = 0;
  for (let turn = 0; turn < rounds; turn++) {
    const part = batches.slice(Math.floor((turn * batches.length) / rounds), Math.floor(((turn + 1) * batches.length) / rounds));
    const raw = await rawRowsOf(part);
    for (const side of turn % 2 ? (['raw', 'gateway'] as const) : (['gateway', 'raw'] as const)) {
      // Each turn starts right after a checkpoint: a page's first change after one is logged
      // in full, and a checkpoint PostgreSQL started on its own fell on one side's turn,
      // whose WAL per row then rose by half to double (runs gave each side 1.7-5 KB per row).
      await db.pool.query('CHECKPOINT');
      const measured =
        side === 'gateway'
          ? await walDuring(() => cpuDuring({ gateway: gateway.pid! }, () => viaGateway(part)))
          : await walDuring(() => cpuDuring({}, () => direct(raw)));
      seconds[side] += measured.result.result;
      addMicros(cpu[side], measured.result.micros);
      wal[side] += measured.bytes;
    }
    rawRows += raw.rows;
  }
  await rawPool.end();
  await checkSameRows(rawRows + warmup.flat().length);
  const gatewayRowsPerSecond = Math.round(INGEST / seconds.gateway);
  const rawRowsPerSecond = Math.round(rawRows / seconds.raw);
  const cpuMicrosPerRow = { gateway: perUnit(cpu.gateway, INGEST), raw: perUnit(cpu.raw, rawRows) };
  const walBytesPerRow = { gateway: Math.round(wal.gateway / INGEST), raw: Math.round(wal.raw / rawRows) };
  log(`ingest: gateway ${gatewayRowsPerSecond} rows/s, raw multi-row INSERT ${rawRowsPerSecond} rows/s; CPU µs per row ${JSON.stringify(cpuMicrosPerRow)}; WAL bytes per row ${JSON.stringify(walBytesPerRow)}`);
  return { gatewayRowsPerSecond, rawRowsPerSecond, ratio: round(gatewayRowsPerSecond / rawRowsPerSecond), target: 0.7, cpuMicrosPerRow, walBytesPerRow };
}

const queryResults = PARTS.has('queries') ? await measureQueries() : [];
const throughput = PARTS.has('throughput') ? await measureThroughput() : null;
const ingest = PARTS.has('ingest') ? await measureIngest() : null;

const status = readFileSync(`/proc/${gateway.pid}/status`, 'utf8');
const peakRssMiB = round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024, 1);

gateway.kill('SIGTERM');
raw.kill('SIGTERM');
await Promise.all([once(gateway, 'exit'), once(raw, 'exit')]);
await deleteRawIngest(db.pool);
await db.close();

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version },
  database: { events: prepared.total, generation: prepared.generation },
  ingest,
  queries: queryResults,
  throughput,
  gatewayPeakRssMiB: peakRssMiB,
};

const line = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
const widths = [42, 12, 12, 12, 12, 8];
console.log(`\nDatabase: ${prepared.total.toLocaleString('en')} events\n`);
if (queryResults.length) {
  console.log(line(['query (one request at a time, ms)', 'gateway p50', 'gateway p95', 'raw p50', 'raw p95', 'p50 x'], widths));
  for (const q of queryResults) console.log(line([q.query, q.gateway.p50, q.gateway.p95, q.raw.p50, q.raw.p95, q.ratioP50], widths));
}
/** "gateway 40 + postgres 70 + client 10 (cores idle 12)": what each process cost, and the idle time beside it. */
const costs = ({ idle, ...c }: Record<string, number>) => `${Object.entries(c).map(([name, us]) => `${name} ${us}`).join(' + ')}${idle === undefined ? '' : ` (cores idle ${idle})`}`;
if (ingest) {
  console.log(`\ningest (4 clients, batches of 500): gateway ${ingest.gatewayRowsPerSecond} rows/s, raw INSERT ${ingest.rawRowsPerSecond} rows/s, ratio ${ingest.ratio} (target >= 0.7)`);
  console.log(`  CPU µs per row: through the gateway ${costs(ingest.cpuMicrosPerRow.gateway)}; raw ${costs(ingest.cpuMicrosPerRow.raw)}`);
  console.log(`  WAL bytes per row: through the gateway ${ingest.walBytesPerRow.gateway}; raw ${ingest.walBytesPerRow.raw}`);
}
if (throughput) {
  console.log(`throughput of the first query at concurrency 16: gateway ${throughput.gatewayRequestsPerSecond} req/s, raw ${throughput.rawRequestsPerSecond} req/s, ratio ${throughput.ratio} (target >= 0.6)`);
  console.log(`  CPU µs per request: gateway ${costs(throughput.cpuMicrosPerRequest.gateway)}; raw ${costs(throughput.cpuMicrosPerRequest.raw)}`);
}
console.log(`gateway peak RSS: ${peakRssMiB} MiB`);

await mkdir(path.join(projectRoot, 'bench', 'results'), { recursive: true });
const file = path.join(projectRoot, 'bench', 'results', `events-${results.date.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(projectRoot, file)}`);
process.exit(0);
