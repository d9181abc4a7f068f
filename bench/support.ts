// What the benchmarks that run real gateway processes share: a database of their own next
// to the one DATABASE_URL names (migrated, seeded), and gateway processes on free ports.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { projectRoot } from '../src/config/paths.js';
import { openDatabase, type Database } from '../src/database/database.js';
import { applyPendingMigrations } from '../src/database/migrations.js';
import { createManagers, seedDatabase } from '../src/gateway.js';
import { createLogger } from '../src/logging/logger.js';

/** The server URL of DATABASE_URL with another database name; exits when it is unset. */
export function benchDatabaseUrl(script: string, name: string): URL {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    console.error(`error: npm run ${script} needs DATABASE_URL (a PostgreSQL server)`);
    process.exit(1);
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url;
}

/**
 * Creates the database when missing (again when `fresh`), migrates and seeds it; returns it
 * with its managers.
 */
export async function openBenchDatabase(url: URL, poolSize: number, options: { fresh?: boolean } = {}): Promise<{ db: Database; managers: ReturnType<typeof createManagers> }> {
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL! });
  await admin.connect();
  if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const db = await openDatabase({ database: { kind: 'server', url: url.toString() }, poolSize, connectTimeoutMs: 5000, statementTimeoutMs: 600_000 }, createLogger('warn'));
  await applyPendingMigrations(db.pool);
  const managers = createManagers(db, createLogger('warn'));
  await seedDatabase(managers);
  return { db, managers };
}

/**
 * Generates events for `account` until it holds `total` (besides the ones earlier ingest
 * measurements added, ids `ingest-...`), with npm run events:generate; null when it already did.
 */
export async function ensureEvents(url: URL, pool: pg.Pool, account: string, total: number, log: (...args: unknown[]) => void): Promise<{ events: number; seconds: number; perSecond: number } | null> {
  const have = Number((await pool.query("SELECT count(*) FROM events WHERE account_id = $1 AND id NOT LIKE 'ingest-%'", [account])).rows[0].count);
  if (have >= total) return null;
  log(`generating ${total - have} events (have ${have})`);
  const started = Date.now();
  const args = ['--count', String(total - have), '--seed', String(1000 + have), '--concurrency', '4', '--account', account];
  const gen = spawn(process.execPath, ['--import', 'tsx', 'src/cli/events-generate.ts', ...args], { cwd: projectRoot, env: { ...process.env, DATABASE_URL: url.toString() }, stdio: ['ignore', 'inherit', 'inherit'] });
  const [code] = await once(gen, 'exit');
  if (code !== 0) throw new Error('event generation failed');
  const seconds = (Date.now() - started) / 1000;
  return { events: total - have, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round((total - have) / seconds) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Polls `url` until it answers 2xx (bounded); fails early when `child` exits. */
export async function waitUntilReady(url: string, child?: ChildProcess, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    if (child?.exitCode != null || Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The V8 flags `npm start` runs the gateway with (package.json), so a benchmark runs it the same way. */
function gatewayNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts.start;
  return start.split(/\s+/).filter((token) => token.startsWith('--max-'));
}

/**
 * Starts `npm start`'s entry on a free port with `env` and waits until it is ready. With
 * `profileDir`, the gateway writes a CPU profile there when it exits (node --cpu-prof).
 */
export async function startGatewayProcess(env: Record<string, string>, profileDir?: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...gatewayNodeFlags(), ...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', RATE_LIMIT_PER_SECOND: '1000000', QUERY_COST_PER_SECOND: '1000000000', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntilReady(`http://127.0.0.1:${port}/readyz`, child);
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

/** The value below which `p` percent of the sorted samples lie. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Clock ticks per second of /proc's CPU times. */
let ticksPerSecond: number | undefined;
const clockTicks = () => (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux). */
export function processCpuMicros(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks();
}

/** CPU time used so far by each PostgreSQL process of the machine (backends and background workers alike), by pid. */
function postgresCpuMicros(): Map<number, number> {
  const used = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') used.set(Number(entry), processCpuMicros(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return used;
}

/**
 * What PostgreSQL's processes used between two readings: processes that started meanwhile
 * count whole; a process that ended meanwhile is missed for its last part.
 */
function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}

/** The machine's idle time so far (idle and waiting for I/O, all cores), in µs, from /proc/stat. */
function machineIdleMicros(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  return ((Number(fields[4]) + Number(fields[5])) * 1e6) / clockTicks();
}

/**
 * CPU time spent while `work` runs, in µs: by each process of `pids`, by PostgreSQL, and by
 * this process (the load generator or raw client); and `idle`, the time the machine's cores
 * were idle meanwhile. Where a measure says how fast, this says what it cost: on a machine
 * whose cores are all busy, the two are the same question (and idle time says they were not).
 */
export async function cpuDuring<T>(pids: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; micros: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMicros(pid)]));
  const postgres = postgresCpuMicros();
  const idle = machineIdleMicros();
  const client = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(client);
  const micros: Record<string, number> = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMicros(pid) - before[name]!]));
  micros.postgres = postgresCpuBetween(postgres, postgresCpuMicros());
  micros.client = used.user + used.system;
  micros.idle = machineIdleMicros() - idle;
  return { result, micros };
}

/** Adds `micros` into `total`, name by name. */
export function addMicros(total: Record<string, number>, micros: Record<string, number>): void {
  for (const [name, value] of Object.entries(micros)) total[name] = (total[name] ?? 0) + value;
}

/** µs per unit (request, row), rounded to 0.1. */
export function perUnit(total: Record<string, number>, units: number): Record<string, number> {
  return Object.fromEntries(Object.entries(total).map(([name, value]) => [name, Math.round((value / units) * 10) / 10]));
}
