// The closed set of `extensions.code` values a client can receive. Anything else thrown on
// the server is masked as INTERNAL_SERVER_ERROR with an error id (see format.ts).
export const ErrorCode = {
  /** An argument or input field is invalid; `extensions.field` and `reason` say which and why. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  /** The request contradicts stored state (duplicate name, referenced row, stale version). */
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  TIMEOUT: 'TIMEOUT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A live-tail subscriber fell too far behind; it is told so and disconnected. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The database is unreachable; retrying later is the right reaction. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  // Codes produced by Apollo Server itself for malformed requests.
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** A fault on our side; the message is generic and `extensions.errorId` points at the log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const known = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && known.has(value);
}
