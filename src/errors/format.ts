// Apollo's formatError: coded errors pass through unchanged; anything else is logged with its
// cause and reaches the client as a generic message with an error id (PostGraphile's
// "masked" policy).
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { ErrorCode, isErrorCode } from './codes.js';
import { classifyDatabaseError } from './database-errors.js';
import { GatewayError } from './errors.js';

/** Our coded error behind an error Apollo wrapped (a validation rule's, say), if any. */
function gatewayErrorBehind(error: unknown): GatewayError | null {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof GatewayError) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return null;
}

export function createErrorFormatter(log: Logger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const coded = gatewayErrorBehind(error);
    if (coded && formatted.extensions?.code !== coded.code) {
      // Apollo reports a validation rule's error as GRAPHQL_VALIDATION_FAILED; ours say more.
      const { http: _http, ...extensions } = coded.extensions;
      formatted = { ...formatted, message: coded.message, extensions };
    }
    if (isRequestRefusal(error, formatted)) {
      // Apollo refusing the request itself without a code of its own (an automatic
      // persisted query whose hash does not match its text, say): a client's mistake.
      return withCode(formatted, ErrorCode.BAD_REQUEST, formatted.message);
    }
    const code = formatted.extensions?.code;
    const original = unwrapResolverError(error);
    if (isErrorCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      // Never ship a stack trace, whatever the setting.
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const fault = classifyDatabaseError(original);
    if (fault?.kind === 'unavailable') {
      log.warn({ err: original, reason: fault.reason }, 'database unavailable during request');
      return withCode(formatted, ErrorCode.SERVICE_UNAVAILABLE, 'the database is unavailable; retry shortly');
    }
    if (fault?.kind === 'timeout') {
      return withCode(formatted, ErrorCode.TIMEOUT, 'the query took too long and was cancelled; narrow the filter');
    }
    if (fault?.kind === 'bad_text') {
      return withCode(formatted, ErrorCode.BAD_USER_INPUT, 'a string contains a NUL character (\\u0000), which cannot be stored or searched');
    }
    if (fault?.kind === 'unique') {
      return withCode(formatted, ErrorCode.CONFLICT, 'the change conflicts with an existing record');
    }
    if (fault?.kind === 'serialization') {
      return withCode(formatted, ErrorCode.CONFLICT, 'a concurrent change conflicted with this one; retry');
    }
    const errorId = randomUUID();
    log.error({ err: original, errorId, path: formatted.path }, 'unexpected error');
    return {
      message: `Internal server error (error id ${errorId})`,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
    };
  };
}

/**
 * An error Apollo raised about the request (not a resolver's: no path, no cause) with a
 * 4xx HTTP status and no code, which Apollo's default makes INTERNAL_SERVER_ERROR.
 */
function isRequestRefusal(error: unknown, formatted: GraphQLFormattedError): boolean {
  if (!(error instanceof GraphQLError) || error.path || error.originalError || formatted.extensions?.code !== ErrorCode.INTERNAL_SERVER_ERROR) return false;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function withCode(formatted: GraphQLFormattedError, code: ErrorCode, message: string): GraphQLFormattedError {
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code },
  };
}
