// The last bad inputs and edges that failed: each gets a coded error and writes nothing, and
// what is not a fault is not logged as one. Ids are checked before SQL; an automatic
// persisted query whose hash does not match is BAD_REQUEST; a body that is not UTF-8 is
// refused naming the place; the request log carries no query string; a client that hangs
// up mid-answer is not an error.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, terminate, type GatewayProcess } from '../support/child.js';
import { createKeyWithCli } from '../support/child.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('security_edges', { DELIVERY_WORKER: 'false' });
});
afterAll(async () => {
  await gw?.stop();
});

const head = async () => (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence as number;

describe('ids', () => {
  it('are checked before any SQL: a deliveries filter naming no possible id is BAD_USER_INPUT', async () => {
    for (const [filter, field] of [
      ['{ targetId: "" }', 'filter.targetId'],
      ['{ targetId: "not-a-target" }', 'filter.targetId'],
      ['{ eventId: "" }', 'filter.eventId'],
    ] as const) {
      for (const selection of ['totalCount', 'nodes { id }']) {
        const res = await gw.gql(`{ deliveries(filter: ${filter}) { ${selection} } }`);
        expect(res.body.errors?.[0]?.extensions, `${filter} ${selection}`).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
    }
  });
});

describe('automatic persisted queries', () => {
  it('whose hash does not match the query text are BAD_REQUEST (HTTP 400)', async () => {
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) },
      body: JSON.stringify({ query: '{ viewer { accountId } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/sha does not match/) });
  });
});

describe('a request body that is not UTF-8', () => {
  it('is refused with BAD_USER_INPUT naming the field and the byte, and nothing is stored', async () => {
    const before = await head();
    const event = { action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'us-south', message: 'MARK' };
    const text = JSON.stringify({ query: 'mutation($i: EventInput!) { recordEvent(input: $i) { created } }', variables: { i: event } });
    const at = text.indexOf('MARK');
    // "MA", then a byte that starts no UTF-8 sequence, then "K".
    const body = Buffer.concat([Buffer.from(text.slice(0, at + 2)), Buffer.from([0xff]), Buffer.from(text.slice(at + 3))]);
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) }, body });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(answer.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'i.message', byte: Buffer.byteLength(text.slice(0, at + 2)) });
    expect(await head()).toBe(before);
    // A U+FFFD the client sends as it is (the three bytes EF BF BD) is text like any other.
    const sent = JSON.stringify({ query: 'mutation($i: EventInput!) { recordEvent(input: $i) { created } }', variables: { i: { ...event, message: 'replacement \uFFFD sent' } } });
    const ok = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) }, body: Buffer.from(sent, 'utf8') });
    expect(((await ok.json()) as { data: { recordEvent: { created: boolean } } }).data.recordEvent.created).toBe(true);
  });
});

describe('the request log', () => {
  let child: GatewayProcess;
  let url: string;
  let database: TestDatabase;
  let key: string;
  beforeAll(async () => {
    database = await createTestDatabase('security_edges_log');
    child = spawnGateway({ ...database.env, LOG_LEVEL: 'info', DELIVERY_WORKER: 'false' });
    url = await child.url();
    key = database.url ? await createKeyWithCli(database.env, 'admin') : String((await child.waitForLog(/admin key/)).key);
  }, 120_000);
  afterAll(async () => {
    if (child) await terminate(child);
    await database?.drop();
  });

  it('holds no query string (variables may carry secrets) and no request or response body', async () => {
    const query = new URLSearchParams({ query: 'query($s: String!) { action(name: $s) { name } }', variables: JSON.stringify({ s: 'secret-in-the-url-0123' }) });
    const res = await fetch(`${url}?${query}`, { headers: { authorization: `Bearer ${key}`, 'apollo-require-preflight': 'true' } });
    expect(res.status, await res.clone().text()).toBe(200);
    const line = await eventually(async () => child.stdout.find((l) => l.includes('"msg":"request"') && l.includes('"method":"GET"')));
    expect(JSON.parse(line)).toMatchObject({ path: '/graphql', status: 200 });
    expect(child.stdout.join('\n')).not.toContain('secret-in-the-url-0123');
  });

  it('does not take a client that hangs up mid-answer for a fault of ours', async () => {
    const { host, port } = new URL(url);
    // Megabytes of answer: events carrying 32 KB of request data each.
    const blob = 'x'.repeat(32_000);
    const inputs = Array.from({ length: 200 }, (_, n) => ({ action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000 - n).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'us-south', requestData: { blob } }));
    const recorded = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: 'mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', variables: { i: inputs } }) });
    expect(recorded.status).toBe(200);
    const body = JSON.stringify({ query: '{ events(first: 200) { edges { node { id requestData } } } }' });
    // Asked for by clients that hang up: some at once, some once the answer has begun.
    for (const after of [0, 'first bytes', 5, 'first bytes', 20, 'first bytes'] as const) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
          socket.write(`POST /graphql HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          const hangUp = () => {
            socket.resetAndDestroy();
            resolve();
          };
          if (after === 'first bytes') socket.once('data', hangUp);
          else setTimeout(hangUp, after);
        });
        socket.on('error', () => resolve());
      });
    }
    // The gateway is fine, and said nothing at error level about it.
    expect((await fetch(url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const errors = child.stdout.filter((l) => /"level":"(error|fatal)"/.test(l));
    expect(errors).toEqual([]);
  });
});
