// Starts the real gateway in this process on a free port and talks to it over HTTP.
import type { Role } from '../../src/auth/principal.js';
import { toolPrincipal } from '../../src/auth/principal.js';
import { loadConfig } from '../../src/config/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }>;
  };
}

export interface TestGateway {
  gateway: Gateway;
  database: TestDatabase;
  url: string;
  base: string;
  /** An admin key of the operator account; gql sends it unless told otherwise. */
  adminKey: string;
  /** Sends a request with this key's header (or none, for `null`). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Makes an API key of `role` in `accountId` (default: the operator account). */
  createKey(role: Role, accountId?: string): Promise<string>;
  /** The Authorization header of a key. */
  bearer(key: string): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a gateway on its own database; `env` overrides configuration variables. */
export async function startTestGateway(label: string, env: Record<string, string> = {}, database?: TestDatabase): Promise<TestGateway> {
  const db = database ?? (await createTestDatabase(label));
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...db.env, ...env });
  const gateway = await startGateway(config, createLogger(config.logLevel));
  const base = gateway.url.replace(/\/graphql$/, '').replace('localhost', '127.0.0.1');
  const url = `${base}/graphql`;
  const operator = toolPrincipal('test', config.operatorAccount);
  const createKey = async (role: Role, accountId?: string) => (await gateway.managers.keys.createKey(operator, { role, accountId, name: `test ${role}` })).key;
  const adminKey = await createKey('admin');
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  return {
    gateway,
    database: db,
    url,
    base,
    adminKey,
    createKey,
    bearer,
    gql: (query, variables, headers) => postGraphQL(url, query, variables, { ...bearer(adminKey), ...headers }),
    async stop() {
      await gateway.stop();
      if (!database) await db.drop();
    },
  };
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
/** The truthy value `check` returned. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
