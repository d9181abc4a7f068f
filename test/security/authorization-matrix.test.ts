// The authorization matrix, generated from the schema: every query and mutation, for every
// kind of caller, against its own account and against another, gives the allow or deny this
// file specifies. The specification below is written independently of src/auth/access.ts;
// a new root field without an entry here fails the first test.
import { getNamedType, getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isUnionType, type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../src/server/schema.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Need = 'reader' | 'writer' | 'admin' | 'operator-admin';

/** Who may call each root field. */
const SPEC: Record<'Query' | 'Mutation', Record<string, Need>> = {
  Query: {
    viewer: 'reader',
    locations: 'reader',
    services: 'reader',
    service: 'reader',
    actions: 'reader',
    action: 'reader',
    events: 'reader',
    event: 'reader',
    eventStats: 'reader',
    targets: 'reader',
    target: 'reader',
    routes: 'reader',
    route: 'reader',
    routingSettings: 'reader',
    deliveries: 'reader',
    explainRouting: 'reader',
    routingCoverage: 'reader',
    routingDrops: 'reader',
    keys: 'admin',
    eventChain: 'reader',
    verifyEvents: 'reader',
    chainVerification: 'reader',
    chainVerifications: 'reader',
  },
  Mutation: {
    recordEvent: 'writer',
    recordEvents: 'writer',
    createService: 'operator-admin',
    updateService: 'operator-admin',
    deleteService: 'operator-admin',
    setServiceLocations: 'operator-admin',
    defineActions: 'operator-admin',
    updateAction: 'operator-admin',
    deprecateAction: 'operator-admin',
    deleteAction: 'operator-admin',
    importCatalog: 'operator-admin',
    createTarget: 'admin',
    updateTarget: 'admin',
    deleteTarget: 'admin',
    createRoute: 'admin',
    updateRoute: 'admin',
    deleteRoute: 'admin',
    updateRoutingSettings: 'admin',
    redeliver: 'admin',
    replayToTarget: 'admin',
    createKey: 'admin',
    revokeKey: 'admin',
    checkpointEventChain: 'admin',
    startChainVerification: 'reader',
  },
};

interface Caller {
  name: string;
  key: string | null;
  /** What this caller holds: null (no key), a role, and whether its account is the operator's. */
  role: 'reader' | 'writer' | 'admin' | null;
  operator: boolean;
}

function allowed(need: Need, caller: Caller): boolean {
  if (caller.role === null) return false;
  const rank = { reader: 0, writer: 1, admin: 2 };
  if (need === 'operator-admin') return caller.role === 'admin' && caller.operator;
  return rank[caller.role] >= rank[need];
}

let schema: GraphQLSchema;
let gw: TestGateway;
let callers: Caller[];
/** Objects of the operator account ("local") that other accounts must not reach. */
const owned = { targetId: '', routeId: '', eventId: '', deliveryId: '', keyId: '', targetName: 'matrix-private-target', routeName: 'matrix-private-route' };

beforeAll(async () => {
  schema = await buildGatewaySchema();
  gw = await startTestGateway('security_matrix', { RATE_LIMIT_PER_SECOND: '10000', DELIVERY_WORKER: 'false' });
  callers = [
    { name: 'no key', key: null, role: null, operator: false },
    { name: 'operator reader', key: await gw.createKey('reader'), role: 'reader', operator: true },
    { name: 'operator writer', key: await gw.createKey('writer'), role: 'writer', operator: true },
    { name: 'operator admin', key: gw.adminKey, role: 'admin', operator: true },
    { name: 'tenant reader', key: await gw.createKey('reader', 'tenant'), role: 'reader', operator: false },
    { name: 'tenant writer', key: await gw.createKey('writer', 'tenant'), role: 'writer', operator: false },
    { name: 'tenant admin', key: await gw.createKey('admin', 'tenant'), role: 'admin', operator: false },
  ];
  // The operator account's private objects.
  const target = await gw.gql('mutation($i: CreateTargetInput!) { createTarget(input: $i) { target { id } } }', {
    i: { name: owned.targetName, region: 'us-south', webhook: { url: 'https://private.example.com/x', secret: 'private-secret-0123456789' } },
  });
  owned.targetId = target.body.data!.createTarget.target.id;
  const route = await gw.gql('mutation($i: CreateRouteInput!) { createRoute(input: $i) { route { id } } }', { i: { name: owned.routeName, rules: [{ locations: ['us-south'], targetIds: [owned.targetId] }] } });
  owned.routeId = route.body.data!.createRoute.route.id;
  const event = await gw.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', {
    i: { id: 'matrix-private-event', action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-private', typeURI: 'USER' }, outcome: 'SUCCESS', location: 'us-south' },
  });
  owned.eventId = event.body.data!.recordEvent.event.id;
  const delivery = await gw.gql('{ deliveries(first: 1) { nodes { id } } }');
  owned.deliveryId = delivery.body.data!.deliveries.nodes[0].id;
  owned.keyId = (await gw.gql('{ keys { id name } }')).body.data!.keys.find((k: { name: string }) => k.name === 'test reader').id;
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

/**
 * The object a field argument names, by the input type and field it sits in: the operator
 * account's own objects for callers of other accounts (who must not reach them), and ids
 * that name nothing for the operator's callers (whose allowed calls would change them).
 */
let aimAtOwned = true;
const NOTHING = { targetId: '00000000-0000-4000-8000-000000000000', routeId: '00000000-0000-4000-8000-000000000001', eventId: 'no-such-event', deliveryId: '999999999', keyId: '00000000-0000-4000-8000-000000000002' };
function ownedId(parent: string, field: string): unknown {
  const o = aimAtOwned ? owned : NOTHING;
  const byPlace: Record<string, unknown> = {
    'target.id': o.targetId,
    'route.id': o.routeId,
    'event.id': o.eventId,
    'UpdateTargetInput.id': o.targetId,
    'DeleteTargetInput.id': o.targetId,
    'UpdateRouteInput.id': o.routeId,
    'DeleteRouteInput.id': o.routeId,
    'RevokeKeyInput.id': o.keyId,
    'RedeliverInput.ids': [o.deliveryId],
    'ReplayToTargetInput.targetId': o.targetId,
    'ExplainRoutingInput.eventId': o.eventId,
    'DeliveryFilter.targetId': o.targetId,
    'RouteRuleInput.targetIds': [o.targetId],
    'UpdateRoutingSettingsInput.defaultTargetIds': [o.targetId],
  };
  return byPlace[`${parent}.${field}`];
}

/** A value of an input type: required fields filled, fields that name objects filled with the operator's. */
function valueFor(type: GraphQLInputType, parent: string, field: string, depth = 0): unknown {
  const own = ownedId(parent, field);
  if (own !== undefined) return own;
  const inner = getNullableType(type);
  if (isListType(inner)) return [valueFor(inner.ofType, parent, field, depth + 1)];
  if (isEnumType(inner)) return inner.getValues()[0]!.name;
  if (isInputObjectType(inner)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(inner.getFields())) {
      const named = ownedId(inner.name, f.name);
      if (named !== undefined) out[f.name] = named;
      else if (isNonNullType(f.type) && f.defaultValue === undefined && depth < 6) out[f.name] = valueFor(f.type, inner.name, f.name, depth + 1);
    }
    return out;
  }
  switch (inner.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date(Date.now() - 60_000).toISOString();
    case 'JSON':
      return {};
    default:
      return 'matrix';
  }
}

function operationFor(kind: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>): { query: string; variables: Record<string, unknown> } {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) || ownedId(field.name, a.name) !== undefined || (a.name === 'filter' && ownedId('DeliveryFilter', 'targetId') && field.name === 'deliveries'));
  const variables = Object.fromEntries(args.map((a) => [a.name, a.name === 'filter' && field.name === 'deliveries' ? { targetId: ownedId('DeliveryFilter', 'targetId') } : valueFor(a.type, field.name, a.name)]));
  const named = getNamedType(field.type);
  const selection = isObjectType(named) || isUnionType(named) ? ' { __typename }' : '';
  const definitions = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const query = `${kind === 'Query' ? 'query' : 'mutation'}${definitions ? `(${definitions})` : ''} { ${field.name}${args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : ''}${selection} }`;
  return { query, variables };
}

function rootFields(kind: 'Query' | 'Mutation') {
  const type = kind === 'Query' ? schema.getQueryType()! : schema.getMutationType()!;
  return Object.values(type.getFields());
}

describe('the specification', () => {
  it('covers every query and mutation of the schema, and nothing else', () => {
    for (const kind of ['Query', 'Mutation'] as const) {
      const names = rootFields(kind).map((f) => f.name).sort();
      expect(names.filter((n) => !SPEC[kind][n]), `${kind} fields without an entry in this test's SPEC`).toEqual([]);
      expect(Object.keys(SPEC[kind]).filter((n) => !names.includes(n)), `${kind} entries for fields that no longer exist`).toEqual([]);
    }
  });
});

describe.each(['Query', 'Mutation'] as const)('%s', (kind) => {
  it('every field, for every caller: allowed or denied as specified', async () => {
    const wrong: string[] = [];
    for (const field of rootFields(kind)) {
      for (const caller of callers) {
        aimAtOwned = !caller.operator;
        const { query, variables } = operationFor(kind, field);
        const res = await gw.gql(query, variables, caller.key ? gw.bearer(caller.key) : { authorization: '' });
        const code = res.body.errors?.[0]?.extensions?.code;
        const expected = allowed(SPEC[kind][field.name]!, caller) ? 'allowed' : caller.role === null ? 'UNAUTHENTICATED' : 'FORBIDDEN';
        const got = code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? code : 'allowed';
        if (got !== expected) wrong.push(`${field.name} as ${caller.name}: expected ${expected}, got ${got} (${JSON.stringify(res.body.errors?.[0] ?? '').slice(0, 160)})`);
        if (got === 'allowed') expect(code, `${field.name} as ${caller.name}`).not.toBe('INTERNAL_SERVER_ERROR');
        // Never another account's data, whatever the outcome.
        if (!caller.operator && res.body.data) {
          const data = JSON.stringify(res.body.data);
          for (const secret of [owned.targetId, owned.routeId, owned.eventId, owned.targetName, owned.routeName, 'IBMid-private']) {
            if (data.includes(secret)) wrong.push(`${field.name} as ${caller.name} returned the operator account's ${secret}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

describe('another account', () => {
  it('left the operator account\'s objects as they were', async () => {
    const res = await gw.gql(`query($t: String!, $r: String!, $e: String!) {
      target(id: $t) { name } route(id: $r) { name version } event(id: $e) { id } keys { id revokedAt } }`, { t: owned.targetId, r: owned.routeId, e: owned.eventId });
    expect(res.body.data!.target).toEqual({ name: owned.targetName });
    expect(res.body.data!.route).toEqual({ name: owned.routeName, version: 1 });
    expect(res.body.data!.event).toEqual({ id: owned.eventId });
    expect(res.body.data!.keys.find((k: { id: string }) => k.id === owned.keyId).revokedAt).toBeNull();
  });
});
