// Subscriptions over WebSocket (the graphql-ws protocol) on the GraphQL endpoint's path.
// The connection is authenticated once, at connection_init, with the same keys as HTTP
// (connectionParams.authorization "Bearer <key>", or the upgrade request's Authorization
// header); each subscription then goes through the same checks as an HTTP operation:
// validation with the query limits, cost, access rules, the key's rate. Queries and
// mutations stay on HTTP, where the execution limits and batching live.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { rootFields } from '../auth/access.js';
import { clientOf, isRefusal, type Authenticator, type Refusal } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../errors/codes.js';
import { GatewayError } from '../errors/errors.js';
import type { createErrorFormatter } from '../errors/format.js';
import type { Logger } from '../logging/logger.js';
import { createRequestContext, type Managers } from './context.js';
import type { Admission } from './admission.js';
import { limitRules, type QueryLimits } from './limits.js';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  managers: Managers;
  authenticator: Authenticator;
  log: Logger;
  limits: QueryLimits;
  /** The live tail's read-ahead per subscription (told to a subscriber cut off for being slow). */
  bufferBytes: number;
  /** A connection that answers no ping for this long is not reading: its subscribers are cut off as slow. */
  stallMs: number;
  /** Subscriptions open at once in this process, and on one connection. */
  subscriptionLimits: { total: number; perConnection: number };
  formatError: ReturnType<typeof createErrorFormatter>;
  /** Access, cost and budgets, as for HTTP. */
  admission: Admission;
  /** How often a connection's key is checked again (a revoked key's connections close). */
  keyRecheckMs?: number;
}

interface Connection {
  id: string;
  principal: Principal;
  log: Logger;
  recheck?: NodeJS.Timeout;
  heartbeat?: NodeJS.Timeout;
  /** What it sent and what the subscriber showed it read (see onConnect). */
  flow?: { unread(): number; read(ms: number): Promise<void> };
}

/** A ping goes out once this much is sent and unacknowledged, so the subscriber's pongs say how far it has read. */
const PING_EVERY_BYTES = 64 * 1024;

/** WebSocket close codes (4000-4999 are the application's). */
const CLOSE = { unauthenticated: 4403, rateLimited: 4429, slowConsumer: 4008, tryAgainLater: 1013 } as const;

/** A close reason holds at most 123 bytes. */
function closeReason(code: string, message: string): string {
  const text = `${code}: ${message}`;
  return Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

/**
 * Tells each subscription `ids` of a socket it is cut off for being slow (SLOW_CONSUMER),
 * then closes with 4008. Sent past graphql-ws, which may be waiting for the stalled socket:
 * the notices are queued behind what the subscriber has not read, then the close frame.
 */
function cutOffSlow(socket: Extra['socket'], ids: string[], notice: string, format: (errors: readonly GraphQLError[]) => GraphQLFormattedError[], bufferBytes: number): void {
  if (socket.readyState !== socket.OPEN) return;
  const error = new GatewayError(ErrorCode.SLOW_CONSUMER, notice, { bufferBytes });
  for (const id of ids) socket.send(JSON.stringify({ id, type: 'error', payload: format([error]) }));
  socket.close(CLOSE.slowConsumer, 'SLOW_CONSUMER: fell too far behind; resubscribe with the last cursor');
}

function closeCodeFor(refusal: Refusal): number {
  if (refusal.code === ErrorCode.RATE_LIMITED) return CLOSE.rateLimited;
  if (refusal.code === ErrorCode.SERVICE_UNAVAILABLE) return CLOSE.tryAgainLater;
  return CLOSE.unauthenticated;
}

function authorizationOf(params: Readonly<Record<string, unknown>> | undefined, request: http.IncomingMessage): string | undefined {
  for (const name of ['authorization', 'Authorization']) {
    const value = params?.[name];
    if (typeof value === 'string') return value;
  }
  return request.headers.authorization;
}

/** Gives an error without a code the one Apollo would give it over HTTP. */
function withDefaultCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: { ...error.extensions, code } });
}

export function serveSubscriptions(options: SubscriptionServerOptions): { stop(): Promise<void> } {
  const { managers, authenticator, log: rootLog, schema, limits } = options;
  const rules = [...specifiedRules, ...limitRules(limits)];
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => options.formatError(e.toJSON(), e));

  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: 1024 * 1024 });
  const refuse = (extra: Extra, code: number, reason: string) => extra.socket.close(code, reason);

  const server = useServer<Record<string, unknown>, { connection: Connection }>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,

      async onConnect(ctx) {
        const { request, socket } = ctx.extra;
        const identity = await authenticator.identifyHeader(authorizationOf(ctx.connectionParams, request), clientOf(request), 1);
        if (isRefusal(identity)) {
          refuse(ctx.extra, closeCodeFor(identity), closeReason(identity.code, identity.message));
          return false;
        }
        if (identity.role === null) {
          refuse(ctx.extra, CLOSE.unauthenticated, closeReason(ErrorCode.UNAUTHENTICATED, 'send connectionParams {"authorization": "Bearer <key>"}'));
          return false;
        }
        const id = randomUUID();
        const connection: Connection = { id, principal: identity, log: rootLog.child({ connectionId: id, keyId: identity.keyId, account: identity.accountId }) };
        ctx.extra.connection = connection;
        // A key revoked while its connection is open stops being served within the recheck.
        const secret = /^Bearer\s+(\S+)\s*$/i.exec(authorizationOf(ctx.connectionParams, request) ?? '')?.[1];
        if (secret) {
          connection.recheck = setInterval(() => {
            managers.keys.authenticate(secret).then(
              (still) => {
                if (!still) socket.close(CLOSE.unauthenticated, closeReason(ErrorCode.UNAUTHENTICATED, 'the API key was revoked'));
              },
              () => undefined, // the database is away: keep serving, check again later
            );
          }, options.keyRecheckMs ?? 15_000);
          connection.recheck.unref();
        }
        // Flow control with the protocol's own pings: a pong comes back only once the
        // subscriber has read everything sent before the ping (TCP keeps the order), so the
        // bytes written since the last answered ping are what it has not read yet. The live
        // tail sends nothing more while that passes its buffer, and a connection that answers
        // no ping within the stall time is not reading (a paused socket, however few events
        // wait): its subscribers are cut off. Every ws client answers pings by itself.
        const tcp = request.socket;
        let acknowledged = tcp.bytesWritten;
        let pingedAt: number | null = null;
        let pingedBytes = 0;
        const readers = new Set<() => void>();
        const ping = () => {
          if (socket.readyState !== socket.OPEN) return;
          pingedAt = Date.now();
          socket.ping();
          pingedBytes = tcp.bytesWritten;
        };
        socket.on('pong', () => {
          acknowledged = pingedBytes;
          pingedAt = null;
          for (const wake of [...readers]) wake();
        });
        connection.flow = {
          unread() {
            const unread = tcp.bytesWritten - acknowledged;
            if (pingedAt === null && unread > PING_EVERY_BYTES) ping();
            return unread;
          },
          read: (ms) =>
            new Promise<void>((resolve) => {
              const wake = () => {
                clearTimeout(timer);
                readers.delete(wake);
                resolve();
              };
              const timer = setTimeout(wake, ms);
              readers.add(wake);
              if (pingedAt === null) ping();
            }),
        };
        const stallMs = options.stallMs;
        connection.heartbeat = setInterval(() => {
          if (socket.readyState !== socket.OPEN) return;
          if (pingedAt === null) ping();
          else if (Date.now() - pingedAt >= stallMs) {
            connection.log.warn({ stallMs }, 'live tail: connection answered no ping; its subscribers are cut off');
            const notice = `this connection answered no ping for ${stallMs} ms: it is not reading. Subscribe again with the cursor of the last event received to resume.`;
            const open = Object.entries(ctx.subscriptions);
            cutOffSlow(socket, open.map(([id]) => id), notice, format, options.bufferBytes);
            // Its streams end now (the close handshake waits for a peer that is not reading).
            for (const [, stream] of open) void (stream as AsyncGenerator | undefined)?.return?.(undefined);
          }
        }, Math.max(100, Math.floor(stallMs / 4)));
        connection.heartbeat.unref();
        socket.once('close', () => clearInterval(connection.heartbeat));
        connection.log.info({ address: identity.address }, 'live tail: connection opened');
        return true;
      },

      async onSubscribe(ctx, id, payload) {
        const refused = (error: GraphQLError) => [error];
        const connection = ctx.extra.connection;
        if (!connection) return refused(new GatewayError(ErrorCode.UNAUTHENTICATED, 'the connection is not authenticated'));
        const open = Object.values(ctx.subscriptions).filter(Boolean).length;
        if (open >= options.subscriptionLimits.perConnection) {
          return refused(new GatewayError(ErrorCode.RATE_LIMITED, `this connection has ${open} subscriptions open, the most allowed; open another connection or complete one`, { limit: 'subscriptionsPerConnection' }));
        }
        if (managers.tail.openSubscriptions >= options.subscriptionLimits.total) {
          return refused(new GatewayError(ErrorCode.SERVICE_UNAVAILABLE, 'this gateway process serves as many subscriptions as it may; retry shortly'));
        }
        const spent = await authenticator.spend(connection.principal, 1);
        if (spent) return refused(new GatewayError(spent.code, spent.message, spent.extensions));

        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 10_000 });
        } catch (error) {
          return refused(withDefaultCode(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED));
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors.map((e) => withDefaultCode(e, ErrorCode.GRAPHQL_VALIDATION_FAILED));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return refused(new GatewayError(ErrorCode.OPERATION_RESOLUTION_FAILURE, payload.operationName ? `the document has no operation named "${payload.operationName}"` : 'the document holds several operations; name the one to run (operationName)'));
        }
        if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
          return refused(new GatewayError(ErrorCode.BAD_REQUEST, `this WebSocket serves subscriptions; send the ${operation.operation} as an HTTP POST to ${options.path}`));
        }
        const variables = payload.variables ?? {};
        try {
          await options.admission.admit({ principal: connection.principal, document, operation, variables, operationName: payload.operationName });
        } catch (error) {
          if (error instanceof GraphQLError) return refused(error);
          throw error;
        }
        const requestId = `${connection.id}:${id}`;
        const log = connection.log.child({ subscriptionId: id });
        log.info({ operationName: payload.operationName ?? null, fields: rootFields(operation, document) }, 'live tail: subscribed');
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: variables,
          contextValue: createRequestContext(managers, {
            requestId,
            logs: { log },
            principal: connection.principal,
            connection: {
              slowConsumer: (notice) => cutOffSlow(ctx.extra.socket, [id], notice, format, options.bufferBytes),
              unread: () => connection.flow!.unread(),
              read: (ms) => connection.flow!.read(ms),
            },
          }),
        };
      },

      onNext(_ctx, _id, _payload, _args, result: ExecutionResult) {
        if (!result.errors?.length) return result;
        // Variables that do not coerce: Apollo would answer BAD_USER_INPUT over HTTP.
        return { ...result, errors: format(result.errors.map((e) => (e.path ? e : withDefaultCode(e, ErrorCode.BAD_USER_INPUT)))) };
      },

      onError(_ctx, _id, _payload, errors) {
        return format(errors);
      },

      onClose(ctx, code, reason) {
        const connection = ctx.extra.connection as Connection | undefined;
        if (!connection) return;
        clearInterval(connection.recheck);
        clearInterval(connection.heartbeat);
        connection.log.info({ code, reason }, 'live tail: connection closed');
      },
    },
    wss,
  );

  return {
    async stop() {
      await server.dispose();
    },
  };
}
