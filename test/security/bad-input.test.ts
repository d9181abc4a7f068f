// 5,000 generated malformed requests over real HTTP: invalid JSON, wrong types, huge strings
// and lists, deep nesting, unknown fields, SQL and control characters in every filter,
// forged cursors, impossible dates, wrong methods and content types. None may crash the
// process, none may get a 5xx, and none may write anything.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 5000);
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway('security_bad_input', { RATE_LIMIT_PER_SECOND: '1000000', DELIVERY_WORKER: 'false', BODY_LIMIT_BYTES: String(2 * 1024 * 1024) });
  // Something to read, so that filters and cursors run against real rows.
  await gw.gql('mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', {
    i: Array.from({ length: 50 }, (_, n) => ({
      id: `fuzz-seed-${n}`,
      action: 'audit-log.vsi.reboot',
      eventTime: new Date(Date.now() - n * 60_000).toISOString(),
      initiator: { id: `IBMid-${n % 5}`, name: 'ops', typeURI: 'USER', credential: { type: 'TOKEN' } },
      outcome: n % 7 ? 'SUCCESS' : 'FAILURE',
      reason: { reasonCode: n % 7 ? 200 : 500 },
      location: 'us-south',
    })),
  });
});
afterAll(async () => {
  await gw?.stop();
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

interface BadRequest {
  kind: string;
  method?: string;
  contentType?: string | null;
  body: string | Buffer;
}

const NASTY = [
  "'; DROP TABLE events; --",
  "' OR '1'='1",
  '") OR 1=1 --',
  '$1',
  '%',
  '_',
  '\\',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\r\n\r\nHTTP/1.1 200 OK',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '😀'.repeat(50),
  '\ud800',
  '*'.repeat(300),
  '<script>alert(1)</script>',
  '{{7*7}}',
  '../../etc/passwd',
  'x'.repeat(20_000),
];
const BAD_DATES = ['2026-02-30T00:00:00Z', '0000-00-00T00:00:00Z', '+275760-09-13T00:00:00.001Z', '-000001-01-01T00:00:00Z', '2026-13-01T00:00:00Z', 'yesterday', '', '2026-11-20', '2026-11-20T25:61:61Z', '1e20', 'NaN'];
const EVENTS = 'query($f: EventFilter, $first: Int, $after: String, $before: String, $last: Int) { events(filter: $f, first: $first, after: $after, before: $before, last: $last) { totalCount nodes { id } } }';
const STATS = 'query($f: EventFilter) { eventStats(filter: $f, groupBy: [SERVICE]) { total } }';
const RECORD = 'mutation($input: EventInput!) { recordEvent(input: $input) { event { id } } }';
const RECORD_MANY = 'mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount } }';

/** A valid event input to spoil: every request built from it breaks it somewhere. */
const goodEvent = () => ({ action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'x', typeURI: 'USER' }, outcome: 'SUCCESS', location: 'us-south' });
const json = (query: string, variables?: unknown) => JSON.stringify({ query, variables });

function nest(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Filters with a nasty value in one place (every string field of EventFilter). */
function nastyFilter(r: ReturnType<typeof random>): Record<string, unknown> {
  const v = r.pick(NASTY);
  return r.pick([
    { text: v },
    { services: [v] },
    { actions: [v] },
    { objectType: v },
    { verb: v },
    { locations: [v] },
    { correlationId: v },
    { initiator: { id: v } },
    { initiator: { name: v } },
    { initiator: { hostAddress: v } },
    { target: { id: v } },
    { target: { name: v } },
    { target: { typeURI: v } },
    { anyOf: [{ text: v }, { initiator: { id: v } }] },
    { not: { target: { id: v } } },
  ]);
}

const GENERATORS: Array<[string, (r: ReturnType<typeof random>) => BadRequest]> = [
  ['invalid JSON', (r) => ({ kind: 'invalid JSON', body: r.pick(['{', '{"query": ', '{"query": "{ viewer { name } }"', 'null', '[', 'NaN', '{"query": "x"} trailing', '\ufeff{"query": 1}', Buffer.from(Array.from({ length: 64 }, () => r.int(256))).toString('latin1')]) })],
  ['random bytes', (r) => ({ kind: 'random bytes', body: Buffer.from(Array.from({ length: 1 + r.int(2000) }, () => r.int(256))) })],
  ['wrong top-level types', (r) => ({ kind: 'wrong top-level types', body: JSON.stringify(r.pick([{ query: 42 }, { query: ['x'] }, { query: '{ viewer { name } }', variables: 'x' }, { query: '{ viewer { name } }', operationName: 7 }, { query: null }, 17, 'string', true, { extensions: 'x' }])) })],
  ['wrong variable types', (r) => ({
    kind: 'wrong variable types',
    body: r.pick([
      json(RECORD, { input: { ...goodEvent(), eventTime: 123 } }),
      json(RECORD, { input: { ...goodEvent(), outcome: 'MAYBE' } }),
      json(RECORD, { input: { ...goodEvent(), location: ['us-south'] } }),
      json(RECORD, { input: { ...goodEvent(), initiator: 'me' } }),
      json(RECORD, { input: { ...goodEvent(), reason: { reasonCode: '200x' } } }),
      json(RECORD, { input: { ...goodEvent(), dataEvent: 'yes' } }),
      json(EVENTS, { first: 'ten' }),
      json(EVENTS, { first: 1.5 }),
      json(EVENTS, { first: 2 ** 40 }),
      json(EVENTS, { f: 5 }),
      json(EVENTS, { f: { minSeverity: 'HUGE' } }),
      // (A single object where a list is expected is valid GraphQL: a list of one. Not this.)
      json(RECORD_MANY, { inputs: [goodEvent(), 5] }),
    ]),
  })],
  ['huge strings', (r) => {
    const big = 'x'.repeat(70_000 + r.int(200_000));
    return {
      kind: 'huge strings',
      body: r.pick([
        json(RECORD, { input: { ...goodEvent(), message: big } }),
        json(RECORD, { input: { ...goodEvent(), initiator: { id: big, typeURI: 'USER' } } }),
        json(RECORD, { input: { ...goodEvent(), action: big } }),
        json(EVENTS, { f: { text: big } }),
        json(`{ action(name: "${big}") { name } }`),
        json(RECORD, { input: { ...goodEvent(), requestData: { blob: big } } }),
      ]),
    };
  }],
  ['huge lists', (r) => ({
    kind: 'huge lists',
    body: r.pick([
      json(RECORD_MANY, { inputs: Array.from({ length: 1001 + r.int(500) }, goodEvent) }),
      json(EVENTS, { f: { actions: Array.from({ length: 101 + r.int(3000) }, (_, i) => `a.b.c${i}`) } }),
      json(EVENTS, { f: { locations: Array.from({ length: 101 + r.int(3000) }, () => 'us-south') } }),
      json(EVENTS, { f: { anyOf: Array.from({ length: 65 + r.int(2000) }, () => ({ text: 'a' })) } }),
    ]),
  })],
  ['deep nesting', (r) => ({
    kind: 'deep nesting',
    body: r.pick([
      json(`{ ${'services { nodes { actions { nodes { service { '.repeat(20 + r.int(40))} prefix ${'} } } } } '.repeat(20 + r.int(40))}}`),
      json(RECORD, { input: { ...goodEvent(), requestData: nest(200 + r.int(3000), 1) } }),
      json(EVENTS, { f: nest(100 + r.int(500), 'x') }),
      json(`{ viewer ${'{'.repeat(500)} }`),
      '['.repeat(1000 + r.int(20_000)),
    ]),
  })],
  ['unknown fields', (r) => ({
    kind: 'unknown fields',
    body: r.pick([
      json('{ nope }'),
      json('{ viewer { password } }'),
      json('{ events(sortBy: "x") { nodes { id } } }'),
      json(RECORD, { input: { ...goodEvent(), isAdmin: true } }),
      json(EVENTS, { f: { accountId: 'someone-else' } }),
      json('mutation { dropDatabase }'),
      JSON.stringify({ query: '{ viewer { name } }', operationName: 'DoesNotExist' }),
    ]),
  })],
  ['SQL and control characters in filters', (r) => ({ kind: 'SQL and control characters', body: json(r.pick([EVENTS, STATS]), { f: nastyFilter(r), first: 5 }) })],
  ['SQL and control characters in ingest', (r) => ({
    // Spoiled twice: the nasty value, and an action that does not exist (so nothing may be written).
    kind: 'SQL and control characters in ingest',
    body: json(RECORD, { input: { ...goodEvent(), action: `nope.${r.int(1000)}.x`, message: r.pick(NASTY), initiator: { id: r.pick(NASTY), typeURI: 'USER' } } }),
  })],
  ['forged cursors', (r) => {
    const cursor = r.pick([
      Buffer.from(`event:${r.int(1e9)}:${r.pick(NASTY)}`).toString('base64url'),
      Buffer.from('service:abc').toString('base64url'),
      Buffer.from(`event:${'9'.repeat(30)}:x`).toString('base64url'),
      Buffer.from('event:-1:').toString('base64url'),
      'not base64 !!',
      'A'.repeat(5000),
      '',
      Buffer.from("event:1700000000000:' OR 1=1 --").toString('base64url'),
    ]);
    return { kind: 'forged cursors', body: r.pick([json(EVENTS, { after: cursor, first: 5 }), json(EVENTS, { before: cursor, last: 5 }), json('query($a: String) { deliveries(after: $a) { nodes { id } } }', { a: cursor }), json('query($a: String) { actions(after: $a) { nodes { name } } }', { a: cursor })]) };
  }],
  ['impossible dates', (r) => {
    const date = r.pick(BAD_DATES);
    return { kind: 'impossible dates', body: r.pick([json(RECORD, { input: { ...goodEvent(), eventTime: date } }), json(EVENTS, { f: { from: date } }), json(EVENTS, { f: { to: date } }), json(EVENTS, { f: { from: new Date().toISOString(), to: new Date(Date.now() - 86_400_000).toISOString() } })]) };
  }],
  ['wrong content types and methods', (r) => ({
    kind: 'wrong content types and methods',
    method: r.pick(['POST', 'POST', 'PUT', 'DELETE', 'PATCH']),
    contentType: r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', null, 'application/json; charset=utf-16', 'application/graphql']),
    body: r.pick([json(RECORD, { input: { ...goodEvent(), outcome: 'NOPE' } }), 'query=%7B%20viewer%20%7D', '<query/>', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--']),
  })],
];

async function tableCounts() {
  const tables = ['events', 'targets', 'routes', 'route_rules', 'api_keys', 'services', 'actions', 'deliveries', 'audit_outbox', 'accounts', 'event_counts_minute', 'account_settings'];
  const { rows } = await gw.gateway.db.pool.query(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`).join(', ')}, ((SELECT coalesce(sum(count), 0) FROM routing_drops) + (SELECT coalesce(sum(n), 0) FROM routing_drop_batches, unnest(counts) AS n))::int AS drops`);
  return rows[0] as Record<string, number>;
}

it(`survives ${TOTAL} malformed requests: no crash, no 5xx, nothing written`, async () => {
  const before = await tableCounts();
  const r = random(20261121);
  const requests = Array.from({ length: TOTAL }, (_, i) => GENERATORS[i % GENERATORS.length]![1](r));
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const contentType = request.contentType === undefined ? 'application/json' : request.contentType;
      const response = await fetch(gw.url, {
        method: request.method ?? 'POST',
        headers: { ...(contentType ? { 'content-type': contentType } : {}), 'apollo-require-preflight': 'true', ...gw.bearer(gw.adminKey) },
        body: request.body,
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) failures.push(`${request.kind}: HTTP ${response.status} ${text.slice(0, 200)}`);
      if (text.includes('INTERNAL_SERVER_ERROR')) failures.push(`${request.kind}: ${text.slice(0, 300)}`);
      if (/\n\s+at /.test(text)) failures.push(`${request.kind}: a stack trace reached the client`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(failures.slice(0, 20)).toEqual([]);
  // Every answer was one of the intended ones.
  expect([...statuses.keys()].every((s) => [200, 400, 404, 405, 413, 415].includes(s)), JSON.stringify([...statuses])).toBe(true);
  expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
  // Still up, still answering, and nothing was written.
  expect((await fetch(`${gw.base}/healthz`)).status).toBe(200);
  expect((await gw.gql('{ events(first: 1) { totalCount } }')).body.data!.events.totalCount).toBeGreaterThanOrEqual(50);
  expect(await tableCounts()).toEqual(before);
}, 300_000);

it('refuses an unpaired surrogate anywhere in the variables (which PostgreSQL would store as U+FFFD, or jsonb refuse), naming each place, and writes nothing', async () => {
  const before = await tableCounts();
  const target = await gw.gql('mutation($i: CreateTargetInput!) { createTarget(input: $i) { target { id } } }', {
    i: { name: 'lone \ud800 target', region: 'us-south', webhook: { url: 'http://127.0.0.1:9/x', secret: 'abcdefghijklmnopqrstuvwxyz' } },
  });
  expect(target.status).toBe(400);
  expect(target.body.errors?.[0]).toMatchObject({
    message: 'i.name: must be valid Unicode text (it holds an unpaired surrogate, \\uD800-\\uDFFF)',
    extensions: { code: 'BAD_USER_INPUT', field: 'i.name' },
  });
  const good = { action: 'audit-log.vsi.reboot', eventTime: new Date().toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'us-south' };
  const batch = await gw.gql(RECORD_MANY, { inputs: [good, { ...good, message: 'x\udfff' }, good, { ...good, requestData: { ['k\ud83d']: 1, v: ['\udc00'] } }] });
  expect(batch.status).toBe(400);
  expect(batch.body.errors?.[0]?.message).toMatch(/^inputs\[1\]\.message: must be valid Unicode text .* \(and 2 more\)$/);
  expect((batch.body.errors?.[0]?.extensions?.issues as Array<{ field: string }>).map((i) => i.field)).toEqual(['inputs[1].message', 'inputs[3].requestData', 'inputs[3].requestData.v[0]']);
  expect(await tableCounts()).toEqual(before);
  // A surrogate pair is text like any other.
  const pair = await gw.gql('mutation($input: EventInput!) { recordEvent(input: $input) { created event { message } } }', { input: { ...good, id: 'surrogate-pair', message: 'ok 😀' } });
  expect(pair.body.data!.recordEvent).toEqual({ created: true, event: { message: 'ok 😀' } });
});
