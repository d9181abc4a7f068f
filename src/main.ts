// `npm start`: read the configuration, start the gateway, stop gracefully on SIGTERM/SIGINT.
// With WORKERS > 1 this process forks that many gateway processes sharing the port
// (node:cluster) and only supervises them.
import cluster from 'node:cluster';
import net from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { StartupError } from './errors/startup-error.js';
import { startGateway, type Gateway } from './gateway.js';
import { createLogger, createPrettyLogger, type Logger } from './logging/logger.js';

const HARD_STOP_MS = 9500;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}

// On a terminal (or LOG_FORMAT=pretty): a banner and log lines people read; else JSON lines.
const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
const log = pretty ? createPrettyLogger(config.logLevel) : createLogger(config.logLevel);
process.on('uncaughtException', (error) => {
  log.fatal({ err: error }, 'uncaught exception; exiting');
  log.flush();
  process.exit(1);
});
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));

if (config.workers > 1 && cluster.isPrimary) await supervise(config, log);
else await serve(config, log);

/** How to make another admin key (the embedded database is the running gateway's alone). */
function anotherKey(config: Config): string {
  const database = config.database.kind === 'embedded' ? 'stop the gateway, then ' : '';
  return `${database}npm run keys:create -- --role admin --account ${config.operatorAccount}`;
}

/** The first start's admin key, the moment it exists: shown once (only its hash is stored). */
function showAdminKey(config: Config, key: string): void {
  if (!pretty) {
    log.warn(
      { key, account: config.operatorAccount },
      `admin key of this embedded database, shown once (only its hash is stored): send "Authorization: Bearer <key>"; in GraphiQL or Apollo Sandbox, add it under Headers. Another: ${anotherKey(config)}`,
    );
    return;
  }
  console.log(
    [
      '',
      '  Admin key of this embedded database, shown once (only its hash is stored):',
      `    ${key}`,
      '  Send it as "Authorization: Bearer <key>" (in GraphiQL or Apollo Sandbox: the Headers tab).',
      '',
    ].join('\n'),
  );
}

/** A terminal's summary of a started gateway. */
function banner(config: Config, gateway: Gateway): string {
  const { applied, total } = gateway.migrations;
  const base = gateway.url.replace(/\/graphql$/, '');
  const rows: Array<[string, string]> = [
    ['GraphQL', `${gateway.url}${config.landingPage ? '  (Apollo Sandbox in a browser)' : ''}`],
    ...(config.landingPage ? ([['GraphiQL', `${base}/graphiql  (served by the gateway, works offline)`]] as Array<[string, string]>) : []),
    ['Database', gateway.db.label],
    ['Migrations', applied.length ? `applied ${applied.length} now, ${total} in all` : `up to date (${total})`],
    ['Admin key', gateway.localAdminKey ? 'printed above, once' : `made at the first start; another: ${anotherKey(config)}`],
    ['Stop', 'Ctrl+C'],
  ];
  return ['', '  Audit query gateway is running', ...rows.map(([name, value]) => `  ${name.padEnd(12)}${value}`), ''].join('\n');
}

/** One gateway in this process. */
async function serve(config: Config, log: Logger): Promise<void> {
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, log, { onAdminKey: (key) => showAdminKey(config, key), listenFirst: !cluster.isWorker });
  } catch (error) {
    log.flush();
    if (error instanceof StartupError) {
      console.error(`error: ${error.message}`);
    } else {
      log.error({ err: error }, 'start failed');
      console.error(`error: the gateway could not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    process.exit(1);
  }

  if (pretty) console.log(banner(config, gateway));
  else {
    log.info({ url: gateway.url }, `GraphQL endpoint: ${gateway.url}`);
    if (config.landingPage) log.info({ url: gateway.url.replace(/\/graphql$/, '/graphiql') }, `GraphiQL (offline explorer): ${gateway.url.replace(/\/graphql$/, '/graphiql')}`);
    log.info({ database: gateway.db.kind }, `database: ${gateway.db.label}`);
    const { applied, total } = gateway.migrations;
    log.info(
      { applied, total },
      applied.length
        ? `migrations: applied ${applied.length} now (${applied.join(', ')}); ${total} in all`
        : `migrations: up to date (${total} applied, none pending)`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const hardStop = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      log.flush();
      process.exit(1);
    }, HARD_STOP_MS);
    hardStop.unref();
    try {
      await gateway.stop();
      log.info('stopped');
      log.flush();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error while stopping');
      log.flush();
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Forks the workers, replaces any that die, and stops them all on a signal. */
/** Whether `port` on `host` can be listened on: a busy one is said before the processes start their slow work. */
function portFree(port: number, host: string): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function supervise(config: Config, log: Logger): Promise<void> {
  const workers = config.workers;
  if (!(await portFree(config.port, config.host))) {
    console.error(`error: port ${config.port} is already in use on ${config.host}; stop the other process or set PORT`);
    process.exit(1);
  }
  let stopping = false;
  const started = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
  };
  log.info({ workers }, `starting ${workers} gateway processes`);
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('stopped');
        log.flush();
        process.exit(0);
      }
      return;
    }
    // A worker that dies right after starting (bad configuration, database down) would only
    // die again: stop everything instead of looping.
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    log.error({ pid: worker.process.pid, code, signal, lived }, 'a gateway process exited');
    if (lived < 10_000) {
      log.error('the gateway process failed while starting; stopping');
      stopAll('failed start', 1);
      return;
    }
    fork();
  });
  const stopAll = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping the gateway processes');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => {
      log.flush();
      process.exit(code || 1);
    }, HARD_STOP_MS).unref();
    if (code) setTimeout(() => process.exit(code), 2000).unref();
  };
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
}
