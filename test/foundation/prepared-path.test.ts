// The prepared path (src/server/prepared-path.ts) answers repeated documents without Apollo's
// pipeline. Its answers must be the ones Apollo gives: two gateways with the same data, one
// with the path and one without (GRAPHQL_PREPARED_PATH=false), get the same requests and
// must answer byte for byte alike, while the first one's request log shows which answers
// the prepared path gave. (Each has its own database, so this runs on PGlite too.)
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPrincipal } from '../../src/auth/principal.js';
import { loadConfig } from '../../src/config/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const databases: TestDatabase[] = [];
let prepared: Gateway;
let apolloOnly: Gateway;
const logLines: Array<Record<string, unknown>> = [];
const keys = new Map<Gateway, { admin: string; reader: string }>();

const LIMITS = { MAX_QUERY_COST: '3000' };

/** A gateway on a database of its own holding the same 30 events as the other one. */
async function start(label: string, env: Record<string, string>, log: ReturnType<typeof createLogger>, now: number): Promise<Gateway> {
  const database = await createTestDatabase(label);
  databases.push(database);
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DELIVERY_WORKER: 'false', ...database.env, ...LIMITS, ...env });
  const gateway = await startGateway(config, log);
  const operator = toolPrincipal('test', 'local');
  keys.set(gateway, {
    admin: (await gateway.managers.keys.createKey(operator, { role: 'admin', name: 'admin' })).key,
    reader: (await gateway.managers.keys.createKey(operator, { role: 'reader', name: 'reader' })).key,
  });
  // A minute ahead: newer than the gateway's own audit events (of the keys), which differ.
  await gateway.managers.events.recordEvents(
    'local',
    Array.from({ length: 30 }, (_, i) => ({
      id: `prep-${i}`,
      action: 'audit-log.vsi.reboot',
      eventTime: new Date(now + 60_000 - i * 1000),
      outcome: i % 5 === 0 ? 'failure' : 'success',
      location: 'us-south',
      initiator: { id: `IBMid-${i % 3}` },
    })) as never,
  );
  return gateway;
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
      done();
    },
  });
  const now = Date.now();
  prepared = await start('prepared_path_a', {}, createLogger('info', sink), now);
  apolloOnly = await start('prepared_path_b', { GRAPHQL_PREPARED_PATH: 'false' }, createLogger('silent'), now);
}, 120_000);

afterAll(async () => {
  await prepared?.stop();
  await apolloOnly?.stop();
  for (const database of databases) await database.drop();
});

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
  prepared: boolean;
}

type Who = 'admin' | 'reader' | null;

async function send(gateway: Gateway, body: unknown, who: Who, headers: Record<string, string> = {}): Promise<Answer> {
  const requestId = randomUUID();
  const key = who && keys.get(gateway)![who];
  const res = await fetch(gateway.url.replace('localhost', '127.0.0.1'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let line: Record<string, unknown> | undefined;
  if (gateway === prepared) {
    // The request line is written when the response has finished: poll for it, bounded.
    for (let i = 0; i < 100 && !(line = logLines.find((l) => l.reqId === requestId && l.msg === 'request')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(line, 'the request log line').toBeDefined();
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: text, prepared: line?.prepared === true };
}

/** Sends the request to both gateways; the answers must be equal. Returns the prepared one's. */
async function same(body: unknown, who: Who, headers: Record<string, string> = {}): Promise<Answer> {
  const a = await send(prepared, body, who, headers);
  const b = await send(apolloOnly, body, who, headers);
  expect({ status: a.status, contentType: a.contentType, body: a.body }).toEqual({ status: b.status, contentType: b.contentType, body: b.body });
  return a;
}

const EVENTS = 'query($f: EventFilter, $n: Int) { events(filter: $f, first: $n) { nodes { id eventTime outcome initiator { iamId } action { name service { prefix } } } pageInfo { hasNextPage endCursor } } }';

describe('the prepared path', () => {
  it('answers a document from its second request on, exactly as Apollo does', async () => {
    const body = { query: EVENTS, variables: { f: { outcomes: ['FAILURE'] }, n: 5 } };
    const first = await same(body, 'admin');
    expect(first.prepared).toBe(false);
    const second = await same(body, 'admin');
    expect(second.prepared).toBe(true);
    expect(JSON.parse(second.body).data.events.nodes).toHaveLength(5);
    // Other variables, same document: still prepared, still equal.
    const other = await same({ query: EVENTS, variables: { f: { initiator: { id: 'IBMid-1' } }, n: 3 } }, 'reader');
    expect(other.prepared).toBe(true);
    expect(JSON.parse(other.body).data.events.nodes.map((n: { initiator: { iamId: string } }) => n.initiator.iamId)).toEqual(['IBMid-1', 'IBMid-1', 'IBMid-1']);
  });

  it('leaves refusals to Apollo: access, cost, variables that do not coerce', async () => {
    const revoke = { query: 'mutation($id: ID!) { revokeKey(input: { id: $id }) { apiKey { id } } }', variables: { id: randomUUID() } };
    await same(revoke, 'admin');
    const notFound = await same(revoke, 'admin');
    expect(notFound.prepared).toBe(false); // an answer with errors is Apollo's to give
    expect(JSON.parse(notFound.body).errors[0].extensions.code).toBe('NOT_FOUND');
    const forbidden = await same(revoke, 'reader');
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body).errors[0].extensions.code).toBe('FORBIDDEN');
    const anonymous = await same({ query: EVENTS, variables: { n: 1 } }, null);
    expect(JSON.parse(anonymous.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    await same({ query: EVENTS, variables: { n: 2 } }, 'admin');
    const tooCostly = await same({ query: EVENTS, variables: { n: 500 } }, 'admin');
    expect(tooCostly.status).toBe(400);
    expect(JSON.parse(tooCostly.body).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    // The cost is kept per page size: the small page still passes afterwards.
    expect((await same({ query: EVENTS, variables: { n: 2 } }, 'admin')).prepared).toBe(true);

    const badVariable = await same({ query: EVENTS, variables: { n: 'many' } }, 'admin');
    expect(badVariable.status).toBe(400);
    expect(JSON.parse(badVariable.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const badFilter = await same({ query: EVENTS, variables: { f: { outcomes: ['MAYBE'] } } }, 'admin');
    expect(JSON.parse(badFilter.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('hands results with errors to Apollo, partial data included', async () => {
    const query = 'query($id: String!) { a: events(first: 1) { nodes { id } } b: event(id: $id) { id } }';
    await same({ query, variables: { id: 'prep-1' } }, 'admin');
    expect((await same({ query, variables: { id: 'prep-1' } }, 'admin')).prepared).toBe(true);
    // PostgreSQL refuses a NUL in text: the nullable field fails, the other one stays.
    const partial = await same({ query, variables: { id: 'prep\u0000' } }, 'admin');
    expect(partial.prepared).toBe(false);
    const parsed = JSON.parse(partial.body);
    expect(parsed.data.a.nodes).toHaveLength(1);
    expect(parsed.data.b).toBeNull();
    expect(parsed.errors[0]).toMatchObject({ path: ['b'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('leaves other media types, batches and unknown operation names to Apollo', async () => {
    const body = { query: EVENTS, variables: { n: 1 } };
    await same(body, 'admin');
    const negotiated = await same(body, 'admin', { accept: 'application/graphql-response+json' });
    expect(negotiated.prepared).toBe(false);
    expect(negotiated.contentType).toContain('application/graphql-response+json');
    const batch = await same([body, body], 'admin');
    expect(batch.prepared).toBe(false);
    expect(JSON.parse(batch.body)).toHaveLength(2);
    const named = await same({ ...body, operationName: 'Nope' }, 'admin');
    expect(named.prepared).toBe(false);
    expect(named.status).toBe(400);
  });
});
