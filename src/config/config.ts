// Configuration comes from the environment only, validated once at start. A wrong value
// stops the gateway with one line naming the variable and what is expected.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce
  .number({ error: 'must be a port number (0-65535)' })
  .int('must be a whole port number (0-65535)')
  .min(0, 'must be a port number (0-65535)')
  .max(65535, 'must be a port number (0-65535)');

const positiveInt = (what: string) =>
  z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const databaseUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const url = new URL(v);
        return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'must be a PostgreSQL URL such as postgresql://user:password@host:5432/database' },
  );

/** Every variable the gateway reads, with its default. The README's table mirrors this. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], {
    error: 'must be development, production or test',
  }).default('development'),
  HOST: z.string().min(1, 'must be a host name or address').default('0.0.0.0'),
  PORT: port.default(4000),
  DATABASE_URL: databaseUrl.optional(),
  DATA_DIR: z.string().min(1, 'must be a folder path').default('.data'),
  DATABASE_POOL_SIZE: positiveInt('a positive whole number of connections').default(10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt('a positive number of milliseconds').default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt('a positive number of milliseconds').default(30000),
  DATABASE_PREPARED_STATEMENTS: flag.default(true),
  // One operation of an account at work in the database at a time: on a server of a few cores,
  // two heavy queries of one account already slow every other account's (bench:fairness).
  DATABASE_CONNECTIONS_PER_ACCOUNT: positiveInt('a positive whole number of operations').default(1),
  DATABASE_CONNECTIONS_PER_OPERATION: positiveInt('a positive whole number of connections').default(2),
  DATABASE_PARALLEL_WORKERS: z.coerce.number({ error: 'must be a whole number, 0 or more' }).int('must be a whole number, 0 or more').min(0, 'must be a whole number, 0 or more').default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }).default('auto'),
  SHUTDOWN_GRACE_MS: positiveInt('a positive number of milliseconds')
    .max(9000, 'must be at most 9000 so that shutdown ends within 10 s')
    .default(8000),
  GRAPHQL_INTROSPECTION: flag.optional(),
  GRAPHQL_LANDING_PAGE: flag.optional(),
  BODY_LIMIT_BYTES: positiveInt('a positive number of bytes').default(8 * 1024 * 1024),
  EVENTS_COUNT_CAP: positiveInt('a positive number of events').default(10_000),
  ROLLUP_COMPACTION_INTERVAL_MS: positiveInt('a positive number of milliseconds').default(60_000),
  GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js'], { error: 'must be jit or graphql-js' }).default('jit'),
  GRAPHQL_PREPARED_PATH: flag.default(true),
  WORKERS: positiveInt('a positive whole number of processes').max(64, 'must be at most 64').default(1),
  ROUTES_PER_ACCOUNT: positiveInt('a positive whole number').default(10),
  RULES_PER_ROUTE: positiveInt('a positive whole number').default(30),
  LOCATIONS_PER_RULE: positiveInt('a positive whole number').default(8),
  TARGETS_PER_RULE: positiveInt('a positive whole number').default(3),
  REPLAY_MAX_EVENTS: positiveInt('a positive whole number').default(100_000),
  DELIVERY_WORKER: flag.default(true),
  DELIVERY_TIMEOUT_MS: positiveInt('a positive number of milliseconds').default(5000),
  DELIVERY_MAX_ATTEMPTS: positiveInt('a positive whole number').default(8),
  DELIVERY_BACKOFF_MS: positiveInt('a positive number of milliseconds').default(1000),
  DELIVERY_BACKOFF_MAX_MS: positiveInt('a positive number of milliseconds').default(300_000),
  DELIVERY_POLL_MS: positiveInt('a positive number of milliseconds').default(500),
  DELIVERY_BATCH_SIZE: positiveInt('a positive whole number').max(1000, 'must be at most 1000').default(100),
  DELIVERY_LEASE_MS: positiveInt('a positive number of milliseconds').optional(),
  DELIVERY_ALLOWED_HOSTS: z.string().optional(),
  DELIVERY_ALLOW_HTTP: flag.optional(),
  SECRETS_KEY: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9+/]{43}=$/.test(v), { message: 'must be 32 bytes in base64 (44 characters; openssl rand -base64 32)' })
    .optional(),
  SECRETS_KEY_FILE: z.string().min(1).optional(),
  OPERATOR_ACCOUNT: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be an account id: 1 to 64 lowercase letters, digits, ".", "_" or "-"').default('local'),
  RATE_LIMIT_PER_SECOND: positiveInt('a positive whole number of operations').default(200),
  QUERY_COST_PER_SECOND: positiveInt('a positive whole number').default(200_000),
  ACCOUNT_QUERY_COST_PER_SECOND: positiveInt('a positive whole number').optional(),
  MAX_QUERY_DEPTH: positiveInt('a positive whole number').default(12),
  MAX_ALIASES: positiveInt('a positive whole number').default(30),
  MAX_OPERATIONS: positiveInt('a positive whole number').default(10),
  MAX_QUERY_COST: positiveInt('a positive whole number').default(100_000),
  EXECUTION_TIMEOUT_MS: positiveInt('a positive number of milliseconds').default(15_000),
  CHECKPOINT_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key (PKCS#8, Ed25519)' }).optional(),
  CHECKPOINT_KEY_FILE: z.string().min(1).optional(),
  CHECKPOINT_TRUSTED_KEYS: z.string().includes('PUBLIC KEY', { message: 'must hold one or more PEM public keys (Ed25519)' }).optional(),
  CHECKPOINT_TRUSTED_KEYS_FILE: z.string().min(1).optional(),
  CHECKPOINT_LOG_FILE: z.string().min(1).optional(),
  CHECKPOINT_INTERVAL_MS: positiveInt('a positive number of milliseconds').default(60_000),
  VERIFY_MAX_EVENTS: positiveInt('a positive whole number').default(200_000),
  VERIFY_WORKERS: positiveInt('a positive whole number of threads').max(64, 'must be at most 64').optional(),
  SUBSCRIPTION_BUFFER_BYTES: positiveInt('a positive number of bytes').default(1024 * 1024),
  SUBSCRIPTION_STALL_MS: positiveInt('a positive number of milliseconds').default(10_000),
  SUBSCRIPTION_KEY_RECHECK_MS: positiveInt('a positive number of milliseconds').default(15_000),
  SUBSCRIPTIONS_MAX: positiveInt('a positive whole number').default(1000),
  SUBSCRIPTIONS_PER_CONNECTION: positiveInt('a positive whole number').default(20),
});

export type DatabaseTarget =
  | { kind: 'server'; url: string }
  | { kind: 'embedded'; dataDir: string };

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  database: DatabaseTarget;
  /** Folder for local state: the embedded database, delivery spools, the lock file. */
  dataDir: string;
  poolSize: number;
  /** Whether ingest's statement, the page queries and the stats statements are prepared once per connection (a server only; off behind a pooler that cannot keep them). */
  preparedStatements: boolean;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Operations of one account holding connections at once, and connections of one operation (database/work-scope.ts). */
  workLimits: { perAccount: number; perOperation: number };
  /** PostgreSQL's parallel workers per statement of the gateway's connections (max_parallel_workers_per_gather). */
  parallelWorkers: number;
  logLevel: string;
  /** json: JSON lines; pretty: a banner and lines people read; auto: pretty on a terminal, else json. */
  logFormat: 'auto' | 'json' | 'pretty';
  shutdownGraceMs: number;
  introspection: boolean;
  landingPage: boolean;
  bodyLimitBytes: number;
  /** totalCount of events is exact up to this many, then estimated. */
  eventsCountCap: number;
  /** How often the rollups' writer shards of past buckets are folded into one row. */
  rollupCompactionIntervalMs: number;
  /** Compiled execution plans (graphql-jit) or graphql-js itself. */
  executor: 'jit' | 'graphql-js';
  /** Operations Apollo has accepted before skip its request pipeline (server/prepared-path.ts). */
  preparedPath: boolean;
  /** Gateway processes sharing the port (a PostgreSQL server is needed for more than 1). */
  workers: number;
  /** The account whose admins own the shared catalog (and the embedded setup's admin key). */
  operatorAccount: string;
  /** Operations per second per API key. */
  ratePerSecond: number;
  /** Query cost a key, and an account's keys together, may spend per second. */
  costPerSecond: { key: number; account: number };
  queryLimits: { maxDepth: number; maxAliases: number; maxOperations: number; maxCost: number };
  executionTimeoutMs: number;
  integrity: {
    /** PEM of the Ed25519 checkpoint key, or null to use `keyFile`. */
    keyPem: string | null;
    keyFile: string;
    /** PEM public keys trusted besides the key's own (old keys after a rotation), and a file of more. */
    trustedKeysPem: string | null;
    trustedKeysFile: string | null;
    /** Where every checkpoint is appended as it is made (outside the database). */
    checkpointLog: string;
    checkpointIntervalMs: number;
    verifyMaxEvents: number;
    /** Worker threads a long verification walks its segments in (a server only). */
    verifyWorkers: number;
  };
  /** Bytes of events read ahead for a live-tail subscriber. */
  subscriptionBufferBytes: number;
  /** A subscriber whose buffer is full and that takes nothing for this long is cut off. */
  subscriptionStallMs: number;
  /** Live-tail subscriptions open at once in this process, and on one connection. */
  subscriptionLimits: { total: number; perConnection: number };
  /** How often a WebSocket connection's key is checked again. */
  subscriptionKeyRecheckMs: number;
  routingLimits: { routesPerAccount: number; rulesPerRoute: number; locationsPerRule: number; targetsPerRule: number; replayMaxEvents: number };
  delivery: {
    enabled: boolean;
    timeoutMs: number;
    maxAttempts: number;
    backoffMs: number;
    backoffMaxMs: number;
    pollMs: number;
    batchSize: number;
    /** How long a send may hold its deliveries before another worker takes them. */
    leaseMs: number;
    /** Host names and IP ranges webhooks may reach although internal; whether http (not only https) is allowed. */
    outbound: { allowed: string[]; allowHttp: boolean };
  };
  /** The key that seals targets' secrets: base64 from SECRETS_KEY, else read from (or made in) `file`. */
  secrets: { keyBase64: string | null; file: string };
}

/** Reads and validates the configuration; throws ConfigError with one readable line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // Empty strings count as unset, as in most process managers.
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in envSchema.shape && value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const given = present[name];
    const shown = name === 'DATABASE_URL' && given ? maskUrl(given) : given;
    throw new ConfigError(`${name} ${issue.message}${shown !== undefined ? ` (got "${shown}")` : ''}`);
  }
  const e = parsed.data;
  if (e.WORKERS > 1 && !e.DATABASE_URL) {
    throw new ConfigError(`WORKERS ${e.WORKERS} needs DATABASE_URL: the embedded database serves one process (got WORKERS=${e.WORKERS} without DATABASE_URL)`);
  }
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const production = e.NODE_ENV === 'production';
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    database: e.DATABASE_URL ? { kind: 'server', url: e.DATABASE_URL } : { kind: 'embedded', dataDir },
    dataDir,
    poolSize: e.DATABASE_POOL_SIZE,
    preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    workLimits: { perAccount: e.DATABASE_CONNECTIONS_PER_ACCOUNT, perOperation: e.DATABASE_CONNECTIONS_PER_OPERATION },
    parallelWorkers: e.DATABASE_PARALLEL_WORKERS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    introspection: e.GRAPHQL_INTROSPECTION ?? !production,
    landingPage: e.GRAPHQL_LANDING_PAGE ?? !production,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    eventsCountCap: e.EVENTS_COUNT_CAP,
    rollupCompactionIntervalMs: e.ROLLUP_COMPACTION_INTERVAL_MS,
    executor: e.GRAPHQL_EXECUTOR,
    preparedPath: e.GRAPHQL_PREPARED_PATH && e.GRAPHQL_EXECUTOR === 'jit',
    workers: e.WORKERS,
    operatorAccount: e.OPERATOR_ACCOUNT,
    ratePerSecond: e.RATE_LIMIT_PER_SECOND,
    costPerSecond: { key: e.QUERY_COST_PER_SECOND, account: e.ACCOUNT_QUERY_COST_PER_SECOND ?? 2 * e.QUERY_COST_PER_SECOND },
    queryLimits: { maxDepth: e.MAX_QUERY_DEPTH, maxAliases: e.MAX_ALIASES, maxOperations: e.MAX_OPERATIONS, maxCost: e.MAX_QUERY_COST },
    executionTimeoutMs: e.EXECUTION_TIMEOUT_MS,
    integrity: {
      keyPem: e.CHECKPOINT_KEY ?? null,
      keyFile: path.resolve(cwd, e.CHECKPOINT_KEY_FILE ?? path.join(e.DATA_DIR, 'checkpoint-ed25519.pem')),
      trustedKeysPem: e.CHECKPOINT_TRUSTED_KEYS ?? null,
      trustedKeysFile: e.CHECKPOINT_TRUSTED_KEYS_FILE ? path.resolve(cwd, e.CHECKPOINT_TRUSTED_KEYS_FILE) : null,
      checkpointLog: path.resolve(cwd, e.CHECKPOINT_LOG_FILE ?? path.join(e.DATA_DIR, 'checkpoints.ndjson')),
      checkpointIntervalMs: e.CHECKPOINT_INTERVAL_MS,
      verifyMaxEvents: e.VERIFY_MAX_EVENTS,
      verifyWorkers: e.VERIFY_WORKERS ?? os.availableParallelism(),
    },
    subscriptionBufferBytes: e.SUBSCRIPTION_BUFFER_BYTES,
    subscriptionStallMs: e.SUBSCRIPTION_STALL_MS,
    subscriptionLimits: { total: e.SUBSCRIPTIONS_MAX, perConnection: e.SUBSCRIPTIONS_PER_CONNECTION },
    subscriptionKeyRecheckMs: e.SUBSCRIPTION_KEY_RECHECK_MS,
    routingLimits: {
      routesPerAccount: e.ROUTES_PER_ACCOUNT,
      rulesPerRoute: e.RULES_PER_ROUTE,
      locationsPerRule: e.LOCATIONS_PER_RULE,
      targetsPerRule: e.TARGETS_PER_RULE,
      replayMaxEvents: e.REPLAY_MAX_EVENTS,
    },
    delivery: {
      enabled: e.DELIVERY_WORKER,
      timeoutMs: e.DELIVERY_TIMEOUT_MS,
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      backoffMs: e.DELIVERY_BACKOFF_MS,
      backoffMaxMs: e.DELIVERY_BACKOFF_MAX_MS,
      pollMs: e.DELIVERY_POLL_MS,
      batchSize: e.DELIVERY_BATCH_SIZE,
      leaseMs: e.DELIVERY_LEASE_MS ?? 2 * e.DELIVERY_TIMEOUT_MS + 5000,
      outbound: { allowed: (e.DELIVERY_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean), allowHttp: e.DELIVERY_ALLOW_HTTP ?? !production },
    },
    secrets: { keyBase64: e.SECRETS_KEY ?? null, file: path.resolve(cwd, e.SECRETS_KEY_FILE ?? path.join(e.DATA_DIR, 'secrets.key')) },
  };
}

/** A database URL safe to print: the password is replaced by ****. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:****@');
  }
}
