// Apollo Server configured for this gateway: masked errors, no per-field tracing or cache
// control work on the hot path, Sandbox landing page when enabled.
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import { ErrorCode } from '../errors/codes.js';
import { createErrorFormatter } from '../errors/format.js';
import type { CompiledExecution } from './executor.js';
import type { Logger } from '../logging/logger.js';
import { drainHttpServer } from './drain.js';
import type { RequestContext } from './context.js';
import type { Admission } from './admission.js';
import type { Explorer } from './explorer/explorer.js';
import { limitRules, type QueryLimits } from './limits.js';

export interface ApolloOptions {
  schema: GraphQLSchema;
  httpServer: http.Server;
  log: Logger;
  introspection: boolean;
  /** The explorers (Sandbox with its fallback to GraphiQL), when the landing page is on. */
  explorer: Explorer | null;
  shutdownGraceMs: number;
  /** How operations run (compiled plans, timeout); shared with the prepared path. */
  execution: CompiledExecution;
  limits: QueryLimits;
  /** Access, cost and budgets of every operation (the same checks as the prepared path's and the WebSocket's). */
  admission: Admission;
  plugins?: ApolloServerPlugin<RequestContext>[];
}

/**
 * An answer whose errors say the database is away is HTTP 503 with retry-after, as load
 * balancers and clients' retry logic expect (GraphQL alone would answer 200).
 */
const unavailableIs503: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (!errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) return;
        response.http.status = 503;
        response.http.headers.set('retry-after', '1');
      },
    };
  },
};

export function createApollo(options: ApolloOptions): ApolloServer<RequestContext> {
  const { log } = options;
  return new ApolloServer<RequestContext>({
    gateway: options.execution.gateway,
    allowBatchedHttpRequests: true,
    validationRules: limitRules(options.limits),
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals and the order of shutdown.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(log),
    // Apollo's own messages go to our JSON log.
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
    plugins: [
      options.admission.plugin<RequestContext>(),
      unavailableIs503,
      drainHttpServer(options.httpServer, options.shutdownGraceMs),
      options.explorer
        ? options.explorer.withFallback<RequestContext>(ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }))
        : ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(options.plugins ?? []),
    ],
  });
}
