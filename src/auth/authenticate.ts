// Turns a request's `Authorization: Bearer <key>` into its principal, before GraphQL runs,
// and applies the per-key rate limit. A request without the header goes on as anonymous
// (it may load the landing page and, when enabled, introspect); a bad key is refused.
// Failed attempts are limited per client address (past the limit they get RATE_LIMITED),
// so guessing secrets (each guess at a known key id costs a scrypt computation) cannot
// load the server; valid keys from that address keep working.
import type http from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../errors/codes.js';
import { classifyDatabaseError } from '../errors/database-errors.js';
import type { KeysManager } from './keys.manager.js';
import { anonymous, type Principal } from './principal.js';

export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

export interface AuthenticatorOptions {
  keys: KeysManager;
  /** Requests per second per key (operations, for a batch). */
  ratePerSecond: number;
  /** Failed authentications per minute per client address. */
  failuresPerMinute?: number;
}

function retryAfter(ms: number): { seconds: number; headers: Record<string, string> } {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return { seconds, headers: { 'retry-after': String(seconds) } };
}

export function createAuthenticator({ keys, ratePerSecond, failuresPerMinute = 30 }: AuthenticatorOptions) {
  const perKey = new RateLimiterMemory({ points: ratePerSecond, duration: 1 });
  const failures = new RateLimiterMemory({ points: failuresPerMinute, duration: 60 });

  async function refuseFailure(address: string, message: string): Promise<Refusal> {
    try {
      await failures.consume(address);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        const wait = retryAfter(res.msBeforeNext);
        return { status: 429, code: ErrorCode.RATE_LIMITED, message: `too many failed authentications from this address; retry in ${wait.seconds} s`, headers: wait.headers, extensions: { retryAfterSeconds: wait.seconds } };
      }
      throw res;
    }
    return { status: 401, code: ErrorCode.UNAUTHENTICATED, message, headers: { 'www-authenticate': 'Bearer' } };
  }

  /** Counts `operations` against the key's rate; a refusal once past it. */
  async function spend(principal: Principal, operations: number): Promise<Refusal | null> {
    if (!principal.keyId) return null;
    try {
      await perKey.consume(principal.keyId, operations);
      return null;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const wait = retryAfter(res.msBeforeNext);
      return {
        status: 429,
        code: ErrorCode.RATE_LIMITED,
        message: `this key sent more than ${ratePerSecond} operations in a second; retry in ${wait.seconds} s`,
        headers: wait.headers,
        extensions: { retryAfterSeconds: wait.seconds },
      };
    }
  }

  /** The principal an Authorization value names (anonymous without one), or why it is refused. */
  async function identifyHeader(header: string | undefined, client: { address: string; agent: string | null }, operations: number): Promise<Principal | Refusal> {
    const { address, agent } = client;
    if (header === undefined || header === '') return { ...anonymous, address, agent };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return refuseFailure(address, 'the Authorization header must be "Bearer <key>"');
    let principal: Principal | null;
    try {
      principal = await keys.authenticate(match[1]!);
    } catch (error) {
      if (classifyDatabaseError(error)?.kind !== 'unavailable') throw error;
      return { status: 503, code: ErrorCode.SERVICE_UNAVAILABLE, message: 'the database is unavailable; retry shortly', headers: { 'retry-after': '1' } };
    }
    if (!principal) return refuseFailure(address, 'the API key is not valid (unknown, revoked or mistyped)');
    return (await spend(principal, operations)) ?? { ...principal, address, agent };
  }

  return {
    identifyHeader,
    spend,
    /** The principal of a request (anonymous without a key), or why it is refused. */
    identify(req: http.IncomingMessage, operations = 1): Promise<Principal | Refusal> {
      return identifyHeader(req.headers.authorization, clientOf(req), operations);
    },
  };
}

/** The client's address and user agent, for the audit trail and failure limits. */
export function clientOf(req: http.IncomingMessage): { address: string; agent: string | null } {
  return { address: req.socket.remoteAddress ?? 'unknown', agent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

export function isRefusal(value: Principal | Refusal): value is Refusal {
  return 'status' in value;
}
