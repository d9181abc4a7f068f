// The gateway over real HTTP on a real database: GraphQL answers, protocol errors, probes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('server', { BODY_LIMIT_BYTES: String(64 * 1024) });
});
afterAll(async () => {
  await gw?.stop();
});

describe('GraphQL over HTTP', () => {
  it('answers a query from the database', async () => {
    const res = await gw.gql<{ locations: Array<{ code: string; name: string; kind: string }> }>(
      '{ locations { code name geography kind } }',
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const codes = res.body.data!.locations.map((l) => l.code);
    expect(codes).toContain('eu-de');
    expect(codes.at(-1)).toBe('global');
    expect(res.body.data!.locations.find((l) => l.code === 'eu-de')).toMatchObject({ name: 'Frankfurt', kind: 'REGIONAL' });

    // The answer comes from the table, not from constants: a row written with SQL shows up.
    await gw.gateway.db.pool.query("INSERT INTO locations (code, name, geography, kind) VALUES ('xx-test', 'Testville', 'Nowhere', 'regional')");
    const again = await gw.gql<{ locations: Array<{ code: string }> }>('{ locations { code } }');
    expect(again.body.data!.locations.map((l) => l.code)).toContain('xx-test');
    await gw.gateway.db.pool.query("DELETE FROM locations WHERE code = 'xx-test'");
  });

  it('rejects a malformed query with GRAPHQL_PARSE_FAILED and status 400', async () => {
    const res = await gw.gql('{ locations { code ');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('rejects an unknown field with GRAPHQL_VALIDATION_FAILED and status 400', async () => {
    const res = await gw.gql('{ locations { nonsense } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a body that is not JSON with BAD_REQUEST', async () => {
    const response = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a simple GET that could be a cross-site request (CSRF prevention)', async () => {
    const response = await fetch(`${gw.url}?query=${encodeURIComponent('{ locations { code } }')}`);
    expect(response.status).toBe(400);
    const allowed = await fetch(`${gw.url}?query=${encodeURIComponent('{ locations { code } }')}`, {
      headers: { 'apollo-require-preflight': 'true', ...gw.bearer(gw.adminKey) },
    });
    expect(allowed.status).toBe(200);
  });

  it('serves the Apollo Sandbox landing page to browsers', async () => {
    const response = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('embeddable-sandbox');
  });

  it('answers CORS preflights for tools on other origins', async () => {
    const response = await fetch(gw.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('lets pages on other origins read answers, and sends CORS headers only to them', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const request = (origin?: string) =>
      fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey), ...(origin ? { origin } : {}) }, body });
    const crossOrigin = await request('https://studio.apollographql.com');
    expect(crossOrigin.status).toBe(200);
    expect(crossOrigin.headers.get('access-control-allow-origin')).toBe('*');
    expect(crossOrigin.headers.get('access-control-expose-headers')).toContain('x-request-id');
    // What a preflight answers is not repeated on every answer.
    expect(crossOrigin.headers.get('access-control-allow-methods')).toBeNull();
    const sameOrigin = await request();
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes a request id, or makes one', async () => {
    const mine = await fetch(`${gw.base}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${gw.base}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${gw.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('reports 404 with a coded error for unknown paths', async () => {
    const response = await fetch(`${gw.base}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses a body over the limit with PAYLOAD_TOO_LARGE', async () => {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ locations { code } } # ${'x'.repeat(70 * 1024)}` }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('readiness', () => {
  it('reports 503 while a migration is not applied, 200 again after', async () => {
    const { pool } = gw.gateway.db;
    await pool.query('UPDATE _prisma_migrations SET finished_at = NULL');
    try {
      const response = await fetch(`${gw.base}/readyz`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { reason: string }).reason).toMatch(/migration/);
    } finally {
      await pool.query('UPDATE _prisma_migrations SET finished_at = started_at');
    }
    expect((await fetch(`${gw.base}/readyz`)).status).toBe(200);
  });
});
