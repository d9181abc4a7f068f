// The composition root: opens the database, migrates and seeds it, builds the domain
// managers and the GraphQL schema, and serves HTTP. main.ts and the tests both start the
// gateway through here.
// type-graphql's decorators need the metadata API before any GraphQL type module loads.
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createAuditTrail, type AuditTrail } from './audit/audit-trail.js';
import { gatewayServiceDocument } from './audit/gateway-service.js';
import { checkAccessRules } from './auth/access.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createAdmission } from './server/admission.js';
import { createExplorer } from './server/explorer/explorer.js';
import { createKeysManager } from './auth/keys.manager.js';
import { createKeysStore } from './auth/keys.store.js';
import { toolPrincipal } from './auth/principal.js';
import { createCatalogManager } from './catalog/catalog.manager.js';
import { createCatalogStore } from './catalog/catalog.store.js';
import type { Config } from './config/config.js';
import { seedCatalogPath } from './config/paths.js';
import { openDatabase, type Database } from './database/database.js';
import { applyPendingMigrations, localMigrationNames, pendingMigrationNames, type MigrationReport } from './database/migrations.js';
import { StartupError } from './errors/startup-error.js';
import { createEventsManager } from './events/events.manager.js';
import { createEventsStore } from './events/events.store.js';
import { createIntegrityManager } from './integrity/integrity.manager.js';
import { createIntegrityStore } from './integrity/integrity.store.js';
import { loadSigner } from './integrity/signer.js';
import { configuredTrustedKeys } from './integrity/trust.js';
import type { Logger } from './logging/logger.js';
import { startDeliveryWorker } from './routing/delivery.worker.js';
import { createRoutingManager } from './routing/routing.manager.js';
import { createRoutingStore } from './routing/routing.store.js';
import { createOutboundPolicy, type OutboundPolicy } from './routing/outbound.js';
import { loadSecretBox, type SecretBox } from './secrets/secret-box.js';
import { createApollo } from './server/apollo.js';
import { createTailManager } from './tail/tail.manager.js';
import { createTailNotifier, type TailNotifier } from './tail/tail.notifier.js';
import { createRequestContext, type Managers } from './server/context.js';
import { createRequestHandler, type Readiness } from './server/http-server.js';
import { compiledExecution } from './server/executor.js';
import { createPreparedPath } from './server/prepared-path.js';
import { serveSubscriptions } from './server/websocket.js';
import { startUpkeep } from './server/upkeep.js';
import { createErrorFormatter } from './errors/format.js';
import { buildGatewaySchema } from './server/schema.js';

export interface Gateway {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  port: number;
  db: Database;
  migrations: MigrationReport;
  managers: ReturnType<typeof createManagers>;
  /** The admin key made at the first start of an embedded database (shown once), else null. */
  localAdminKey: string | null;
  stop(): Promise<void>;
}

export interface ManagerOptions {
  eventsCountCap?: number;
  /** Prepare ingest's statement, the page queries and the stats statements once per connection (on a server; default true). */
  preparedStatements?: boolean;
  routingLimits?: Config['routingLimits'];
  operatorAccount?: string;
  /** The checkpoint key's source and the verification limit (defaults: a key file in .data). */
  integrity?: Pick<Config['integrity'], 'keyPem' | 'keyFile' | 'verifyMaxEvents' | 'verifyWorkers' | 'trustedKeysPem' | 'trustedKeysFile' | 'checkpointLog'>;
  /** The server's limit for one statement (what the verification workers' connections get too). */
  statementTimeoutMs?: number;
  /** The key that seals targets' secrets (default: a key file in .data). */
  secrets?: Config['secrets'];
  /** Where webhooks may point (default: public addresses, http allowed). */
  outbound?: Config['delivery']['outbound'];
  /** Bytes read ahead for a live-tail subscriber, and how long a full buffer may sit untaken. */
  subscriptionBufferBytes?: number;
  subscriptionStallMs?: number;
}

/** The managers' settings from the configuration (the gateway's and the tools' alike). */
export function managerOptions(config: Config): ManagerOptions {
  return {
    eventsCountCap: config.eventsCountCap,
    preparedStatements: config.preparedStatements,
    routingLimits: config.routingLimits,
    operatorAccount: config.operatorAccount,
    integrity: config.integrity,
    statementTimeoutMs: config.statementTimeoutMs,
    secrets: config.secrets,
    outbound: config.delivery.outbound,
    subscriptionBufferBytes: config.subscriptionBufferBytes,
    subscriptionStallMs: config.subscriptionStallMs,
  };
}

/** The domain managers on one database, wired to the gateway's own audit trail. */
export function createManagers(db: Database, log: Logger, options: ManagerOptions = {}): Managers & { audit: AuditTrail; notifier: TailNotifier; secrets: SecretBox; outbound: OutboundPolicy } {
  const audit = createAuditTrail({ prisma: db.prisma, log });
  // A change's audit record is in `events` by the time the change is answered.
  const onWrite = () => audit.afterChange();
  const catalog = createCatalogManager({ store: createCatalogStore(db.prisma), log, audit: audit.record, onWrite });
  const events = createEventsManager({ store: createEventsStore(db.pool, { prepared: db.kind === 'server' && options.preparedStatements !== false }), catalog, log, countCap: options.eventsCountCap });
  audit.connect(events);
  const { box: secrets, created } = loadSecretBox(options.secrets ?? { keyBase64: null, file: path.resolve('.data', 'secrets.key') });
  if (created) log.warn({ file: options.secrets?.file }, 'made the key that seals targets\' secrets (keep it: without it they cannot be used)');
  const outbound = createOutboundPolicy(options.outbound ?? { allowed: [], allowHttp: true });
  const routing = createRoutingManager({ store: createRoutingStore(db.prisma, db.pool), catalog, events, log, limits: options.routingLimits, audit: audit.record, onWrite, secrets, outbound });
  const keys = createKeysManager({ store: createKeysStore(db.prisma), audit: audit.record, log, operatorAccount: options.operatorAccount ?? 'local', onWrite });
  const signing = options.integrity ?? { keyPem: null, keyFile: path.resolve('.data', 'checkpoint-ed25519.pem'), verifyMaxEvents: undefined, verifyWorkers: 1, trustedKeysPem: null, trustedKeysFile: null, checkpointLog: path.resolve('.data', 'checkpoints.ndjson') };
  const prepared = db.kind === 'server' && options.preparedStatements !== false;
  const integrity = createIntegrityManager({
    store: createIntegrityStore(db.pool, { prepared }),
    workers: db.url ? { count: signing.verifyWorkers, connection: { connectionString: db.url, statementTimeoutMs: options.statementTimeoutMs ?? 30_000, prepared } } : null,
    log,
    maxVerify: signing.verifyMaxEvents,
    checkpointLog: signing.checkpointLog,
    trusted: () => configuredTrustedKeys({ pem: signing.trustedKeysPem, file: signing.trustedKeysFile }),
    signer: () => {
      const { signer, created } = loadSigner({ pem: signing.keyPem, file: signing.keyFile });
      if (created) log.warn({ file: signing.keyFile, keyId: signer.keyId }, 'made an Ed25519 checkpoint key (keep it: it vouches for the event chain)');
      return signer;
    },
  });
  // Commits of other processes are heard through PostgreSQL; the embedded database has one.
  const notifier = createTailNotifier({ events, log, listenUrl: db.kind === 'server' ? db.url : null });
  const tail = createTailManager({ events, notifier, log }, { bufferBytes: options.subscriptionBufferBytes ?? 1024 * 1024, stallMs: options.subscriptionStallMs ?? 10_000 });
  return { catalog, events, routing, keys, integrity, tail, notifier, audit, secrets, outbound };
}

/** Reference data, the gateway's own catalog service and, on an empty database, the shipped catalog. */
export async function seedDatabase(managers: Managers): Promise<void> {
  await managers.catalog.ensureReferenceData();
  await managers.catalog.seedIfEmpty(JSON.parse(await readFile(seedCatalogPath, 'utf8')));
  await managers.catalog.ensureBuiltIn(gatewayServiceDocument());
}

export interface StartHooks {
  /** Told the admin key of a first start on the embedded database as soon as it exists (it is shown once). */
  onAdminKey?(key: string): void;
  /**
   * Bind the port before the slow work (default). Not for a process of a cluster: the port
   * is shared, and a process still starting would take connections its siblings could answer.
   */
  listenFirst?: boolean;
}

/** What the port answers while the gateway starts: alive, not ready. */
const starting: http.RequestListener = (req, res) => {
  const alive = req.url === '/healthz';
  const body = JSON.stringify(alive ? { status: 'ok' } : { status: 'starting', reason: 'the gateway is starting (migrating and seeding its database)' });
  res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export async function startGateway(config: Config, log: Logger, hooks: StartHooks = {}): Promise<Gateway> {
  // The port first: a busy one is said before the slow work (a first start migrates and
  // seeds for a while), and /healthz answers from the start.
  const httpServer = http.createServer();
  const listenFirst = hooks.listenFirst !== false;
  let port = 0;
  if (listenFirst) {
    httpServer.on('request', starting);
    port = await listen(httpServer, config.port, config.host);
  }
  let db: Database;
  try {
    db = await openDatabase(config, log);
  } catch (error) {
    await closeServer(httpServer);
    throw error;
  }
  try {
    const migrations = await applyPendingMigrations(db.pool, (line) => log.trace({ engine: line }, 'schema engine'));
    const migrationNames = await localMigrationNames();
    const managers = createManagers(db, log, managerOptions(config));
    await seedDatabase(managers);
    await managers.routing.sealStoredSecrets();
    // Zero setup: the embedded database is one user's; give that user an admin key.
    const localAdminKey = db.kind === 'embedded' ? await managers.keys.ensureLocalAdminKey(toolPrincipal('gateway start', config.operatorAccount)) : null;
    if (localAdminKey) hooks.onAdminKey?.(localAdminKey);
    try {
      managers.integrity.publicKeys();
    } catch (error) {
      throw new StartupError(`the checkpoint keys cannot be loaded: ${(error as Error).message}`);
    }
    const schema = await buildGatewaySchema();
    checkAccessRules(schema);
    // Idle keep-alive connections stay open longer than load balancers' usual 60 s, so the
    // client side closes first: a client (or proxy) never sends on a socket this server is
    // closing at that moment (ECONNRESET). Shutdown closes idle connections at once anyway.
    httpServer.keepAliveTimeout = 65_000;
    httpServer.headersTimeout = 66_000;
    const execution = compiledExecution(schema, { compile: config.executor !== 'graphql-js', timeoutMs: config.executionTimeoutMs });
    const authenticator = createAuthenticator({ keys: managers.keys, ratePerSecond: config.ratePerSecond, costPerSecond: config.costPerSecond });
    const admission = createAdmission({ schema, maxCost: config.queryLimits.maxCost, budget: authenticator });
    const explorer = config.landingPage ? createExplorer() : null;
    const apollo = createApollo({
      schema,
      httpServer,
      log,
      introspection: config.introspection,
      explorer,
      shutdownGraceMs: config.shutdownGraceMs,
      execution,
      limits: config.queryLimits,
      admission,
    });
    await apollo.start();
    const subscriptions = serveSubscriptions({
      httpServer,
      path: '/graphql',
      schema,
      managers,
      authenticator,
      log,
      limits: config.queryLimits,
      subscriptionLimits: config.subscriptionLimits,
      bufferBytes: config.subscriptionBufferBytes,
      stallMs: config.subscriptionStallMs,
      keyRecheckMs: config.subscriptionKeyRecheckMs,
      formatError: createErrorFormatter(log),
      admission,
    });

    let stopping = false;
    const readiness = async (): Promise<Readiness> => {
      if (stopping) return { ready: false, reason: 'shutting down' };
      try {
        const pending = await withTimeout(pendingMigrationNames(db.pool, migrationNames), 2000);
        return pending.length ? { ready: false, reason: `${pending.length} migration(s) not applied` } : { ready: true };
      } catch {
        return { ready: false, reason: 'database unreachable' };
      }
    };
    // The background work, then requests: nothing before it can leave it running when a step fails.
    managers.audit.start();
    await managers.integrity.start(config.integrity.checkpointIntervalMs);
    const upkeep = startUpkeep(
      { hours: () => managers.events.foldHourRollups(), shards: () => managers.events.compactRollups(), drops: () => managers.routing.foldDrops() },
      log,
      config.rollupCompactionIntervalMs,
    );
    httpServer.off('request', starting);
    if (!listenFirst) {
      port = await listen(httpServer, config.port, config.host).catch(async (error) => {
        await subscriptions.stop();
        await apollo.stop();
        await managers.audit.stop();
        await managers.integrity.stop();
        await upkeep.stop();
        throw error;
      });
    }
    httpServer.on(
      'request',
      createRequestHandler({
        log,
        bodyLimitBytes: config.bodyLimitBytes,
        maxBatch: config.queryLimits.maxOperations,
        getApollo: () => apollo,
        readiness,
        identify: (req, operations) => authenticator.identify(req, operations),
        createContext: async (request) => createRequestContext(managers, request),
        preparedPath: config.preparedPath ? createPreparedPath({ execution, admission }) : undefined,
        explorer: explorer ?? undefined,
      }),
    );
    const shownHost = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
    const worker = config.delivery.enabled
      ? startDeliveryWorker(
          { store: createRoutingStore(db.prisma, db.pool), events: managers.events, log, secrets: managers.secrets },
          { ...config.delivery, spoolDir: path.join(config.dataDir, 'spool'), soleProcess: db.kind === 'embedded', outbound: managers.outbound },
        )
      : null;
    const unsubscribe = worker ? managers.routing.onDeliveriesQueued(() => worker.wake()) : () => undefined;

    return {
      url: `http://${shownHost}:${port}/graphql`,
      port,
      db,
      migrations,
      managers,
      localAdminKey,
      async stop() {
        if (stopping) return;
        stopping = true;
        // Closes the live tails (subscribers resume elsewhere with their cursor), stops
        // accepting, lets in-flight requests finish (up to the grace period), lets the sends
        // under way finish, then closes the pool.
        await subscriptions.stop();
        await managers.notifier.stop();
        await apollo.stop();
        unsubscribe();
        await worker?.stop();
        await managers.audit.stop();
        await managers.integrity.stop();
        await upkeep.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    await closeServer(httpServer);
    throw error;
  }
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new StartupError(`port ${port} is already in use on ${host}; stop the other process or set PORT`));
      else if (error.code === 'EACCES') reject(new StartupError(`port ${port} on ${host} needs privileges; set PORT to a number above 1023`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new StartupError(`HOST ${host} is not an address of this machine`));
      else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}
