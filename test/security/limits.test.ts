// Query limits, each with its own code and configurable: depth, aliases, cost where list
// sizes multiply, page size, operations per document and per batch, body size, execution
// time. Introspection and the Sandbox page are off by default in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('security_limits', {
    MAX_QUERY_DEPTH: '6',
    MAX_ALIASES: '5',
    MAX_QUERY_COST: '20000',
    MAX_OPERATIONS: '3',
    BODY_LIMIT_BYTES: '65536',
  });
});
afterAll(async () => {
  await gw?.stop();
});

async function refused(query: string, variables?: Record<string, unknown>) {
  const res = await gw.gql(query, variables);
  expect(res.status).toBe(400);
  expect(res.body.data ?? null).toBeNull();
  return res.body.errors![0]!;
}

describe('query shape', () => {
  it('refuses a query deeper than MAX_QUERY_DEPTH', async () => {
    const error = await refused('{ services { edges { node { actions { edges { node { service { prefix } } } } } } } }');
    expect(error).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' }, message: 'Query depth limit of 6 exceeded, found 8.' });
    // Fragments count as well.
    const viaFragment = await refused('query { services { edges { node { ...deep } } } } fragment deep on Service { actions { edges { node { service { prefix } } } } }');
    expect(viaFragment.extensions?.limit).toBe('depth');
    expect((await gw.gql('{ services { edges { node { actions { nodes { name } } } } } }')).status).toBe(200);
  });

  it('refuses more aliases than MAX_ALIASES', async () => {
    const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: locations { code }`).join(' ');
    const error = await refused(`{ ${aliases} }`);
    expect(error).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases' } });
  });

  it('refuses a query whose page sizes multiply past MAX_QUERY_COST, before running it', async () => {
    const error = await refused('{ services(first: 500) { nodes { actions(first: 500) { nodes { name description } } } } }');
    expect(error).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'cost', maxCost: 20000 } });
    expect(error.extensions!.cost).toBeGreaterThan(500 * 500);
    // Page sizes given as variables count the same.
    const viaVariables = await refused('query($n: Int) { services(first: $n) { nodes { actions(first: $n) { nodes { name } } } } }', { n: 400 });
    expect(viaVariables.extensions?.limit).toBe('cost');
    // Small pages pass.
    expect((await gw.gql('{ services(first: 20) { nodes { actions(first: 20) { nodes { name } } } } }')).body.errors).toBeUndefined();
  });

  it('refuses pages larger than 500', async () => {
    const res = await gw.gql('{ events(first: 501) { totalCount } }');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('refuses documents with more operations than MAX_OPERATIONS, and batches larger than it', async () => {
    const doc = ['a', 'b', 'c', 'd'].map((n) => `query ${n} { viewer { name } }`).join(' ');
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) }, body: JSON.stringify({ query: doc, operationName: 'a' }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'operations' });

    const batch = (n: number) =>
      fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) }, body: JSON.stringify(Array.from({ length: n }, () => ({ query: '{ viewer { name } }' }))) });
    const ok = await batch(3);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as unknown[]).length).toBe(3);
    const tooMany = await batch(4);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as any).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'operations' });
  });

  it('refuses a body larger than BODY_LIMIT_BYTES with 413', async () => {
    const res = await gw.gql('query($s: String!) { action(name: $s) { name } }', { s: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('execution time', () => {
  it('answers TIMEOUT when an operation runs past EXECUTION_TIMEOUT_MS', async () => {
    const slow = await startTestGateway('security_timeout', { EXECUTION_TIMEOUT_MS: '1' });
    try {
      const res = await slow.gql('{ events(first: 500) { nodes { id } } eventStats(groupBy: [ACTION]) { total } }');
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'TIMEOUT' }, message: expect.stringContaining('did not finish within 1 ms') });
      // The gateway is fine afterwards.
      expect((await fetch(`${slow.base}/healthz`)).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });
});

describe('production defaults', () => {
  it('turn introspection and the landing page off unless enabled', () => {
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(production).toMatchObject({ introspection: false, landingPage: false });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({}).introspection).toBe(true);
  });

  it('every limit is configurable and checked at start', () => {
    const config = loadConfig({ MAX_QUERY_DEPTH: '20', MAX_ALIASES: '50', MAX_QUERY_COST: '5', MAX_OPERATIONS: '1', RATE_LIMIT_PER_SECOND: '7', EXECUTION_TIMEOUT_MS: '100' });
    expect(config.queryLimits).toEqual({ maxDepth: 20, maxAliases: 50, maxCost: 5, maxOperations: 1 });
    expect(config).toMatchObject({ ratePerSecond: 7, executionTimeoutMs: 100 });
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '0' })).toThrow(/MAX_QUERY_DEPTH/);
  });

  it('anonymous introspection is refused when introspection is off', async () => {
    const closed = await startTestGateway('security_closed', { NODE_ENV: 'production' });
    try {
      const res = await closed.gql('{ __schema { queryType { name } } }', undefined, { authorization: '' });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(closed.url, { headers: { accept: 'text/html' } });
      expect(page.status).not.toBe(200);
    } finally {
      await closed.stop();
    }
  });
});
