// Delivery to real destinations: a local HTTP receiver for webhooks (signed batches,
// failures then a successful retry, dead-lettering, redeliver, timeouts) and NDJSON spool
// files for the other target types. The gateway's own worker does the sending.
import { createHmac } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver.js';

const SECRET = 'receiver-shared-secret-0123456789';
let gw: TestGateway;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await startTestGateway('routing_delivery', {
    DELIVERY_POLL_MS: '50',
    DELIVERY_BACKOFF_MS: '60',
    DELIVERY_BACKOFF_MAX_MS: '400',
    DELIVERY_MAX_ATTEMPTS: '3',
    DELIVERY_TIMEOUT_MS: '400',
    // The test's receiver listens on loopback, which deliveries may not reach unless allowed.
    DELIVERY_ALLOWED_HOSTS: '127.0.0.1',
  });
});
afterAll(async () => {
  await gw?.stop();
  await receiver?.close();
});

/** What a receiver does: recompute the HMAC over `<timestamp>.<raw body>` with its secret. */
function verifies(request: ReceivedRequest, secret = SECRET, raw = request.raw): boolean {
  const timestamp = String(request.headers['x-audit-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
  return request.headers['x-audit-signature'] === expected;
}

async function webhookTo(name: string, receiverPath: string): Promise<string> {
  const res = await gw.gql('mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }', {
    input: { name, region: 'us-south', webhook: { url: receiver.url(receiverPath), secret: SECRET, headers: [{ name: 'Authorization', value: 'Bearer receiver-token' }] } },
  });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.createTarget.target.id;
}

/** Routes events of one location to one target (each test uses its own location). */
async function routeLocation(name: string, location: string, targetId: string): Promise<void> {
  const res = await gw.gql('mutation($input: CreateRouteInput!) { createRoute(input: $input) { route { id } } }', { input: { name, rules: [{ locations: [location], targetIds: [targetId] }] } });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
}

let seq = 0;
async function record(location: string, count: number, outcome = 'SUCCESS'): Promise<string[]> {
  const inputs = Array.from({ length: count }, () => ({
    id: `delivery-${++seq}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 1000).toISOString(),
    initiator: { id: 'IBMid-7', name: 'ops@example.com', typeURI: 'USER', credential: { type: 'TOKEN' } },
    target: { id: 'crn:v1:bluemix:public:virtual-server:us-south:a/1::vsi:9', name: 'vsi-9' },
    outcome,
    reason: { reasonCode: outcome === 'SUCCESS' ? 200 : 500 },
    location,
    requestData: { reason: 'maintenance' },
  }));
  const res = await gw.gql('mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { events { id } } }', { inputs });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.recordEvents.events.map((e: { id: string }) => e.id);
}

const DELIVERIES = `query($id: ID!) { deliveries(filter: { targetId: $id }, first: 500) {
  totalCount nodes { id eventId status attempts lastError reason deliveredAt } } }`;
async function deliveriesTo(targetId: string) {
  return (await gw.gql(DELIVERIES, { id: targetId })).body.data!.deliveries.nodes as Array<{ id: string; eventId: string; status: string; attempts: number; lastError: string | null; reason: string; deliveredAt: string | null }>;
}

async function writeStatus(targetId: string) {
  return (await gw.gql('query($id: String!) { target(id: $id) { writeStatus { lastSuccessAt lastFailureAt lastFailureReason } } }', { id: targetId })).body.data!.target.writeStatus;
}

describe('webhook targets', () => {
  it('POST a signed JSON batch with the target\'s headers; the receiver verifies the signature', async () => {
    const target = await webhookTo('signed', '/signed');
    await routeLocation('to-signed', 'us-south', target);
    receiver.answer('/signed', (request) => (verifies(request) ? 200 : 401));
    const ids = await record('us-south', 3);
    await eventually(async () => (await deliveriesTo(target)).every((d) => d.status === 'DELIVERED') && (await deliveriesTo(target)).length === 3);

    const requests = receiver.received('/signed');
    expect(requests.length).toBeGreaterThanOrEqual(1);
    for (const request of requests) {
      expect(verifies(request)).toBe(true);
      // The signature binds the body and the key: a changed body or another key fails.
      expect(verifies(request, SECRET, request.raw.replace('maintenance', 'sabotage'))).toBe(false);
      expect(verifies(request, 'another-secret-0123456789')).toBe(false);
      expect(request.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer receiver-token' });
      expect(Math.abs(Date.parse(String(request.headers['x-audit-timestamp'])) - Date.now())).toBeLessThan(60_000);
      expect(request.body.target).toEqual({ id: target, name: 'signed' });
    }
    const events = requests.flatMap((r) => r.body.deliveries.map((d) => d.event));
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(ids));
    expect(events[0]).toMatchObject({ action: 'audit-log.vsi.reboot', location: 'us-south', outcome: 'success', initiator: { id: 'IBMid-7' }, requestData: { reason: 'maintenance' } });
    const deliveries = await deliveriesTo(target);
    expect(deliveries.every((d) => d.attempts === 1 && d.reason === 'ROUTE' && d.deliveredAt !== null)).toBe(true);
    expect(await writeStatus(target)).toMatchObject({ lastSuccessAt: expect.any(String), lastFailureAt: null });
  });

  it('retries a failed send with growing delays, then delivers; the target shows the failure and the success', async () => {
    const target = await webhookTo('flaky', '/flaky');
    await routeLocation('to-flaky', 'us-east', target);
    receiver.answer('/flaky', (_request, count) => (count <= 2 ? 503 : 200));
    const [id] = await record('us-east', 1);
    const delivered = await eventually(async () => (await deliveriesTo(target)).find((d) => d.status === 'DELIVERED'));
    expect(delivered).toMatchObject({ eventId: id, attempts: 3, lastError: null });

    const attempts = receiver.received('/flaky');
    expect(attempts).toHaveLength(3);
    // The same delivery each time; backoff 60 ms then 120 ms, each with jitter of +-50%.
    expect(new Set(attempts.map((a) => a.body.deliveries[0]!.id)).size).toBe(1);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(25);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(55);
    const status = await writeStatus(target);
    // Our words only: the receiver's body ("refused with 503") is never kept.
    expect(status.lastFailureReason).toBe(`HTTP 503 from ${new URL(receiver.url('/')).host}`);
    expect(Date.parse(status.lastSuccessAt)).toBeGreaterThanOrEqual(Date.parse(status.lastFailureAt));
  });

  it('gives up after the attempt limit (dead), and redeliver sends it again', async () => {
    const target = await webhookTo('down', '/down');
    await routeLocation('to-down', 'eu-de', target);
    let up = false;
    receiver.answer('/down', () => (up ? 200 : 500));
    const ids = await record('eu-de', 2);
    const dead = await eventually(async () => {
      const list = await deliveriesTo(target);
      return list.length === 2 && list.every((d) => d.status === 'DEAD') && list;
    });
    expect(dead.every((d) => d.attempts === 3 && d.lastError === `HTTP 500 from ${new URL(receiver.url('/')).host}`)).toBe(true);
    const sent = receiver.received('/down').length;
    // Dead deliveries stay dead.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received('/down').length).toBe(sent);
    const deadList = await gw.gql('{ deliveries(filter: { statuses: [DEAD] }) { totalCount } }');
    expect(deadList.body.data!.deliveries.totalCount).toBe(2);

    up = true;
    const res = await gw.gql('mutation($ids: [ID!]!) { redeliver(input: { ids: $ids }) { queued } }', { ids: dead.map((d) => d.id) });
    expect(res.body.data!.redeliver.queued.sort()).toEqual(dead.map((d) => d.id).sort());
    await eventually(async () => (await deliveriesTo(target)).every((d) => d.status === 'DELIVERED'));
    expect(receiver.eventIds('/down')).toEqual(new Set(ids));
  });

  it('a receiver that does not answer in time is a failure with its reason', async () => {
    const target = await webhookTo('silent', '/silent');
    await routeLocation('to-silent', 'eu-gb', target);
    receiver.answer('/silent', (_request, count) => (count === 1 ? 'hang' : 200));
    await record('eu-gb', 1);
    const status = await eventually(async () => {
      const s = await writeStatus(target);
      return s.lastFailureReason && s;
    });
    expect(status.lastFailureReason).toBe(`no answer from ${new URL(receiver.url('/')).host} within 400 ms`);
    await eventually(async () => (await deliveriesTo(target))[0]?.status === 'DELIVERED');
  });

  it('an unreachable receiver is a failure naming the host', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await gw.gql('mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }', {
      input: { name: 'nowhere', region: 'us-south', webhook: { url: `http://127.0.0.1:${port}/closed`, secret: SECRET } },
    });
    const target = res.body.data!.createTarget.target.id;
    await routeLocation('to-nowhere', 'br-sao', target);
    await record('br-sao', 1);
    const status = await eventually(async () => (await writeStatus(target)).lastFailureReason);
    expect(status).toBe(`127.0.0.1:${port} refused the connection`);
  });
});

describe('spooled targets', () => {
  it('writes NDJSON lines, one per delivery, into the target\'s spool folder', async () => {
    const res = await gw.gql('mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }', {
      input: {
        name: 'archive',
        region: 'jp-tok',
        cloudObjectStorage: { endpoint: 'https://s3.jp-tok.cloud-object-storage.appdomain.cloud', bucket: 'audit-archive', crn: 'crn:v1:bluemix:public:cloud-object-storage:global:a/1:2::' },
      },
    });
    const target = res.body.data!.createTarget.target.id;
    await routeLocation('to-archive', 'jp-tok', target);
    const ids = await record('jp-tok', 5, 'FAILURE');
    await eventually(async () => (await deliveriesTo(target)).filter((d) => d.status === 'DELIVERED').length === 5);

    const folder = path.join(gw.database.env.DATA_DIR!, 'spool', 'local', target);
    const files = await readdir(folder);
    expect(files).toEqual([`${new Date().toISOString().slice(0, 10)}.ndjson`]);
    const lines = (await readFile(path.join(folder, files[0]!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event.id).sort()).toEqual([...ids].sort());
    expect(lines[0]).toMatchObject({ target: 'archive', type: 'cloud_object_storage', event: { action: 'audit-log.vsi.reboot', outcome: 'failure', severity: 'warning' } });
    expect(await writeStatus(target)).toMatchObject({ lastSuccessAt: expect.any(String) });
  });
});

describe('replayToTarget', () => {
  it('sends past events a filter selects to a new target', async () => {
    const target = await webhookTo('late', '/late');
    const res = await gw.gql('mutation($input: ReplayToTargetInput!) { replayToTarget(input: $input) { queued } }', {
      input: { targetId: target, filter: { locations: ['us-south', 'us-east'] } },
    });
    // 3 us-south events (first test) and 1 us-east event.
    expect(res.body.data!.replayToTarget.queued).toBe(4);
    await eventually(async () => receiver.eventIds('/late').size === 4);
    const deliveries = await deliveriesTo(target);
    expect(deliveries.every((d) => d.reason === 'REPLAY')).toBe(true);
    await eventually(async () => (await deliveriesTo(target)).every((d) => d.status === 'DELIVERED'));
  });
});
