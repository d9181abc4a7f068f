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
  /** Operations per second per key (a batch's operations and a document's root fields, aliases included, each count). */
  ratePerSecond: number;
  /** Query cost (the cost limit's measure) a key, and all keys of an account together, may spend per second. */
  costPerSecond?: { key: number; account: number };
  /** Failed authentications per minute per client address. */
  failuresPerMinute?: number;
}

/** Budgets are kept over this window: a burst may spend up to ten seconds' worth at once. */
const COST_WINDOW_SECONDS = 10;

/**
 * Consumes `points` of `limiter` for `key`: null while within it, else the 429 refusal whose
 * message `says` how long to wait.
 */
async function consume(limiter: RateLimiterMemory, key: string, points: number, says: (seconds: number) => string, extensions: Record<string, unknown> = {}): Promise<Refusal | null> {
  try {
    await limiter.consume(key, points);
    return null;
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return { status: 429, code: ErrorCode.RATE_LIMITED, message: says(seconds), headers: { 'retry-after': String(seconds) }, extensions: { retryAfterSeconds: seconds, ...extensions } };
  }
}

export function createAuthenticator({ keys, ratePerSecond, costPerSecond = { key: 200_000, account: 400_000 }, failuresPerMinute = 30 }: AuthenticatorOptions) {
  const perKey = new RateLimiterMemory({ points: ratePerSecond, duration: 1 });
  const costPerKey = new RateLimiterMemory({ points: costPerSecond.key * COST_WINDOW_SECONDS, duration: COST_WINDOW_SECONDS });
  const costPerAccount = new RateLimiterMemory({ points: costPerSecond.account * COST_WINDOW_SECONDS, duration: COST_WINDOW_SECONDS });
  const failures = new RateLimiterMemory({ points: failuresPerMinute, duration: 60 });

  async function refuseFailure(address: string, message: string): Promise<Refusal> {
    const limited = await consume(failures, address, 1, (s) => `too many failed authentications from this address; retry in ${s} s`);
    return limited ?? { status: 401, code: ErrorCode.UNAUTHENTICATED, message, headers: { 'www-authenticate': 'Bearer' } };
  }

  /** Counts `operations` against the key's rate; a refusal once past it. */
  async function spend(principal: Principal, operations: number): Promise<Refusal | null> {
    if (!principal.keyId) return null;
    return consume(perKey, principal.keyId, operations, (s) => `this key sent more than ${ratePerSecond} operations in a second (each root field of a document counts, aliases included); retry in ${s} s`);
  }

  /**
   * Spends an operation's cost from its key's budget, then its account's; a refusal once past
   * either (what was spent from the key's stays spent: the attempt was made).
   */
  async function spendCost(principal: Principal, cost: number): Promise<Refusal | null> {
    if (!principal.keyId || cost <= 0) return null;
    const says = (whose: string, perSecond: number) => (s: number) =>
      `${whose} spent more than its query cost budget (${perSecond} per second, over ${COST_WINDOW_SECONDS} s); this operation costs ${cost}; retry in ${s} s`;
    return (
      (await consume(costPerKey, principal.keyId, cost, says('this key', costPerSecond.key), { limit: 'cost budget' })) ??
      (await consume(costPerAccount, principal.accountId, cost, says('this account', costPerSecond.account), { limit: 'cost budget' }))
    );
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
    spendCost,
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
