// At-least-once delivery across a crash: a real gateway process is killed with SIGKILL while
// it is sending a batch (the receiver holds the request open), then started again on the
// same database. Every delivery reaches the receiver; none is lost.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKeyWithCli, spawnGateway, terminate, type GatewayProcess } from '../support/child.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, postGraphQL } from '../support/gateway.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

let db: TestDatabase;
let receiver: Receiver;
let key: string;
const children: GatewayProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase('routing_crash');
  receiver = await startReceiver();
  key = await createKeyWithCli(db.env);
});
afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await receiver?.close();
  await db?.drop();
});

function start(): GatewayProcess {
  const child = spawnGateway({
    ...db.env,
    DELIVERY_POLL_MS: '50',
    DELIVERY_BATCH_SIZE: '5',
    DELIVERY_TIMEOUT_MS: '3000',
    DELIVERY_LEASE_MS: '2000',
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_ALLOWED_HOSTS: '127.0.0.1',
  });
  children.push(child);
  return child;
}

const EVENTS = 20;

it('SIGKILL in the middle of delivering, then a restart: no delivery is lost', async () => {
  receiver.answer('/crash', () => 'hang');
  const first = start();
  const url = await first.url();
  const auth = { authorization: `Bearer ${key}` };
  const gql = (query: string, variables?: Record<string, unknown>) => postGraphQL<Record<string, any>>(url, query, variables, auth);

  const target = await gql('mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }', {
    input: { name: 'crash-receiver', region: 'us-south', webhook: { url: receiver.url('/crash'), secret: 'crash-test-secret-0123456789' } },
  });
  const targetId = target.body.data!.createTarget.target.id;
  await gql('mutation($input: CreateRouteInput!) { createRoute(input: $input) { route { id } } }', { input: { name: 'all', rules: [{ locations: ['*'], targetIds: [targetId], actionPatterns: ['audit-log.vsi.*'] }] } });
  const inputs = Array.from({ length: EVENTS }, (_, i) => ({
    id: `crash-${i}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 1000).toISOString(),
    initiator: { id: 'IBMid-1', typeURI: 'USER', credential: { type: 'TOKEN' } },
    outcome: 'SUCCESS',
    reason: { reasonCode: 200 },
    location: 'us-south',
  }));
  const recorded = await gql('mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount events { id } } }', { inputs });
  expect(recorded.body.data!.recordEvents.createdCount).toBe(EVENTS);
  const eventIds = new Set<string>(recorded.body.data!.recordEvents.events.map((e: { id: string }) => e.id));

  // The worker has taken a batch and is waiting for the receiver's answer.
  await eventually(async () => receiver.received('/crash').length >= 1, 20_000);
  const inFlight = await gql('{ deliveries(filter: { statuses: [DELIVERING] }) { totalCount } pending: deliveries(filter: { statuses: [PENDING] }) { totalCount } }');
  expect(inFlight.body.data!.deliveries.totalCount).toBe(5);
  expect(inFlight.body.data!.pending.totalCount).toBe(EVENTS - 5);
  expect(receiver.eventIds('/crash').size).toBe(5);

  first.child.kill('SIGKILL');
  await first.exited;
  expect(first.child.signalCode).toBe('SIGKILL');

  // The receiver is healthy again; a new process takes over the same database.
  receiver.answer('/crash', () => 200);
  const second = start();
  const url2 = await second.url();
  await eventually(async () => receiver.eventIds('/crash').size === EVENTS, 30_000);
  expect(receiver.eventIds('/crash')).toEqual(eventIds);

  const done = await eventually(async () => {
    const res = await postGraphQL<Record<string, any>>(url2, '{ deliveries(first: 500) { totalCount nodes { status attempts } } events(first: 500, filter: { actions: ["audit-log.vsi.reboot"] }) { totalCount } }', undefined, auth);
    const nodes = res.body.data!.deliveries.nodes as Array<{ status: string; attempts: number }>;
    return nodes.every((n) => n.status === 'DELIVERED') && res.body.data;
  }, 30_000);
  expect(done.deliveries.totalCount).toBe(EVENTS);
  expect(done.events.totalCount).toBe(EVENTS);
  // The interrupted batch was sent again (at least once), the others once.
  const attempts = done.deliveries.nodes.map((n: { attempts: number }) => n.attempts).sort();
  expect(attempts.filter((a: number) => a === 2)).toHaveLength(5);
  expect((await terminate(second)).code).toBe(0);
}, 120_000);
