// `npm start`: read the configuration, start the gateway, stop gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { StartupError } from './errors/startup-error.js';
import { startGateway, type Gateway } from './gateway.js';
import { createLogger } from './logging/logger.js';

const HARD_STOP_MS = 9500;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}

const log = createLogger(config.logLevel);
process.on('uncaughtException', (error) => {
  log.fatal({ err: error }, 'uncaught exception; exiting');
  log.flush();
  process.exit(1);
});
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));

let gateway: Gateway;
try {
  gateway = await startGateway(config, log);
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

log.info({ url: gateway.url }, `GraphQL endpoint: ${gateway.url}`);
log.info({ database: gateway.db.kind }, `database: ${gateway.db.label}`);
const { applied, total } = gateway.migrations;
log.info(
  { applied, total },
  applied.length
    ? `migrations: applied ${applied.length} now (${applied.join(', ')}); ${total} in all`
    : `migrations: up to date (${total} applied, none pending)`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
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
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
