// The live tail: eventRecorded over graphql-ws with a real client. Filters as `events` does,
// resumes from a cursor without gaps or repeats, hears commits of another gateway process
// (PostgreSQL LISTEN/NOTIFY), authenticates the connection and keeps accounts apart, and
// cuts off a subscriber that stops reading once its buffer is full, while one that reads
// through a backlog many times the buffer is served to the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseApiKey } from '../../src/auth/api-key.js';
import { spawnGateway, terminate, type GatewayProcess } from '../support/child.js';
import { serverUrl } from '../support/database.js';
import { eventually, postGraphQL, startTestGateway, type TestGateway } from '../support/gateway.js';
import { liveClient, wsUrl, type LiveClient } from '../support/live.js';

const BUFFER_BYTES = 64 * 1024;
let gw: TestGateway;
const clients: LiveClient[] = [];

const TAIL = `subscription($filter: EventFilter, $after: String) {
  eventRecorded(filter: $filter, after: $after) { cursor event { id outcome action { name } } } }`;
const RECORD = 'mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }';

let n = 0;
function event(overrides: Record<string, unknown> = {}) {
  n++;
  return {
    id: `tail-${n}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 1000).toISOString(),
    initiator: { id: 'IBMid-tail', name: 'Tail Tester', typeURI: 'USER', credential: { type: 'APIKEY' }, host: { address: '10.0.0.1', addressType: 'IPV4' } },
    target: { id: `crn:v1:bluemix:public:virtual-server:us-south:a/1::vsi:${n}`, name: `vsi-${n}` },
    outcome: 'SUCCESS',
    reason: { reasonCode: 200 },
    location: 'us-south',
    ...overrides,
  };
}

async function record(inputs: Array<Record<string, unknown>>, key = gw.adminKey, url = gw.url) {
  const res = await postGraphQL<any>(url, RECORD, { i: inputs }, gw.bearer(key));
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return inputs.map((i) => i.id as string);
}

const ids = (items: Array<Record<string, any>>) => items.map((i) => i.eventRecorded.event.id as string);
const open = (count: number) => eventually(async () => gw.gateway.managers.tail.openSubscriptions === count);

function connect(key: string | null = gw.adminKey, url = gw.url): LiveClient {
  const client = liveClient(url, key);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  gw = await startTestGateway('tail', { DELIVERY_WORKER: 'false', SUBSCRIPTION_BUFFER_BYTES: String(BUFFER_BYTES), SUBSCRIPTION_STALL_MS: '1000', SUBSCRIPTION_KEY_RECHECK_MS: '200' });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gw?.stop();
});

describe('eventRecorded', () => {
  it('sends the events that match the same filter as `events`, in the order they were stored', async () => {
    const sub = connect().subscribe(TAIL, { filter: { actions: ['audit-log.vsi.*'], outcomes: ['FAILURE'] } });
    await open(1);
    const failures = [event({ outcome: 'FAILURE', reason: { reasonCode: 409 } }), event({ outcome: 'FAILURE', reason: { reasonCode: 500 } })];
    await record([event(), failures[0]!, event({ action: 'audit-log.vsi.rename' }), failures[1]!, event({ action: 'audit-log.vsi.rename', outcome: 'FAILURE', reason: { reasonCode: 403 } })]);
    await eventually(async () => sub.items.length >= 3);
    // The third failure is of vsi.rename, which the glob also matches; nothing else came.
    expect(ids(sub.items)).toEqual([failures[0]!.id, failures[1]!.id, `tail-${n}`]);
    expect(sub.items.every((i) => i.eventRecorded.event.outcome === 'FAILURE')).toBe(true);
    expect(sub.items[0]!.eventRecorded.event.action.name).toBe('audit-log.vsi.reboot');
    // The events query with the same filter agrees.
    const listed = await gw.gql('query($f: EventFilter) { events(filter: $f, first: 10) { nodes { id } } }', { f: { actions: ['audit-log.vsi.*'], outcomes: ['FAILURE'] } });
    expect(listed.body.data!.events.nodes.map((e: { id: string }) => e.id).sort()).toEqual(ids(sub.items).sort());
    sub.stop();
    await open(0);
  });

  it('resumes after a cursor: first what was recorded since, then live events, without gaps or repeats', async () => {
    const first = connect().subscribe(TAIL);
    await open(1);
    const before = await record([event(), event(), event()]);
    await eventually(async () => first.items.length === 3);
    expect(ids(first.items)).toEqual(before);
    const cursor = first.items[1]!.eventRecorded.cursor as string;
    first.stop();
    await open(0);

    // Written while nobody listens, then while the resumed subscription catches up.
    const missed = await record([event(), event()]);
    const writer = (async () => {
      const live: string[] = [];
      for (let i = 0; i < 15; i++) live.push(...(await record([event()])));
      return live;
    })();
    const resumed = connect().subscribe(TAIL, { after: cursor });
    const live = await writer;
    const expected = [before[2]!, ...missed, ...live];
    await eventually(async () => resumed.items.length >= expected.length);
    expect(ids(resumed.items)).toEqual(expected);
    // Each cursor is later than the one before.
    const cursors = resumed.items.map((i) => i.eventRecorded.cursor as string);
    expect(new Set(cursors).size).toBe(cursors.length);
    resumed.stop();
    await open(0);
  });

  it('refuses a bad filter or cursor with BAD_USER_INPUT, and queries over the socket with BAD_REQUEST', async () => {
    const client = connect();
    const badFilter = client.subscribe(TAIL, { filter: { actions: [] } });
    await badFilter.ended;
    expect(badFilter.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.actions' } });
    const badCursor = client.subscribe(TAIL, { after: 'not-a-cursor' });
    await badCursor.ended;
    expect(badCursor.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
    const query = client.subscribe('{ viewer { accountId } }');
    await query.ended;
    expect(query.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    const invalid = client.subscribe('subscription { eventRecorded { nope } }');
    await invalid.ended;
    expect(invalid.errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    // Over HTTP a subscription is pointed at the WebSocket.
    const overHttp = await gw.gql(TAIL);
    expect(overHttp.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(gw.gateway.managers.tail.openSubscriptions).toBe(0);
  });
});

describe('authentication and accounts', () => {
  it('closes a connection without a valid key at connection time (4403)', async () => {
    for (const key of [null, 'aqg_00000000000000000000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']) {
      const sub = connect(key).subscribe(TAIL);
      const ended = await sub.ended;
      expect(ended).toMatchObject({ code: 4403 });
      expect((ended as { reason: string }).reason).toMatch(/^UNAUTHENTICATED: /);
      expect(sub.items).toEqual([]);
    }
    expect(gw.gateway.managers.tail.openSubscriptions).toBe(0);
  });

  it('closes the connections of a key revoked while they are open', async () => {
    const key = await gw.createKey('reader');
    const sub = connect(key).subscribe(TAIL);
    await open(1);
    const id = parseApiKey(key)!.id;
    const revoked = await gw.gql('mutation($id: ID!) { revokeKey(input: { id: $id }) { apiKey { id } } }', { id });
    expect(revoked.body.errors, JSON.stringify(revoked.body.errors)).toBeUndefined();
    expect(await sub.ended).toMatchObject({ code: 4403, reason: 'UNAUTHENTICATED: the API key was revoked' });
    await open(0);
  });

  it('shows each subscriber only its own account, with a reader key', async () => {
    const otherWriter = await gw.createKey('writer', 'tail-other');
    const otherReader = await gw.createKey('reader', 'tail-other');
    const mine = connect().subscribe(TAIL);
    const theirs = connect(otherReader).subscribe(TAIL);
    await open(2);
    const local = await record([event(), event()]);
    const other = await record([event(), event()], otherWriter);
    await eventually(async () => mine.items.length >= 2 && theirs.items.length >= 2);
    // Let any stray delivery arrive before asserting nothing else came.
    await record([event()], otherWriter);
    await eventually(async () => theirs.items.length >= 3);
    expect(ids(theirs.items).slice(0, 2)).toEqual(other);
    expect(ids(mine.items)).toEqual(local);
    mine.stop();
    theirs.stop();
    await open(0);
  });
});

describe('a slow consumer', () => {
  it('is told SLOW_CONSUMER and disconnected (4008) when its buffer stays full; it resumes with its last cursor', async () => {
    const socket = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    let closed: { code: number; reason: string } | null = null;
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${gw.adminKey}` } }));
    await eventually(async () => messages.some((m) => m.type === 'connection_ack'));
    // It asks for the request data: each message is as big as the event (60 kB).
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { eventRecorded { cursor event { id requestData } } }' } }));
    await open(1);
    // Stop reading: the socket's buffers fill, then the subscription's own buffer.
    socket.pause();
    const big = { blob: 'x'.repeat(60_000) };
    const recorded: string[] = [];
    // The kernel's socket buffers take tens of megabytes before the server's send stalls.
    for (let batch = 0; batch < 60 && gw.gateway.managers.tail.openSubscriptions > 0; batch++) {
      recorded.push(...(await record(Array.from({ length: 40 }, () => event({ requestData: big })))));
    }
    await open(0);
    socket.resume();
    await eventually(async () => closed !== null, 30_000);
    expect(closed).toMatchObject({ code: 4008 });
    // What the socket held, then the notice, then the close frame.
    const notice = messages.at(-1)!;
    expect(notice).toMatchObject({ id: '1', type: 'error', payload: [{ extensions: { code: 'SLOW_CONSUMER', bufferBytes: BUFFER_BYTES } }] });
    const delivered = messages.filter((m) => m.type === 'next').map((m) => m.payload.data.eventRecorded);
    // It got a prefix of what was recorded, in order; the rest waited in the database.
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(recorded.length);
    expect(delivered.map((d) => d.event.id)).toEqual(recorded.slice(0, delivered.length));

    // Resubscribing with the last cursor it got sends the rest, in order: megabytes, through
    // a 64 KiB buffer, to a subscriber that keeps reading.
    const resumed = connect().subscribe('subscription($after: String) { eventRecorded(after: $after) { event { id } } }', { after: delivered.at(-1)!.cursor });
    await eventually(async () => resumed.items.length >= recorded.length - delivered.length, 30_000);
    expect(ids(resumed.items)).toEqual(recorded.slice(delivered.length));
    resumed.stop();
    await open(0);
  }, 120_000);
});

describe('a stalled subscriber', () => {
  it('whose socket is paused is cut off within the stall time, however few events wait, while other accounts go on', async () => {
    const quiet = await gw.createKey('reader', 'tail-quiet');
    const sockets = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
        const messages: Array<Record<string, any>> = [];
        let closed: { code: number } | null = null;
        socket.on('message', (data) => messages.push(JSON.parse(String(data))));
        socket.on('close', (code) => (closed = { code }));
        await new Promise((resolve) => socket.once('open', resolve));
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${gw.adminKey}` } }));
        await eventually(async () => messages.some((m) => m.type === 'connection_ack'));
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { eventRecorded { cursor event { id } } }' } }));
        return { socket, messages, closed: () => closed };
      }),
    );
    await open(5);
    // They stop reading; a few small events come, far from filling any buffer.
    for (const s of sockets) s.socket.pause();
    await record([event(), event()]);
    const started = Date.now();
    let slowest = 0;
    while (gw.gateway.managers.tail.openSubscriptions > 0 && Date.now() - started < 10_000) {
      const t = performance.now();
      const res = await gw.gql('{ events(first: 20) { edges { node { id } } } }', undefined, gw.bearer(quiet));
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      slowest = Math.max(slowest, performance.now() - t);
      await new Promise((r) => setTimeout(r, 20)); // within the key's rate
    }
    // Cut off after the stall time (1 s here) and a ping interval, not left connected.
    expect(gw.gateway.managers.tail.openSubscriptions).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slowest).toBeLessThan(2000);
    // Once it reads again: what it was sent, the notice, then 4008.
    for (const s of sockets) s.socket.resume();
    try {
      for (const s of sockets) {
        await eventually(async () => s.closed() !== null, 10_000);
        expect(s.closed()).toEqual({ code: 4008 });
        expect(s.messages.at(-1)).toMatchObject({ id: '1', type: 'error', payload: [{ extensions: { code: 'SLOW_CONSUMER' } }] });
      }
    } finally {
      for (const s of sockets) s.socket.terminate();
    }
  }, 60_000);
});

describe('a subscriber behind a large backlog', () => {
  it('is sent no more than its buffer ahead of what it read, so its notice and 4008 reach it once it reads again', async () => {
    // A backlog of 3 MB in the database, then a subscriber that resumes from before it and stops reading.
    const [first] = await record([event()]);
    const cursor = (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
    const big = { blob: 'x'.repeat(60_000) };
    for (let i = 0; i < 5; i++) await record(Array.from({ length: 10 }, () => event({ requestData: big })));
    expect(first).toBeDefined();
    const socket = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    let received = 0;
    let closed: { code: number } | null = null;
    socket.on('message', (data: Buffer) => {
      received += data.length;
      messages.push(JSON.parse(String(data)));
    });
    socket.on('close', (code) => (closed = { code }));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${gw.adminKey}` } }));
    await eventually(async () => messages.some((m) => m.type === 'connection_ack'));
    const after = Buffer.from(`tail:${cursor}`).toString('base64url');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($after: String) { eventRecorded(after: $after) { cursor event { id requestData } } }', variables: { after } } }));
    socket.pause();
    try {
      await open(1);
      await eventually(async () => gw.gateway.managers.tail.openSubscriptions === 0, 15_000);
      socket.resume();
      await eventually(async () => closed !== null, 15_000);
      expect(closed).toEqual({ code: 4008 });
      expect(messages.at(-1)).toMatchObject({ id: '1', type: 'error', payload: [{ extensions: { code: 'SLOW_CONSUMER' } }] });
      // What it had been sent when it was cut off: about its buffer (64 KiB) and a message or two, not the 3 MB.
      expect(received).toBeLessThan(BUFFER_BYTES + 3 * 70_000);
    } finally {
      socket.terminate();
    }
  }, 60_000);
});

describe.skipIf(!serverUrl)('several gateway processes on one database', () => {
  let child: GatewayProcess;
  let childUrl: string;
  beforeAll(async () => {
    child = spawnGateway({ ...gw.database.env, DELIVERY_WORKER: 'false', LOG_LEVEL: 'info' });
    childUrl = await child.url();
  }, 120_000);
  afterAll(async () => {
    if (child) await terminate(child);
  });

  it('sends a subscriber of one process the events recorded through the other (LISTEN/NOTIFY)', async () => {
    const here = connect().subscribe(TAIL);
    const there = connect(gw.adminKey, childUrl).subscribe(TAIL);
    await open(1);
    await eventually(async () => child.stdout.some((line) => line.includes('live tail: subscribed')));
    const viaChild = await record([event(), event()], gw.adminKey, childUrl);
    const viaHere = await record([event()]);
    await eventually(async () => here.items.length >= 3 && there.items.length >= 3);
    // Both see one order: the chain's.
    expect(ids(here.items)).toEqual(ids(there.items));
    expect(new Set(ids(here.items))).toEqual(new Set([...viaChild, ...viaHere]));
    here.stop();
    there.stop();
  }, 60_000);
});
