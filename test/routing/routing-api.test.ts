// Targets, routes and settings over GraphQL: every consistency rule refuses with a coded
// error and writes nothing; routes are versioned with optimistic concurrency; recording
// events writes their deliveries (or drop counts) in the same transaction; explainRouting
// and routingCoverage use the same semantics. The delivery worker is off here (see
// delivery.test.ts), so deliveries stay pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventInputs } from '../support/events.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('routing_api', {
    DELIVERY_WORKER: 'false',
    ROUTES_PER_ACCOUNT: '3',
    RULES_PER_ROUTE: '3',
    LOCATIONS_PER_RULE: '3',
    TARGETS_PER_RULE: '2',
    REPLAY_MAX_EVENTS: '5',
  });
});
afterAll(async () => {
  await gw?.stop();
});

const TARGET_FIELDS = `id name type region hasSecret
  settings { __typename
    ... on WebhookSettings { url headerNames }
    ... on CloudObjectStorageSettings { endpoint bucket crn }
    ... on EventStreamsSettings { brokers topic crn }
    ... on CloudLogsSettings { endpoint instanceCrn } }
  writeStatus { lastSuccessAt lastFailureAt lastFailureReason }`;
const CREATE_TARGET = `mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { ${TARGET_FIELDS} } } }`;
const UPDATE_TARGET = `mutation($input: UpdateTargetInput!) { updateTarget(input: $input) { target { ${TARGET_FIELDS} } } }`;
const DELETE_TARGET = 'mutation($id: ID!) { deleteTarget(input: { id: $id }) { deletedId } }';
const ROUTE_FIELDS = 'id name version rules { position locations targetIds actionPatterns minSeverity outcomes targets { name } }';
const CREATE_ROUTE = `mutation($input: CreateRouteInput!) { createRoute(input: $input) { route { ${ROUTE_FIELDS} } } }`;
const UPDATE_ROUTE = `mutation($input: UpdateRouteInput!) { updateRoute(input: $input) { route { ${ROUTE_FIELDS} } } }`;
const DELETE_ROUTE = 'mutation($id: ID!) { deleteRoute(input: { id: $id }) { deletedId } }';
const SETTINGS = `mutation($input: UpdateRoutingSettingsInput!) { updateRoutingSettings(input: $input) {
  settings { permittedTargetRegions metadataRegionPrimary metadataRegionBackup privateApiEndpointOnly defaultTargets { name } } } }`;
const RECORD = 'mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { events { id } } }';
const EXPLAIN = `query($input: ExplainRoutingInput!) { explainRouting(input: $input) {
  dropped usedDefaultTargets targets { name } event { actionName location severity }
  routes { routeName matchedRule misses { rule reason } targets { name } } } }`;

const SECRET = 'a-webhook-secret-of-some-length';
const cosCrn = 'crn:v1:bluemix:public:cloud-object-storage:global:a/1234:5678::';

function webhook(name: string, region = 'us-south', extra: Record<string, unknown> = {}) {
  return { name, region, webhook: { url: 'https://receiver.example.com/audit', secret: SECRET, headers: [{ name: 'X-Api-Key', value: 'k-123' }], ...extra } };
}

function cos(name: string, region = 'us-south') {
  return { name, region, cloudObjectStorage: { endpoint: 'https://s3.us-south.cloud-object-storage.appdomain.cloud', bucket: 'audit-archive', crn: cosCrn, apiKey: 'cos-api-key-1' } };
}

async function createTarget(input: Record<string, unknown>): Promise<string> {
  const res = await gw.gql(CREATE_TARGET, { input });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.createTarget.target.id;
}

async function createRoute(name: string, rules: unknown[]): Promise<{ id: string; version: number }> {
  const res = await gw.gql(CREATE_ROUTE, { input: { name, rules } });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.createRoute.route;
}

/** Every row routing owns, and the routing version: "nothing written" compares these. */
async function routingState() {
  const { rows } = await gw.gateway.db.pool.query(`
    SELECT (SELECT count(*) FROM targets)::int AS targets, (SELECT count(*) FROM routes)::int AS routes,
           (SELECT count(*) FROM route_rules)::int AS rules, (SELECT count(*) FROM rule_targets)::int AS rule_targets,
           (SELECT count(*) FROM settings_default_targets)::int AS defaults,
           (SELECT string_agg(name || ':' || region || ':' || config::text, ',' ORDER BY name) FROM targets) AS target_rows,
           (SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM routes) AS route_rows,
           (SELECT row_to_json(s)::text FROM account_settings s) AS settings,
           (SELECT count(*) FROM deliveries)::int AS deliveries,
           ((SELECT coalesce(sum(count), 0) FROM routing_drops) + (SELECT coalesce(sum(n), 0) FROM routing_drop_batches, unnest(counts) AS n))::int AS drops,
           (SELECT count(*) FROM events)::int AS events,
           (SELECT max(routing_version) FROM accounts) AS version`);
  return rows[0] as Record<string, unknown>;
}

/** Sends a request that must be refused with `code`, and checks that nothing was written. */
async function refused(query: string, variables: Record<string, unknown>, code = 'BAD_USER_INPUT') {
  const before = await routingState();
  const res = await gw.gql(query, variables);
  expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBeLessThan(500);
  expect(await routingState()).toEqual(before);
  return res.body.errors![0]!;
}

const event = eventInputs('routing', { ageMs: 60_000 });

async function deliveriesOf(eventId: string) {
  const { rows } = await gw.gateway.db.pool.query(
    `SELECT t.name AS target, d.reason::text AS reason, r.name AS route, d.status::text AS status
       FROM deliveries d JOIN targets t ON t.id = d.target_id LEFT JOIN routes r ON r.id = d.route_id
      WHERE d.event_id = $1 ORDER BY t.name`,
    [eventId],
  );
  return rows;
}

async function dropCounts() {
  const res = await gw.gql('{ routingDrops { location action count lastAt } }');
  return Object.fromEntries(res.body.data!.routingDrops.map((d: { location: string; action: string; count: number }) => [`${d.location} ${d.action}`, d.count]));
}

async function dropList() {
  return (await gw.gql('{ routingDrops { location action count lastAt } }')).body.data!.routingDrops;
}

describe('targets', () => {
  it('creates each type with its settings; secrets are write-only', async () => {
    const hook = await gw.gql(CREATE_TARGET, { input: webhook('hook-main') });
    expect(hook.body.data!.createTarget.target).toMatchObject({
      name: 'hook-main',
      type: 'WEBHOOK',
      region: 'us-south',
      hasSecret: true,
      settings: { __typename: 'WebhookSettings', url: 'https://receiver.example.com/audit', headerNames: ['x-api-key'] },
      writeStatus: { lastSuccessAt: null, lastFailureAt: null, lastFailureReason: null },
    });
    const archive = await gw.gql(CREATE_TARGET, { input: cos('archive') });
    expect(archive.body.data!.createTarget.target.settings).toEqual({ __typename: 'CloudObjectStorageSettings', endpoint: expect.stringMatching(/^https:/), bucket: 'audit-archive', crn: cosCrn });
    const streams = await gw.gql(CREATE_TARGET, {
      input: { name: 'stream', region: 'eu-de', eventStreams: { brokers: ['broker-0.example.com:9093', 'broker-1.example.com:9093'], topic: 'audit.events', crn: 'crn:v1:bluemix:public:messagehub:eu-de:a/1234:abcd::' } },
    });
    expect(streams.body.data!.createTarget.target).toMatchObject({ type: 'EVENT_STREAMS', hasSecret: false, settings: { brokers: ['broker-0.example.com:9093', 'broker-1.example.com:9093'], topic: 'audit.events' } });
    const logs = await gw.gql(CREATE_TARGET, {
      input: { name: 'logs', region: 'eu-de', cloudLogs: { endpoint: 'https://abc.ingress.eu-de.logs.cloud.ibm.com', instanceCrn: 'crn:v1:bluemix:public:logs:eu-de:a/1234:efgh::', apiKey: 'logs-key-123' } },
    });
    expect(logs.body.data!.createTarget.target).toMatchObject({ type: 'CLOUD_LOGS', hasSecret: true });

    // No query returns a secret or a header value.
    const listed = await gw.gql(`{ targets { ${TARGET_FIELDS} } }`);
    expect(listed.body.data!.targets.map((t: { name: string }) => t.name)).toEqual(['archive', 'hook-main', 'logs', 'stream']);
    const text = JSON.stringify([hook.body, archive.body, logs.body, listed.body]);
    for (const secret of [SECRET, 'k-123', 'cos-api-key-1', 'logs-key-123']) expect(text).not.toContain(secret);
    const one = await gw.gql(`query($id: String!) { target(id: $id) { name } }`, { id: hook.body.data!.createTarget.target.id });
    expect(one.body.data!.target).toEqual({ name: 'hook-main' });
    expect((await gw.gql(`{ target(id: "not-a-uuid") { name } }`)).body.data!.target).toBeNull();
  });

  it.each([
    ['no kind', { name: 'x', region: 'us-south' }, 'input', /exactly one of/],
    ['two kinds', { ...webhook('x'), cloudLogs: { endpoint: 'https://a.example.com', instanceCrn: 'x' } }, 'input', /exactly one of .*\(got 2\)/],
    ['webhook without secret', { name: 'x', region: 'us-south', webhook: { url: 'https://a.example.com' } }, 'input.webhook.secret', /is required/],
    ['short secret', webhook('x', 'us-south', { secret: 'short' }), 'input.webhook.secret', /16 to 4096/],
    ['ftp url', webhook('x', 'us-south', { url: 'ftp://a.example.com/' }), 'input.webhook.url', /must be a https or http URL/],
    ['url with credentials', webhook('x', 'us-south', { url: 'https://u:p@a.example.com/' }), 'input.webhook.url', /credentials/],
    ['reserved header', webhook('x', 'us-south', { headers: [{ name: 'X-Audit-Signature', value: 'forged' }] }), 'input.webhook.headers[0].name', /set by the gateway/],
    ['header injection', webhook('x', 'us-south', { headers: [{ name: 'X-A', value: 'a\r\nX-B: b' }] }), 'input.webhook.headers[0].value', /one line/],
    ['bucket name', { ...cos('x'), cloudObjectStorage: { ...cos('x').cloudObjectStorage, bucket: 'Bad_Bucket' } }, 'input.cloudObjectStorage.bucket', /lowercase/],
    ['crn of another service', { ...cos('x'), cloudObjectStorage: { ...cos('x').cloudObjectStorage, crn: 'crn:v1:bluemix:public:logs:us-south:a/1:2::' } }, 'input.cloudObjectStorage.crn', /CRN of cloud-object-storage/],
    ['broker', { name: 'x', region: 'eu-de', eventStreams: { brokers: ['no-port'], topic: 't', crn: 'crn:v1:bluemix:public:messagehub:eu-de:a/1:2::' } }, 'input.eventStreams.brokers[0]', /host:port/],
    ['unknown region', webhook('x', 'mars-1'), 'input.region', /must be a region code/],
    ['global is not a region', webhook('x', 'global'), 'input.region', /must be a region code/],
    ['blank name', webhook('  '), 'input.name', /blank/],
  ])('refuses %s, naming the field, writing nothing', async (_case, input, field, reason) => {
    const error = await refused(CREATE_TARGET, { input });
    expect(error.extensions?.field).toBe(field);
    expect(error.message).toMatch(reason);
  });

  it('target names are unique per account', async () => {
    const error = await refused(CREATE_TARGET, { input: webhook('hook-main') }, 'CONFLICT');
    expect(error.message).toBe('a target named "hook-main" already exists');
  });

  it('updates a target; a secret left out is kept, the type cannot change', async () => {
    const id = await createTarget(webhook('hook-update'));
    const res = await gw.gql(UPDATE_TARGET, { input: { id, patch: { name: 'hook-renamed', webhook: { url: 'http://hooks.example.com:9/new' } } } });
    expect(res.body.data!.updateTarget.target).toMatchObject({ name: 'hook-renamed', hasSecret: true, settings: { url: 'http://hooks.example.com:9/new', headerNames: [] } });
    // Kept as it was stored: sealed, and what it seals unchanged.
    const { rows } = await gw.gateway.db.pool.query('SELECT secret FROM targets WHERE id = $1', [id]);
    expect(gw.gateway.managers.secrets.open(rows[0].secret, `target:${id}:secret`)).toBe(SECRET);
    const typeChange = await refused(UPDATE_TARGET, { input: { id, patch: cos('x') } });
    expect(typeChange.message).toMatch(/type webhook; its type cannot change/);
    await refused(UPDATE_TARGET, { input: { id, patch: { name: 'archive' } } }, 'CONFLICT');
    await refused(UPDATE_TARGET, { input: { id: '00000000-0000-4000-8000-000000000000', patch: { name: 'y' } } }, 'NOT_FOUND');
    expect((await gw.gql(DELETE_TARGET, { id })).body.data!.deleteTarget).toEqual({ deletedId: id });
  });
});

describe('settings', () => {
  it('permitted regions: targets only there, and not set while targets elsewhere exist', async () => {
    // "stream" and "logs" are in eu-de.
    const error = await refused(SETTINGS, { input: { permittedTargetRegions: ['us-south', 'us-east'] } }, 'CONFLICT');
    expect(error.message).toMatch(/targets in other regions exist: "logs" \(eu-de\), "stream" \(eu-de\)/);
    const ok = await gw.gql(SETTINGS, { input: { permittedTargetRegions: ['us-south', 'eu-de'] } });
    expect(ok.body.data!.updateRoutingSettings.settings.permittedTargetRegions).toEqual(['us-south', 'eu-de']);
    const outside = await refused(CREATE_TARGET, { input: webhook('tokyo', 'jp-tok') });
    expect(outside).toMatchObject({ extensions: { field: 'input.region' } });
    expect(outside.message).toMatch(/region "jp-tok" is not permitted; the settings permit us-south, eu-de/);
    const list = await gw.gql('{ targets { id name } }');
    const archive = list.body.data!.targets.find((t: { name: string }) => t.name === 'archive').id;
    await refused(UPDATE_TARGET, { input: { id: archive, patch: { region: 'jp-tok' } } });
    await refused(SETTINGS, { input: { permittedTargetRegions: ['atlantis'] } });
    await gw.gql(SETTINGS, { input: { permittedTargetRegions: [] } });
  });

  it('default targets: at most two, existing, not repeated', async () => {
    const targets = (await gw.gql('{ targets { id name } }')).body.data!.targets as Array<{ id: string; name: string }>;
    const [a, b, c] = targets.map((t) => t.id);
    expect((await refused(SETTINGS, { input: { defaultTargetIds: [a, b, c] } })).message).toMatch(/at most 2 targets/);
    expect((await refused(SETTINGS, { input: { defaultTargetIds: [a, a] } })).message).toMatch(/must not repeat/);
    const missing = await refused(SETTINGS, { input: { defaultTargetIds: ['00000000-0000-4000-8000-000000000000'] } });
    expect(missing).toMatchObject({ extensions: { field: 'input.defaultTargetIds' } });
    expect(missing.message).toMatch(/does not exist/);
    await refused(SETTINGS, { input: { metadataRegionPrimary: 'us-south', metadataRegionBackup: 'us-south' } });
    await refused(SETTINGS, { input: { metadataRegionPrimary: 'global' } });
    const ok = await gw.gql(SETTINGS, { input: { metadataRegionPrimary: 'us-south', metadataRegionBackup: 'us-east', privateApiEndpointOnly: true } });
    expect(ok.body.data!.updateRoutingSettings.settings).toMatchObject({ metadataRegionPrimary: 'us-south', metadataRegionBackup: 'us-east', privateApiEndpointOnly: true, defaultTargets: [] });
  });
});

describe('routes', () => {
  let hook: string;
  let archive: string;
  beforeAll(async () => {
    const targets = (await gw.gql('{ targets { id name } }')).body.data!.targets as Array<{ id: string; name: string }>;
    hook = targets.find((t) => t.name === 'hook-main')!.id;
    archive = targets.find((t) => t.name === 'archive')!.id;
  });

  it('creates a route with ordered rules at version 1', async () => {
    const res = await gw.gql(CREATE_ROUTE, {
      input: {
        name: 'security',
        rules: [
          { locations: ['us-south', 'global'], targetIds: [hook], actionPatterns: ['audit-log.vsi.*'], minSeverity: 'WARNING', outcomes: ['FAILURE'] },
          { locations: ['*'], targetIds: [archive] },
        ],
      },
    });
    expect(res.body.data!.createRoute.route).toMatchObject({
      name: 'security',
      version: 1,
      rules: [
        { position: 0, locations: ['us-south', 'global'], actionPatterns: ['audit-log.vsi.*'], minSeverity: 'WARNING', outcomes: ['FAILURE'], targets: [{ name: 'hook-main' }] },
        { position: 1, locations: ['*'], actionPatterns: [], minSeverity: null, outcomes: [], targets: [{ name: 'archive' }] },
      ],
    });
  });

  it.each([
    ['a target that does not exist', () => [{ locations: ['*'], targetIds: ['00000000-0000-4000-8000-000000000000'] }], 'input.rules[0].targetIds', /does not exist in this account/],
    ['an unknown location', () => [{ locations: ['mars-1'], targetIds: [hook] }], 'input.rules[0].locations', /unknown location "mars-1"/],
    ['an action pattern that matches nothing', () => [{ locations: ['*'], targetIds: [hook], actionPatterns: ['nosuch.*'] }], 'input.rules[0].actionPatterns', /matches no catalog action/],
    ['a rule without targets', () => [{ locations: ['*'], targetIds: [] }], 'input.rules[0].targetIds', /at least one target/],
    ['no rules', () => [], 'input.rules', /at least one rule/],
    ['too many rules', () => Array.from({ length: 4 }, () => ({ locations: ['*'], targetIds: [hook] })), 'input.rules', /at most 3 rules \(the limit per route\)/],
    ['too many locations', () => [{ locations: ['us-south', 'us-east', 'eu-de', 'eu-gb'], targetIds: [hook] }], 'input.rules[0].locations', /at most 3 locations/],
    ['too many targets', () => [{ locations: ['*'], targetIds: [hook, archive, hook] }], 'input.rules[0].targetIds', /at most 2 targets/],
  ])('refuses %s, naming the field, writing nothing', async (_case, rules, field, reason) => {
    const error = await refused(CREATE_ROUTE, { input: { name: 'refused', rules: rules() } });
    expect(error.extensions?.field).toBe(field);
    expect(error.message).toMatch(reason);
  });

  it('route names are unique; the number of routes is limited', async () => {
    await refused(CREATE_ROUTE, { input: { name: 'security', rules: [{ locations: ['*'], targetIds: [hook] }] } }, 'CONFLICT');
    const second = await createRoute('second', [{ locations: ['eu-de'], targetIds: [hook] }]);
    const third = await createRoute('third', [{ locations: ['eu-gb'], targetIds: [hook] }]);
    const error = await refused(CREATE_ROUTE, { input: { name: 'fourth', rules: [{ locations: ['*'], targetIds: [hook] }] } }, 'CONFLICT');
    expect(error.message).toMatch(/has 3 routes, the most allowed/);
    await gw.gql(DELETE_ROUTE, { id: second.id });
    await gw.gql(DELETE_ROUTE, { id: third.id });
    await refused(DELETE_ROUTE, { id: second.id }, 'NOT_FOUND');
  });

  it('an update replaces the rules and increments the version; a stale expectedVersion is a CONFLICT', async () => {
    const route = await createRoute('versioned', [{ locations: ['eu-de'], targetIds: [hook] }]);
    const first = await gw.gql(UPDATE_ROUTE, { input: { id: route.id, expectedVersion: 1, rules: [{ locations: ['eu-gb'], targetIds: [archive] }, { locations: ['*'], targetIds: [hook] }] } });
    expect(first.body.data!.updateRoute.route).toMatchObject({ version: 2, rules: [{ locations: ['eu-gb'], targetIds: [archive] }, { locations: ['*'], targetIds: [hook] }] });
    // A second client still holding version 1.
    const stale = await refused(UPDATE_ROUTE, { input: { id: route.id, expectedVersion: 1, rules: [{ locations: ['us-east'], targetIds: [hook] }] } }, 'CONFLICT');
    expect(stale.extensions).toMatchObject({ field: 'input.expectedVersion', currentVersion: 2 });
    expect(stale.message).toMatch(/version 2 is current, not 1/);
    // Without expectedVersion the last writer wins, and the version still moves.
    const blind = await gw.gql(UPDATE_ROUTE, { input: { id: route.id, name: 'versioned-renamed' } });
    expect(blind.body.data!.updateRoute.route).toMatchObject({ name: 'versioned-renamed', version: 3, rules: [{ locations: ['eu-gb'] }, { locations: ['*'] }] });
    // An invalid update changes nothing, not even the version.
    await refused(UPDATE_ROUTE, { input: { id: route.id, expectedVersion: 3, rules: [{ locations: ['mars-1'], targetIds: [hook] }] } });
    expect((await gw.gql(`query($id: String!) { route(id: $id) { version } }`, { id: route.id })).body.data!.route.version).toBe(3);
  });

  it('concurrent updates at the same expectedVersion: exactly one wins', async () => {
    const route = await createRoute('raced', [{ locations: ['eu-de'], targetIds: [hook] }]);
    const results = await Promise.all(
      ['us-east', 'eu-gb', 'jp-tok', 'br-sao'].map((l) => gw.gql(UPDATE_ROUTE, { input: { id: route.id, expectedVersion: 1, rules: [{ locations: [l], targetIds: [hook] }] } })),
    );
    const codes = results.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'OK']);
    const winner = results.find((r) => !r.body.errors)!.body.data!.updateRoute.route;
    const now = (await gw.gql(`query($id: String!) { route(id: $id) { ${ROUTE_FIELDS} } }`, { id: route.id })).body.data!.route;
    expect(now).toEqual({ ...winner, version: 2 });
    await gw.gql(DELETE_ROUTE, { id: route.id });
  });

  it('a target still referenced cannot be deleted; the CONFLICT lists the referrers', async () => {
    await gw.gql(SETTINGS, { input: { defaultTargetIds: [archive] } });
    const error = await refused(DELETE_TARGET, { id: archive }, 'CONFLICT');
    expect(error.extensions!.referrers).toEqual(['route "security" (rule 1)', 'route "versioned-renamed" (rule 0)', 'the default targets of the settings']);
    expect(error.message).toMatch(/^target "archive" is still used by route "security"/);
    await gw.gql(SETTINGS, { input: { defaultTargetIds: [] } });
  });
});

describe('recording events writes their deliveries in the same transaction', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    // Start from a clean routing: two routes, no defaults.
    for (const r of (await gw.gql('{ routes { id } }')).body.data!.routes) await gw.gql(DELETE_ROUTE, { id: r.id });
    ids = Object.fromEntries(((await gw.gql('{ targets { id name } }')).body.data!.targets as Array<{ id: string; name: string }>).map((t) => [t.name, t.id]));
    await createRoute('regional', [
      { locations: ['us-south'], targetIds: [ids['hook-main']], outcomes: ['FAILURE'] },
      { locations: ['us-south', 'eu-de'], targetIds: [ids.archive] },
    ]);
    await createRoute('everything', [{ locations: ['global'], targetIds: [ids.logs] }, { locations: ['*'], targetIds: [ids.stream] }]);
  });

  it('first match within a route, fan-out across routes', async () => {
    const res = await gw.gql(RECORD, { inputs: [event({ outcome: 'FAILURE', reason: { reasonCode: 500 } }), event(), event({ location: 'global' }), event({ location: 'jp-tok' })] });
    expect(res.body.errors).toBeUndefined();
    const [failure, success, global, tokyo] = res.body.data!.recordEvents.events.map((e: { id: string }) => e.id);
    expect(await deliveriesOf(failure)).toEqual([
      { target: 'hook-main', reason: 'route', route: 'regional', status: 'pending' },
      { target: 'stream', reason: 'route', route: 'everything', status: 'pending' },
    ]);
    expect((await deliveriesOf(success)).map((d) => d.target)).toEqual(['archive', 'stream']);
    expect((await deliveriesOf(global)).map((d) => d.target)).toEqual(['logs']);
    expect((await deliveriesOf(tokyo)).map((d) => d.target)).toEqual(['stream']);
  });

  it('events no rule takes go to the default targets, else are dropped and counted per location and action', async () => {
    const everything = (await gw.gql('{ routes { id name } }')).body.data!.routes.find((r: { name: string }) => r.name === 'everything').id;
    await gw.gql(DELETE_ROUTE, { id: everything });
    const before = await dropCounts();
    const dropped = await gw.gql(RECORD, { inputs: [event({ location: 'jp-tok' }), event({ location: 'jp-tok' }), event({ location: 'global', action: 'audit-log.vsi.rename' })] });
    expect(dropped.body.errors).toBeUndefined();
    for (const e of dropped.body.data!.recordEvents.events) expect(await deliveriesOf(e.id)).toEqual([]);
    const after = await dropCounts();
    expect((after['jp-tok audit-log.vsi.reboot'] ?? 0) - (before['jp-tok audit-log.vsi.reboot'] ?? 0)).toBe(2);
    expect((after['global audit-log.vsi.rename'] ?? 0) - (before['global audit-log.vsi.rename'] ?? 0)).toBe(1);

    // Ingest writes a batch's drops as one row; the upkeep round adds them to the counters.
    // routingDrops reads both, so the list is the same before and after.
    const listed = await dropList();
    const batches = async () => (await gw.gateway.db.pool.query('SELECT count(*)::int AS n FROM routing_drop_batches')).rows[0].n;
    expect(await batches()).toBeGreaterThan(0);
    expect(await gw.gateway.managers.routing.foldDrops()).toBeGreaterThan(0);
    expect(await batches()).toBe(0);
    expect(await dropList()).toEqual(listed);
    const again = await gw.gql(RECORD, { inputs: [event({ location: 'global', action: 'audit-log.vsi.rename' })] });
    expect(again.body.errors).toBeUndefined();
    const more = await dropList();
    const renames = (list: any[]) => list.find((d) => d.location === 'global' && d.action === 'audit-log.vsi.rename');
    expect(renames(more).count).toBe(renames(listed).count + 1);
    expect(new Date(renames(more).lastAt).getTime()).toBeGreaterThan(new Date(renames(listed).lastAt).getTime());
    await gw.gateway.managers.routing.foldDrops();
    expect(await dropList()).toEqual(more);
    const counted = await dropCounts();

    await gw.gql(SETTINGS, { input: { defaultTargetIds: [ids.logs, ids.stream] } });
    const defaulted = await gw.gql(RECORD, { inputs: [event({ location: 'jp-tok' }), event({ location: 'eu-de' })] });
    const [tokyo, frankfurt] = defaulted.body.data!.recordEvents.events.map((e: { id: string }) => e.id);
    expect(await deliveriesOf(tokyo)).toEqual([
      { target: 'logs', reason: 'default_targets', route: null, status: 'pending' },
      { target: 'stream', reason: 'default_targets', route: null, status: 'pending' },
    ]);
    // A rule took it, so the defaults do not.
    expect((await deliveriesOf(frankfurt)).map((d) => d.target)).toEqual(['archive']);
    expect(await dropCounts()).toEqual(counted);
  });

  it('a refused batch writes no event, no delivery and no drop count', async () => {
    const before = await routingState();
    const res = await gw.gql(RECORD, { inputs: [event({ location: 'jp-tok' }), event({ action: 'audit-log.vsi.nosuch' })] });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await routingState()).toEqual(before);
  });

  it('a retried event (same id and content) is not delivered twice', async () => {
    const once = event();
    const first = await gw.gql(RECORD, { inputs: [once] });
    const again = await gw.gql(RECORD, { inputs: [once] });
    expect(again.body.data!.recordEvents.events[0].id).toBe(first.body.data!.recordEvents.events[0].id);
    expect((await deliveriesOf(first.body.data!.recordEvents.events[0].id)).length).toBe(1);
  });

  it('explainRouting gives, per route, the matched rule or why none matched, and the final targets', async () => {
    const res = await gw.gql(EXPLAIN, { input: { event: event({ outcome: 'SUCCESS', location: 'us-south' }) } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.explainRouting).toEqual({
      dropped: false,
      usedDefaultTargets: false,
      targets: [{ name: 'archive' }],
      event: { actionName: 'audit-log.vsi.reboot', location: 'us-south', severity: 'NORMAL' },
      routes: [{ routeName: 'regional', matchedRule: 1, misses: [{ rule: 0, reason: 'outcome success is not among failure' }], targets: [{ name: 'archive' }] }],
    });
    const tokyo = await gw.gql(EXPLAIN, { input: { event: event({ location: 'jp-tok' }) } });
    expect(tokyo.body.data!.explainRouting).toMatchObject({
      usedDefaultTargets: true,
      dropped: false,
      targets: [{ name: 'logs' }, { name: 'stream' }],
      routes: [{ matchedRule: null, misses: [{ rule: 0, reason: 'location "jp-tok" is not among "us-south"' }, { rule: 1, reason: 'location "jp-tok" is not among "us-south", "eu-de"' }] }],
    });
    // A stored event, by id; explaining writes nothing.
    const stored = await gw.gql(RECORD, { inputs: [event({ outcome: 'FAILURE', reason: { reasonCode: 403 } })] });
    const before = await routingState();
    const byId = await gw.gql(EXPLAIN, { input: { eventId: stored.body.data!.recordEvents.events[0].id } });
    expect(byId.body.data!.explainRouting).toMatchObject({ targets: [{ name: 'hook-main' }], event: { severity: 'CRITICAL' }, routes: [{ matchedRule: 0 }] });
    expect(await routingState()).toEqual(before);
  });

  it('explainRouting refuses bad input with coded errors', async () => {
    await refused(EXPLAIN, { input: {} });
    await refused(EXPLAIN, { input: { event: event(), eventId: 'x' } });
    expect((await refused(EXPLAIN, { input: { event: event({ action: 'nope.nope.nope' }) } })).extensions?.field).toBe('input.event.action');
    await refused(EXPLAIN, { input: { eventId: 'no-such-event' } }, 'NOT_FOUND');
  });

  it('routing changes apply to the next event', async () => {
    const regional = (await gw.gql('{ routes { id name version } }')).body.data!.routes.find((r: { name: string }) => r.name === 'regional');
    await gw.gql(UPDATE_ROUTE, { input: { id: regional.id, expectedVersion: regional.version, rules: [{ locations: ['us-south'], targetIds: [ids.logs] }] } });
    const res = await gw.gql(RECORD, { inputs: [event()] });
    expect((await deliveriesOf(res.body.data!.recordEvents.events[0].id)).map((d) => d.target)).toEqual(['logs']);
  });
});

describe('routingCoverage', () => {
  const COVERAGE = '{ routingCoverage { pairs coveredPairs gaps { action location partial unrouted { severity outcome } } } }';

  it('lists catalog actions and locations whose events reach no target', async () => {
    await gw.gql(SETTINGS, { input: { defaultTargetIds: [] } });
    const res = await gw.gql(COVERAGE);
    const coverage = res.body.data!.routingCoverage;
    expect(coverage.pairs).toBeGreaterThan(214);
    const gap = (action: string, location: string) => coverage.gaps.find((g: { action: string; location: string }) => g.action === action && g.location === location);
    // The only route: us-south -> logs. Tokyo and global VSI events reach nothing.
    expect(gap('audit-log.vsi.reboot', 'jp-tok')).toMatchObject({ partial: false });
    expect(gap('audit-log.vsi.reboot', 'jp-tok').unrouted).toHaveLength(9);
    expect(gap('audit-log.vsi.reboot', 'global')).toBeDefined();
    expect(gap('audit-log.vsi.reboot', 'us-south')).toBeUndefined();
    expect(coverage.coveredPairs).toBe(coverage.pairs - coverage.gaps.length);
  });

  it('a rule narrowed by outcome leaves partial gaps; a default target closes every gap', async () => {
    const regional = (await gw.gql('{ routes { id version } }')).body.data!.routes[0];
    await gw.gql(UPDATE_ROUTE, { input: { id: regional.id, rules: [{ locations: ['*'], targetIds: [ids()], outcomes: ['FAILURE'] }] } });
    const partial = (await gw.gql(COVERAGE)).body.data!.routingCoverage;
    expect(partial.gaps.length).toBe(partial.pairs);
    expect(partial.gaps.every((g: { partial: boolean; unrouted: Array<{ outcome: string }> }) => g.partial && g.unrouted.length === 6 && g.unrouted.every((u) => u.outcome !== 'FAILURE'))).toBe(true);
    await gw.gql(SETTINGS, { input: { defaultTargetIds: [ids()] } });
    const full = (await gw.gql(COVERAGE)).body.data!.routingCoverage;
    expect(full).toMatchObject({ coveredPairs: full.pairs, gaps: [] });
  });

  function ids(): string {
    return logsId;
  }
  let logsId = '';
  beforeAll(async () => {
    logsId = (await gw.gql('{ targets { id name } }')).body.data!.targets.find((t: { name: string }) => t.name === 'logs').id;
  });
});

describe('replayToTarget and deliveries', () => {
  it('queues past events for a target, refusing a filter that selects too many', async () => {
    const id = await createTarget(webhook('replay-target'));
    const REPLAY = 'mutation($input: ReplayToTargetInput!) { replayToTarget(input: $input) { queued } }';
    const tooMany = await refused(REPLAY, { input: { targetId: id } });
    expect(tooMany).toMatchObject({ extensions: { field: 'input.filter' } });
    expect(tooMany.message).toMatch(/more than 5 events/);
    const res = await gw.gql(REPLAY, { input: { targetId: id, filter: { locations: ['jp-tok'] } } });
    expect(res.body.data!.replayToTarget.queued).toBe(4);
    const listed = await gw.gql(`query($id: ID!) { deliveries(filter: { targetId: $id }) { totalCount nodes { reason status target { name } event { location } } } }`, { id });
    expect(listed.body.data!.deliveries.totalCount).toBe(4);
    expect(listed.body.data!.deliveries.nodes.every((d: { reason: string; event: { location: string } }) => d.reason === 'REPLAY' && d.event.location === 'jp-tok')).toBe(true);
    await refused(REPLAY, { input: { targetId: '00000000-0000-4000-8000-000000000000' } }, 'NOT_FOUND');
  });

  it('pages deliveries newest first with cursors, and refuses forged cursors', async () => {
    const page1 = await gw.gql('{ deliveries(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }');
    const { totalCount, pageInfo, nodes } = page1.body.data!.deliveries;
    expect(nodes).toHaveLength(3);
    expect(pageInfo.hasNextPage).toBe(true);
    const page2 = await gw.gql('query($after: String) { deliveries(first: 500, after: $after) { nodes { id } } }', { after: pageInfo.endCursor });
    const all = [...nodes, ...page2.body.data!.deliveries.nodes].map((n: { id: string }) => Number(n.id));
    expect(all).toHaveLength(totalCount);
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    const forged = Buffer.from('delivery:abc').toString('base64url');
    expect((await gw.gql('query($after: String) { deliveries(after: $after) { nodes { id } } }', { after: forged })).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect((await gw.gql('{ deliveries(first: 501) { nodes { id } } }')).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gw.gql('{ deliveries(filter: { targetId: "x" }) { nodes { id } } }')).body.errors?.[0]?.extensions?.field).toBe('filter.targetId');
    const pending = await gw.gql('{ deliveries(filter: { statuses: [DELIVERED] }) { totalCount } }');
    expect(pending.body.data!.deliveries.totalCount).toBe(0);
  });

  it('redeliver refuses bad ids and unknown deliveries', async () => {
    const REDELIVER = 'mutation($ids: [ID!]!) { redeliver(input: { ids: $ids }) { queued } }';
    expect((await gw.gql(REDELIVER, { ids: ['x'] })).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.ids[0]' });
    expect((await gw.gql(REDELIVER, { ids: [] })).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gw.gql(REDELIVER, { ids: ['999999999'] })).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
