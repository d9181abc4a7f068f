// Opens the database the configuration names: a PostgreSQL server (DATABASE_URL) or the
// embedded one. One `pg` pool serves Prisma (through its driver adapter), the schema engine
// and the hand-written SQL of the hot paths.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { StartupError } from '../errors/startup-error.js';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logging/logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { ScopedPool } from './work-scope.js';

export { PrismaClient };

export interface Database {
  kind: 'server' | 'embedded';
  /** Printable description; never contains the password. */
  label: string;
  /** The server's connection URL (for connections outside the pool, e.g. LISTEN); null when embedded. */
  url: string | null;
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export type DatabaseOptions = Pick<Config, 'database' | 'poolSize' | 'connectTimeoutMs' | 'statementTimeoutMs'> & Partial<Pick<Config, 'workLimits' | 'parallelWorkers'>>;

export async function openDatabase(config: DatabaseOptions, log: Logger): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let poolConfig: pg.PoolConfig;
  let label: string;
  if (config.database.kind === 'server') {
    const url = new URL(config.database.url);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    label = `PostgreSQL server ${url.hostname}:${url.port || '5432'}/${name}` +
      (url.username ? ` as ${decodeURIComponent(url.username)}${url.password ? ' (password ****)' : ''}` : '');
    poolConfig = {
      connectionString: config.database.url,
      max: config.poolSize,
      // One statement, one core (by default): PostgreSQL's parallel workers would let one
      // account's heavy query take every core of the server from the other accounts.
      ...(config.parallelWorkers !== undefined ? { options: `-c max_parallel_workers_per_gather=${config.parallelWorkers}` } : {}),
    };
  } else {
    embedded = await startEmbeddedPostgres(config.database.dataDir);
    label = `embedded PostgreSQL (PGlite) in ${embedded.dataPath}`;
    // PGlite runs one statement at a time: more connections would only queue there.
    poolConfig = { host: embedded.host, port: embedded.port, user: 'postgres', database: 'postgres', max: 1 };
  }
  const options: pg.PoolConfig = {
    ...poolConfig,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'audit-gateway',
    statement_timeout: config.statementTimeoutMs,
  };
  const pool = new ScopedPool(options);
  // Cancelling an abandoned operation's statements goes over a connection of its own: the
  // pool may be full of exactly those statements. The embedded database serves one
  // connection, the busy one, so there it cannot be done (its statement timeout still holds).
  const canceller = embedded ? null : new pg.Pool({ ...options, max: 1, application_name: 'audit-gateway cancel' });
  canceller?.on('error', () => undefined);
  pool.configureWork(config.workLimits ?? { perAccount: Number.MAX_SAFE_INTEGER, perOperation: Number.MAX_SAFE_INTEGER }, canceller && ((pid) => canceller.query('SELECT pg_cancel_backend($1)', [pid])));
  // An idle connection dropped by the server (restart, failover) must not crash the process.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));
  // A connection that breaks while checked out (between the statements of a transaction,
  // say) emits 'error' on its client, where no one listens: that would end the process.
  // The statement that uses it next fails and the pool discards it.
  pool.on('connect', (client) => client.on('error', (error) => log.debug({ err: error }, 'database connection failed while in use')));

  try {
    await waitUntilReachable(pool, label, config.connectTimeoutMs);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await canceller?.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }

  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    kind: embedded ? 'embedded' : 'server',
    label,
    url: config.database.kind === 'server' ? config.database.url : null,
    pool,
    prisma,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await canceller?.end().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

/** Retries briefly (a server that is just starting), then explains what is wrong. */
async function waitUntilReachable(pool: pg.Pool, label: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      if (e.code === '28P01' || e.code === '28000') {
        throw new StartupError(`${label} refused the credentials (${e.message}); check the user and password in DATABASE_URL`);
      }
      if (e.code === '3D000') {
        throw new StartupError(`${label}: ${e.message}; create it first (createdb) or fix the database name in DATABASE_URL`);
      }
      if (Date.now() >= deadline) {
        const reason = e.code ?? e.message?.split('\n')[0] ?? String(error);
        throw new StartupError(
          `cannot reach ${label} (${reason}) within ${timeoutMs} ms; check DATABASE_URL and that the server is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
