// The database goes away and comes back: /readyz follows, GraphQL answers with a coded error
// meanwhile, and the gateway recovers without a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/database/embedded.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

let proxy: TcpProxy;
let gw: TestGateway;
let database: TestDatabase | null = null;
let embedded: EmbeddedPostgres | null = null;
let embeddedDir: string | null = null;

beforeAll(async () => {
  let target: URL;
  const env: Record<string, string> = { DATABASE_CONNECT_TIMEOUT_MS: '1000' };
  database = await createTestDatabase('outage');
  if (database.url) {
    target = new URL(database.url);
  } else {
    // Put the proxy between the gateway and an embedded PostgreSQL of the test's own.
    embeddedDir = await mkdtemp(path.join(os.tmpdir(), 'aqg-outage-pg-'));
    embedded = await startEmbeddedPostgres(embeddedDir);
    target = new URL(`postgresql://postgres@${embedded.host}:${embedded.port}/postgres`);
    env.DATABASE_POOL_SIZE = '1';
  }
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(target);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  gw = await startTestGateway('outage', { ...env, DATABASE_URL: viaProxy.toString() }, { ...database, env: database.env });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await proxy?.close();
  await embedded?.stop();
  if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
  await database?.drop();
});

it('reports 503 on /readyz while the database is unreachable and 200 again after', async () => {
  expect((await fetch(`${gw.base}/readyz`)).status).toBe(200);

  await proxy.cut();
  await eventually(async () => (await fetch(`${gw.base}/readyz`)).status === 503, 10_000);
  const body = (await (await fetch(`${gw.base}/readyz`)).json()) as { reason: string };
  expect(body.reason).toBe('database unreachable');
  // The process itself is fine.
  expect((await fetch(`${gw.base}/healthz`)).status).toBe(200);

  // A query during the outage fails fast with a coded error, not INTERNAL_SERVER_ERROR.
  const started = Date.now();
  const res = await gw.gql('{ locations { code } }');
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  // As HTTP says it too, for load balancers and clients' retry logic.
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);

  await proxy.restore();
  await eventually(async () => (await fetch(`${gw.base}/readyz`)).status === 200, 10_000);
  const after = await gw.gql<{ locations: unknown[] }>('{ locations { code } }');
  expect(after.body.data?.locations.length).toBeGreaterThan(10);
}, 40_000);
