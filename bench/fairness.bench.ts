// npm run bench:fairness [-- --requests 400 --attackers 32 --events 1000000 --seconds 120]
//
// One account must not take the gateway from the others. A quiet account (its own key, a
// few thousand events) sends `events(first: 20)` one request at a time (one every
// `--interval` ms, within the default rate limit), first alone, then
// while one reader key of another account (a million events) keeps `--attackers` heavy
// queries in flight: full-range text search, anyOf, stats by action and initiator, globs.
// Prints the quiet account's p50/p99 alone and under attack, what the attacker got (answers,
// RATE_LIMITED, TIMEOUT), and writes bench/results/fairness-<time>.json. Goal: p99 under
// attack at most 2x alone. The gateway runs with its default limits. Needs DATABASE_URL.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toolPrincipal } from '../src/auth/principal.js';
import { projectRoot } from '../src/config/paths.js';
import { benchDatabaseUrl, ensureEvents, openBenchDatabase, percentile, startGatewayProcess } from './support.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '400' },
    attackers: { type: 'string', default: '32' },
    events: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '120' },
    // The quiet account sends one request every this many ms (within the default rate limit).
    interval: { type: 'string', default: '20' },
    // Which heavy queries the attacker sends (indexes into HEAVY), all by default.
    heavy: { type: 'string' },
  },
});
const INTERVAL = Number(values.interval);
const SECONDS = Number(values.seconds);
const REQUESTS = Number(values.requests);
const ATTACKERS = Number(values.attackers);
const benchUrl = benchDatabaseUrl('bench:fairness', 'audit_bench');
const log = (...args: unknown[]) => console.error('bench:', ...args);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const { db, managers } = await openBenchDatabase(benchUrl, 2);
await ensureEvents(benchUrl, db.pool, 'local', Number(values.events), log);
await ensureEvents(benchUrl, db.pool, 'quiet', 5000, log);
const attackerKey = (await managers.keys.createKey(toolPrincipal('bench'), { role: 'reader', accountId: 'local', name: 'bench fairness attacker' })).key;
const quietKey = (await managers.keys.createKey(toolPrincipal('bench'), { role: 'reader', accountId: 'quiet', name: 'bench fairness quiet' })).key;
await db.close();

const gateway = await startGatewayProcess({
  DATABASE_URL: benchUrl.toString(),
  DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'aqg-bench-fairness-')),
  DELIVERY_WORKER: 'false',
  // The gateway's own defaults: fairness is what a deployment gets without tuning.
  RATE_LIMIT_PER_SECOND: '200',
});

async function gql(key: string, query: string, variables?: Record<string, unknown>): Promise<{ ms: number; code: string | null }> {
  const started = performance.now();
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { ms: performance.now() - started, code: body.errors?.[0]?.extensions?.code ?? null };
}

const QUIET = '{ events(first: 20) { edges { node { id eventTime actionName message initiator { name } } } } }';
const month = new Date(Date.now() - 30 * 86_400_000).toISOString();
const ALL_HEAVY: Array<[string, string, Record<string, unknown>]> = [
  ['text search over the whole range', 'query($from: DateTime) { events(filter: { from: $from, text: "instance" }, first: 50) { totalCount edges { node { id message } } } }', { from: month }],
  [
    'anyOf of text searches',
    'query($from: DateTime) { events(filter: { from: $from, anyOf: [{ text: "reboot" }, { text: "delete" }, { initiator: { name: "kim.khan0@example.com" } }, { text: "zzz" }] }, first: 50) { totalCount edges { node { id } } } }',
    { from: month },
  ],
  ['stats by action and initiator', 'query($from: DateTime) { eventStats(filter: { from: $from }, groupBy: [ACTION, INITIATOR], interval: DAY, top: 100) { total groups { count } } }', { from: month }],
  ['glob with a minimum severity', 'query($from: DateTime) { events(filter: { from: $from, actions: ["*.*.*"], minSeverity: WARNING }, first: 100) { totalCount edges { node { id } } } }', { from: month }],
];
const HEAVY = values.heavy ? values.heavy.split(',').map((i) => ALL_HEAVY[Number(i)]!) : ALL_HEAVY;

/** The quiet account's latencies (a failed request counts with its time) and its failures by code. */
async function quietRun(n: number, seconds = Infinity): Promise<{ sorted: number[]; failures: Record<string, number> }> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const deadline = Date.now() + seconds * 1000;
  for (let i = 0; i < n && Date.now() < deadline; i++) {
    const started = Date.now();
    const r = await gql(quietKey, QUIET);
    if (r.code) failures[r.code] = (failures[r.code] ?? 0) + 1;
    latencies.push(r.ms);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, INTERVAL - (Date.now() - started))));
  }
  return { sorted: latencies.sort((a, b) => a - b), failures };
}
const summary = ({ sorted, failures }: { sorted: number[]; failures: Record<string, number> }) => ({
  p50: round(percentile(sorted, 50), 2),
  p99: round(percentile(sorted, 99), 2),
  max: round(sorted.at(-1)!, 2),
  failures,
});

// However the run ends, the gateway process goes with it.
process.on('exit', () => gateway.child.kill('SIGKILL'));

log('warm-up');
await quietRun(200);
for (const [, query, variables] of HEAVY) await gql(attackerKey, query, variables);

log(`quiet account alone: ${REQUESTS} requests`);
const alone = summary(await quietRun(REQUESTS));
log(`alone: p50 ${alone.p50} ms, p99 ${alone.p99} ms`);

log(`quiet account while ${ATTACKERS} heavy queries are in flight from one reader key`);
const outcomes: Record<string, number> = {};
const heavyMs: number[] = [];
let attacking = true;
const attackers = Array.from({ length: ATTACKERS }, async (_, i) => {
  for (let n = i; attacking; n++) {
    const [, query, variables] = HEAVY[n % HEAVY.length]!;
    const r = await gql(attackerKey, query, variables);
    outcomes[r.code ?? 'answered'] = (outcomes[r.code ?? 'answered'] ?? 0) + 1;
    if (!r.code) heavyMs.push(r.ms);
    // A refused attacker tries again at once, as an abusive client would.
  }
});
// Let the attack fill the gateway before the quiet account measures.
await new Promise((r) => setTimeout(r, 5000));
const attackStarted = Date.now();
// Bounded: before this gateway shared fairly, 200 quiet requests did not finish in 15 minutes.
const attackedRun = await quietRun(REQUESTS, SECONDS);
const attacked = { ...summary(attackedRun), answered: attackedRun.sorted.length };
const attackSeconds = (Date.now() - attackStarted) / 1000;
attacking = false;
await Promise.all(attackers);
gateway.child.kill('SIGTERM');
log(`under attack: p50 ${attacked.p50} ms, p99 ${attacked.p99} ms; attacker: ${JSON.stringify(outcomes)}`);

const ratio = attacked.p99 / alone.p99;
const table = [
  ['quiet account, events(first: 20)', 'p50 ms', 'p99 ms', 'max ms'],
  [`alone (${REQUESTS} requests)`, alone.p50, alone.p99, alone.max],
  [
    `while ${ATTACKERS} heavy queries are in flight (${attacked.answered} requests in ${round(attackSeconds)} s${Object.keys(attacked.failures).length ? `, failed: ${JSON.stringify(attacked.failures)}` : ''})`,
    attacked.p50,
    attacked.p99,
    attacked.max,
  ],
  ['ratio (goal: p99 <= 2x)', round(attacked.p50 / alone.p50, 2), round(ratio, 2), ''],
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
for (const row of table) console.log(row.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
heavyMs.sort((a, b) => a - b);
console.log(`attacker over ${round(attackSeconds)} s: ${Object.entries(outcomes).map(([k, v]) => `${v} ${k}`).join(', ')}; answered heavy queries p50 ${heavyMs.length ? round(percentile(heavyMs, 50)) : '-'} ms`);

const results = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, model: os.cpus()[0]?.model },
  requests: REQUESTS,
  attackers: ATTACKERS,
  heavyQueries: HEAVY.map(([name]) => name),
  alone,
  underAttack: attacked,
  p99Ratio: round(ratio, 2),
  attacker: { seconds: attackSeconds, outcomes, answeredP50: heavyMs.length ? round(percentile(heavyMs, 50)) : null },
};
const dir = path.join(projectRoot, 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = path.join(dir, `fairness-${results.at.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${path.relative(projectRoot, file)}`);
