// npm run bench:verify [-- --events 1000000 --fresh]
//
// Measures whole-chain verification of an account of `--events` events (the bench database
// of npm run bench, generated when it holds fewer), in one run:
//  - baseline: the same rows (events joined with their links, in position order, in ranges
//    of 5000) read through `pg` on one connection and hashed as PostgreSQL sent them (no
//    canonical form, no checks): what reading the chain costs, the floor of any verifier;
//  - the gateway: startChainVerification through GraphQL on a gateway process, followed by
//    polling chainVerification until it is done (its progress, then its verdict);
//  - npm run verify -- --account (the command line, with its own start);
//  - verifyEvents over VERIFY_MAX_EVENTS (the synchronous query, within the execution limit).
// Prints a table and writes bench/results/verify-<time>.json. Needs DATABASE_URL.
import { spawn } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toolPrincipal } from '../src/auth/principal.js';
import { projectRoot } from '../src/config/paths.js';
import { ALL_COLUMNS, selectList } from '../src/events/events.store.js';
import { benchDatabaseUrl, cpuDuring, ensureEvents, openBenchDatabase, startGatewayProcess } from './support.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, fresh: { type: 'boolean', default: false } } });
const TOTAL = Number(values.events);
const ACCOUNT = 'local';
const benchUrl = benchDatabaseUrl('bench:verify', 'audit_bench');
const log = (...args: unknown[]) => console.error('bench:', ...args);
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

const { db, managers } = await openBenchDatabase(benchUrl, 2, { fresh: values.fresh });
const generation = await ensureEvents(benchUrl, db.pool, ACCOUNT, TOTAL, log);
const head = Number((await db.pool.query('SELECT seq FROM event_chains WHERE account_id = $1', [ACCOUNT])).rows[0].seq);
log(`chain of ${head} events`);
const { key } = await managers.keys.createKey(toolPrincipal('bench'), { role: 'admin', name: 'bench verify' });

// ---- baseline: the rows through pg, hashed as they come -----------------------------------
async function baseline() {
  const text = `SELECT ${selectList(ALL_COLUMNS)}, l.seq, l.hash AS link FROM event_links l JOIN events e ON e.account_id = l.account_id AND e.id = l.event_id
                 WHERE l.account_id = $1 AND l.seq > $2 AND l.seq <= $3 ORDER BY l.seq`;
  const started = Date.now();
  let rows = 0;
  let digest = Buffer.alloc(32);
  for (let after = 0; after < head; after += 5000) {
    const result = await db.pool.query({ text, values: [ACCOUNT, after, after + 5000], rowMode: 'array' });
    for (const row of result.rows as unknown[][]) {
      digest = hash('sha256', Buffer.concat([digest, Buffer.from(JSON.stringify(row))]), 'buffer');
      rows++;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  return { events: rows, seconds: round(seconds, 2), perSecond: Math.round(rows / seconds) };
}

log('baseline: reading the chain through pg');
const raw = await cpuDuring({}, baseline);
log(`baseline: ${raw.result.perSecond} events/s`);

// ---- the gateway: a verification in the background ---------------------------------------
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aqg-bench-verify-'));
const gateway = await startGatewayProcess({ DATABASE_URL: benchUrl.toString(), DATA_DIR: dataDir, DELIVERY_WORKER: 'false' });
const gql = async (query: string, variables?: Record<string, unknown>) => {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};
let job: { status: string; checked: number; total: number; eventsPerSecond: number; startedAt: string; finishedAt: string; result: { ok: boolean; checked: number } };
const samples: Array<{ ms: number; checked: number }> = [];
const { result: jobMicros, micros: gatewayCpu } = await cpuDuring({ gateway: gateway.child.pid! }, async () => {
  const started = Date.now();
  const { id } = (await gql('mutation { startChainVerification { verification { id } } }')).startChainVerification.verification;
  for (;;) {
    job = (await gql('query($id: ID!) { chainVerification(id: $id) { status checked total eventsPerSecond startedAt finishedAt result { ok checked } } }', { id })).chainVerification;
    samples.push({ ms: Date.now() - started, checked: job.checked });
    if (job.status !== 'RUNNING') return Date.now() - started;
    await new Promise((r) => setTimeout(r, 500));
  }
});
if (job!.status !== 'DONE' || !job!.result.ok) throw new Error(`the verification did not succeed: ${JSON.stringify(job!)}`);
const jobSeconds = (new Date(job!.finishedAt).getTime() - new Date(job!.startedAt).getTime()) / 1000;
log(`gateway: ${job!.result.checked} events in ${jobSeconds} s (${job!.eventsPerSecond}/s; ${jobMicros} ms until the client saw it done)`);

// ---- verifyEvents over its limit ----------------------------------------------------------
const syncStarted = Date.now();
const sync = (await gql('{ verifyEvents(from: 1, to: 200000) { ok checked } }')).verifyEvents;
const syncSeconds = (Date.now() - syncStarted) / 1000;
log(`verifyEvents over 200,000 events: ${syncSeconds} s`);
gateway.child.kill('SIGTERM');

// ---- the command line ---------------------------------------------------------------------
const cliStarted = Date.now();
const cli = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/cli/verify.ts', '--account', ACCOUNT, '--json'], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: benchUrl.toString(), DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.on('exit', (code) => resolve({ code, stdout }));
});
const cliSeconds = (Date.now() - cliStarted) / 1000;
const cliResult = JSON.parse(cli.stdout) as { ok: boolean; checked: number };
log(`npm run verify: ${cliResult.checked} events in ${cliSeconds} s`);
await db.close();

const perSecond = (events: number, seconds: number) => Math.round(events / seconds);
const table = [
  ['measure', 'events', 'seconds', 'events/s', 'vs baseline'],
  ['baseline: rows read through pg, hashed as sent', raw.result.events, raw.result.seconds, raw.result.perSecond, '1.00'],
  ['gateway: startChainVerification (background)', job!.result.checked, round(jobSeconds, 2), perSecond(job!.result.checked, jobSeconds), (perSecond(job!.result.checked, jobSeconds) / raw.result.perSecond).toFixed(2)],
  ['npm run verify -- --account (with its start)', cliResult.checked, round(cliSeconds, 2), perSecond(cliResult.checked, cliSeconds), (perSecond(cliResult.checked, cliSeconds) / raw.result.perSecond).toFixed(2)],
  ['verifyEvents(from: 1, to: 200000)', sync.checked, round(syncSeconds, 2), perSecond(sync.checked, syncSeconds), (perSecond(sync.checked, syncSeconds) / raw.result.perSecond).toFixed(2)],
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
for (const row of table) console.log(row.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
console.log(`target: >= 50,000 events/s for the whole chain of ${head} events; machine: ${os.cpus().length} cores`);

const results = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30, 1) },
  chain: head,
  generation,
  baseline: { ...raw.result, cpuMicrosPerEvent: round((raw.micros.client! + raw.micros.postgres!) / raw.result.events, 1) },
  gateway: { events: job!.result.checked, seconds: jobSeconds, perSecond: perSecond(job!.result.checked, jobSeconds), reported: job!.eventsPerSecond, progress: samples, cpuMicrosPerEvent: round((gatewayCpu.gateway! + gatewayCpu.postgres!) / job!.result.checked, 1) },
  cli: { events: cliResult.checked, seconds: cliSeconds, perSecond: perSecond(cliResult.checked, cliSeconds), exitCode: cli.code },
  verifyEvents: { events: sync.checked, seconds: syncSeconds },
};
const dir = path.join(projectRoot, 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = path.join(dir, `verify-${results.at.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${path.relative(projectRoot, file)}`);
