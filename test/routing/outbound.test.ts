// Deliveries cannot be aimed inside: a webhook target pointing at loopback, private,
// link-local, unique-local, unspecified, multicast or metadata addresses, in any spelling,
// is refused when made; one that resolves inside at connection time (stored before, or a
// name that resolves elsewhere now) gets nothing sent, and its failure says why in our
// words, never with the receiver's answer. Secrets and header values are stored sealed.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundPolicy } from '../../src/routing/outbound.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

let gw: TestGateway;
let receiver: Receiver;
const SECRET = 'a-webhook-secret-of-some-length';
const CREATE = 'mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }';
const sql = (text: string, params: unknown[] = []) => gw.gateway.db.pool.query(text, params);

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await startTestGateway('routing_outbound', { DELIVERY_POLL_MS: '50', DELIVERY_MAX_ATTEMPTS: '1', DELIVERY_TIMEOUT_MS: '1000' });
});
afterAll(async () => {
  await gw?.stop();
  await receiver?.close();
});

const targetCount = async () => Number((await sql('SELECT count(*) FROM targets')).rows[0].count);

/** Routes every event of `location` to `targetId` and records one there. */
async function deliverTo(targetId: string, location: string): Promise<void> {
  const route = await gw.gql('mutation($i: CreateRouteInput!) { createRoute(input: $i) { route { id } } }', { i: { name: `to-${targetId}`, rules: [{ locations: [location], targetIds: [targetId] }] } });
  expect(route.body.errors, JSON.stringify(route.body.errors)).toBeUndefined();
  const event = { action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location };
  const res = await gw.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', { i: event });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
}

const failure = (targetId: string) =>
  eventually(async () => (await gw.gql('query($id: String!) { target(id: $id) { writeStatus { lastFailureReason } } }', { id: targetId })).body.data!.target.writeStatus.lastFailureReason as string | null);

describe('a webhook target', () => {
  it('is refused when its URL points inside, in every spelling, and nothing is written', async () => {
    const port = new URL(receiver.url('/')).port;
    const gatewayPort = new URL(gw.url).port;
    const inside = [
      `http://127.0.0.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `http://api.localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://0.0.0.0:${port}/hook`,
      `http://[::]:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://127.1:${port}/hook`,
      `http://0x7f.0.0.1:${port}/hook`,
      `http://017700000001:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      `http://[64:ff9b::7f00:1]:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://172.16.5.4/hook',
      'http://100.64.0.1/hook',
      'http://224.0.0.1/hook',
      'http://[fe80::1]/hook',
      `http://127.0.0.1:${gatewayPort}/graphql`,
      'http://127.0.0.1:5432/',
    ];
    const before = await targetCount();
    const accepted: string[] = [];
    for (const [i, url] of inside.entries()) {
      const res = await gw.gql(CREATE, { input: { name: `inside-${i}`, region: 'us-south', webhook: { url, secret: SECRET } } });
      const error = res.body.errors?.[0]?.extensions;
      if (error?.code !== 'BAD_USER_INPUT' || error.field !== 'input.webhook.url') accepted.push(`${url}: ${JSON.stringify(res.body.errors ?? res.body.data)}`);
    }
    expect(accepted).toEqual([]);
    expect(await targetCount()).toBe(before);
    // Updating an existing target to point inside is refused the same way.
    const ok = await gw.gql(CREATE, { input: { name: 'outside', region: 'us-south', webhook: { url: 'https://hooks.example.com/a', secret: SECRET } } });
    const id = ok.body.data!.createTarget.target.id;
    const update = await gw.gql('mutation($i: UpdateTargetInput!) { updateTarget(input: $i) { target { id } } }', { i: { id, patch: { webhook: { url: 'http://[::ffff:7f00:1]/x' } } } });
    expect(update.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patch.webhook.url' });
    expect(update.body.errors?.[0]?.message).toMatch(/loopback/);
  });

  it('that resolves inside when it is sent to gets nothing, and its failure is in our words', async () => {
    // As stored before this policy, or by someone who can write to the database: the check
    // at every connection is what stops it.
    // By name where this machine's name resolves inside (it does on most: /etc/hosts), else by address.
    const byName = `http://${os.hostname()}:${new URL(receiver.url('/')).port}/rebound`;
    const resolvesInside = await createOutboundPolicy({ allowed: [], allowHttp: true }).problem(byName);
    if (!resolvesInside) console.warn(`${os.hostname()} does not resolve to an internal address here: checking a literal loopback address instead`);
    const url = resolvesInside ? byName : receiver.url('/rebound');
    const made = await gw.gql(CREATE, { input: { name: 'rebound', region: 'us-south', webhook: { url: 'https://hooks.example.com/rebound', secret: SECRET } } });
    const id = made.body.data!.createTarget.target.id;
    await sql(`UPDATE targets SET config = jsonb_set(config, '{url}', to_jsonb($2::text)) WHERE id = $1`, [id, url]);
    receiver.answer('/rebound', () => 200);
    await deliverTo(id, 'ca-tor');
    const reason = await failure(id);
    expect(reason).toMatch(/loopback|deliveries may not reach|public addresses only/);
    expect(receiver.received('/rebound')).toEqual([]);
  });

  it("records a failure's status code, never the receiver's answer", async () => {
    const allowed = await startTestGateway('routing_outbound_allowed', { DELIVERY_POLL_MS: '50', DELIVERY_MAX_ATTEMPTS: '1', DELIVERY_ALLOWED_HOSTS: '127.0.0.1' });
    try {
      // The receiver answers 500 with a body ("refused with 500"): an internal service's reply, say.
      receiver.answer('/leaky', () => 500);
      const leaky = await startReceiverBody(allowed);
      expect(leaky.reason).toBe(`HTTP 500 from ${new URL(receiver.url('/')).host}`);
      expect(leaky.lastError).toBe(leaky.reason);
      expect(JSON.stringify(leaky)).not.toContain('refused with');
    } finally {
      await allowed.stop();
    }
  });

  it('is https only with NODE_ENV=production, unless DELIVERY_ALLOW_HTTP', async () => {
    const production = await startTestGateway('routing_outbound_production', { NODE_ENV: 'production', DELIVERY_WORKER: 'false' });
    try {
      const res = await production.gql(CREATE, { input: { name: 'plain', region: 'us-south', webhook: { url: 'http://hooks.example.com/a', secret: SECRET } } });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.webhook.url' });
      expect(res.body.errors?.[0]?.message).toMatch(/https/);
      const secure = await production.gql(CREATE, { input: { name: 'secure', region: 'us-south', webhook: { url: 'https://hooks.example.com/a', secret: SECRET } } });
      expect(secure.body.errors).toBeUndefined();
    } finally {
      await production.stop();
    }
    const policy = createOutboundPolicy({ allowed: [], allowHttp: false });
    expect(policy.staticProblem(new URL('http://hooks.example.com/'))).toMatch(/https/);
    expect(createOutboundPolicy({ allowed: [], allowHttp: true }).staticProblem(new URL('http://hooks.example.com/'))).toBeNull();
  });
});

/** A target on `gateway` to the receiver's /leaky (which answers 500 with a body), one event sent: what the gateway kept. */
async function startReceiverBody(gateway: TestGateway): Promise<{ reason: string; lastError: string }> {
  const made = await gateway.gql(CREATE, { input: { name: 'leaky', region: 'us-south', webhook: { url: receiver.url('/leaky'), secret: SECRET } } });
  expect(made.body.errors, JSON.stringify(made.body.errors)).toBeUndefined();
  const id = made.body.data!.createTarget.target.id;
  await gateway.gql('mutation($i: CreateRouteInput!) { createRoute(input: $i) { route { id } } }', { i: { name: 'to-leaky', rules: [{ locations: ['jp-tok'], targetIds: [id] }] } });
  await gateway.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', {
    i: { action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'jp-tok' },
  });
  return eventually(async () => {
    const res = await gateway.gql('query($id: String!, $target: ID!) { target(id: $id) { writeStatus { lastFailureReason } } deliveries(filter: { targetId: $target }) { nodes { lastError } } }', { id, target: id });
    const reason = res.body.data!.target.writeStatus.lastFailureReason;
    const lastError = res.body.data!.deliveries.nodes[0]?.lastError;
    return reason && lastError && { reason, lastError };
  });
}

describe('secrets at rest', () => {
  it('are sealed: the targets table holds neither the secret nor a header value in plain text', async () => {
    const res = await gw.gql(CREATE, {
      input: { name: 'sealed', region: 'us-south', webhook: { url: 'https://hooks.example.com/s', secret: 'plain-secret-0123456789', headers: [{ name: 'X-Api-Key', value: 'plain-header-value' }] } },
    });
    const id = res.body.data!.createTarget.target.id;
    const { rows } = await sql('SELECT secret, config::text AS config FROM targets WHERE id = $1', [id]);
    expect(rows[0].secret).toMatch(/^sealed:v1:/);
    expect(`${rows[0].secret}${rows[0].config}`).not.toMatch(/plain-secret|plain-header/);
    expect(JSON.parse(rows[0].config).headers['x-api-key']).toMatch(/^sealed:v1:/);
    // Nowhere else in the database either (the audit trail redacts them).
    const everywhere = await sql("SELECT count(*) FROM events WHERE request_data::text LIKE '%plain-secret%' OR request_data::text LIKE '%plain-header%'");
    expect(Number(everywhere.rows[0].count)).toBe(0);
  });

  it('a sealed secret copied into another target does not open there', async () => {
    const made = async (name: string) => (await gw.gql(CREATE, { input: { name, region: 'us-south', webhook: { url: 'https://hooks.example.com/c', secret: `${name}-secret-0123456789` } } })).body.data!.createTarget.target.id;
    const [a, b] = [await made('copy-a'), await made('copy-b')];
    await sql('UPDATE targets SET secret = (SELECT secret FROM targets WHERE id = $1) WHERE id = $2', [a, b]);
    await deliverTo(b, 'au-syd');
    expect(await failure(b)).toMatch(/secrets cannot be used/);
  });

  it('written in plain text by an earlier version are sealed at start', async () => {
    const made = await gw.gql(CREATE, { input: { name: 'legacy', region: 'us-south', webhook: { url: 'https://hooks.example.com/l', secret: SECRET, headers: [{ name: 'X-Tenant', value: 'acme' }] } } });
    const id = made.body.data!.createTarget.target.id;
    await sql(`UPDATE targets SET secret = 'legacy-plain-secret-123', config = jsonb_set(config, '{headers}', '{"x-tenant": "acme"}') WHERE id = $1`, [id]);
    expect(await gw.gateway.managers.routing.sealStoredSecrets()).toBe(1);
    const { rows } = await sql('SELECT secret, config FROM targets WHERE id = $1', [id]);
    expect(gw.gateway.managers.secrets.open(rows[0].secret, `target:${id}:secret`)).toBe('legacy-plain-secret-123');
    expect(gw.gateway.managers.secrets.open(rows[0].config.headers['x-tenant'], `target:${id}:header:x-tenant`)).toBe('acme');
    expect(await gw.gateway.managers.routing.sealStoredSecrets()).toBe(0);
  });
});
