// What the benchmarks that run real gateway processes share: a database of their own next
// to the one DATABASE_URL names (migrated, seeded), and gateway processes on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
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

/** Creates the database when missing, migrates and seeds it; returns it with its managers. */
export async function openBenchDatabase(url: URL, poolSize: number): Promise<{ db: Database; managers: ReturnType<typeof createManagers> }> {
  const name = url.pathname.slice(1);
  const adminUrl = new URL(process.env.DATABASE_URL!);
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const db = await openDatabase({ database: { kind: 'server', url: url.toString() }, poolSize, connectTimeoutMs: 5000, statementTimeoutMs: 600_000 }, createLogger('warn'));
  await applyPendingMigrations(db.pool);
  const managers = createManagers(db, createLogger('warn'));
  await seedDatabase(managers);
  return { db, managers };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Starts `npm start`'s entry on a free port with `env` and waits until it is ready. */
export async function startGatewayProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', RATE_LIMIT_PER_SECOND: '1000000', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const deadline = Date.now() + 60_000; ; ) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {
      // starting
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}
