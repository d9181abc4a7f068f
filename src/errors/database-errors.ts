// One place that understands what PostgreSQL (through `pg` or Prisma's adapter) reports, so
// constraint violations and outages become coded errors instead of INTERNAL_SERVER_ERROR.
import { ConflictError } from './errors.js';

export type DatabaseFault =
  | { kind: 'unique'; constraint?: string; detail?: string }
  | { kind: 'foreign_key'; constraint?: string; detail?: string }
  | { kind: 'serialization' }
  | { kind: 'timeout' }
  | { kind: 'bad_text' }
  | { kind: 'unavailable'; reason: string };

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', '08003', '08006', '08001', '08004',
  '53300', // too_many_connections
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1017', // Prisma: server closed the connection
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'connect ECONNREFUSED',
  'Cannot use a pool after calling end',
  'terminating connection',
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  detail?: unknown;
  cause?: unknown;
  meta?: unknown;
  kind?: unknown;
  originalCode?: unknown;
}

/** Walks an error and its causes; returns what kind of database fault it is, if any. */
export function classifyDatabaseError(error: unknown, depth = 0): DatabaseFault | null {
  if (!error || typeof error !== 'object' || depth > 5) return null;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : typeof e.originalCode === 'string' ? e.originalCode : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  const detail = typeof e.detail === 'string' ? e.detail : undefined;

  if (code === '23505' || code === 'P2002' || e.kind === 'UniqueConstraintViolation') {
    return { kind: 'unique', constraint, detail };
  }
  if (code === '23503' || code === 'P2003' || e.kind === 'ForeignKeyConstraintViolation') {
    return { kind: 'foreign_key', constraint, detail };
  }
  if (code === '40001' || code === '40P01' || code === 'P2034' || e.kind === 'TransactionWriteConflict') {
    return { kind: 'serialization' };
  }
  if (code === '57014' || code === 'P1008' || e.kind === 'SocketTimeout') return { kind: 'timeout' };
  // Text PostgreSQL cannot hold (a NUL character): the client's input, refused as such.
  if (code === '22021' || code === '22P05') return { kind: 'bad_text' };
  if (
    (code && UNAVAILABLE_CODES.has(code)) ||
    e.kind === 'DatabaseNotReachable' ||
    e.kind === 'ConnectionClosed' ||
    e.kind === 'TlsConnectionError' ||
    UNAVAILABLE_MESSAGES.some((m) => message.includes(m))
  ) {
    return { kind: 'unavailable', reason: code ?? message.slice(0, 120) };
  }
  // Prisma wraps driver errors: look into `cause` and the adapter error on `meta`.
  const adapterError = (e.meta as { driverAdapterError?: { cause?: unknown } } | undefined)?.driverAdapterError;
  return classifyDatabaseError(e.cause, depth + 1) ?? classifyDatabaseError(adapterError?.cause, depth + 1);
}

/** True for the SQLSTATE of a unique violation on the named constraint (or any, if omitted). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const fault = classifyDatabaseError(error);
  return fault?.kind === 'unique' && (!constraint || !fault.constraint || fault.constraint === constraint);
}

/**
 * Runs a write whose checks passed but which can still lose a race to a concurrent writer:
 * a unique key taken, or a referenced row removed, meanwhile. Those become the CONFLICT
 * they are; `foreignKeyReason` says what to do about the second.
 */
export async function conflictOnRace<T>(what: string, fn: () => Promise<T>, foreignKeyReason: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const fault = classifyDatabaseError(error);
    if (fault?.kind === 'unique') throw new ConflictError(`${what} already exists (created concurrently)`);
    if (fault?.kind === 'foreign_key') throw new ConflictError(`${what} ${foreignKeyReason}`);
    throw error;
  }
}
