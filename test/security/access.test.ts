// API keys, roles and accounts over real HTTP: keys are stored hashed and shown once; no key
// means UNAUTHENTICATED (except the landing page and introspection); each role gets what it
// should; an account sees only its own events, targets, routes, settings, deliveries and
// keys; every change is recorded as an event of the gateway's own service; the per-key rate
// limit answers RATE_LIMITED with retry-after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyWithCli } from '../support/child.js';
import { serverUrl } from '../support/database.js';
import { postGraphQL, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventInputs } from '../support/events.js';

let gw: TestGateway;
/** Keys of the operator account ("local") and of a tenant account ("acme"). */
const keys: Record<'reader' | 'writer' | 'acmeAdmin' | 'acmeReader', string> = { reader: '', writer: '', acmeAdmin: '', acmeReader: '' };

beforeAll(async () => {
  gw = await startTestGateway('security_access', { RATE_LIMIT_PER_SECOND: '1000' });
  keys.reader = await gw.createKey('reader');
  keys.writer = await gw.createKey('writer');
  keys.acmeAdmin = await gw.createKey('admin', 'acme');
  keys.acmeReader = await gw.createKey('reader', 'acme');
});
afterAll(async () => {
  await gw?.stop();
});

const as = (key: string | null) => (key ? gw.bearer(key) : { authorization: '' });
const code = (res: { body: { errors?: Array<{ extensions?: { code?: string } }> } }) => res.body.errors?.[0]?.extensions?.code ?? 'OK';

const event = eventInputs('access');
const RECORD = 'mutation($input: EventInput!) { recordEvent(input: $input) { event { id } } }';
const CREATE_TARGET = 'mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id name } } }';
const webhook = (name: string) => ({ name, region: 'us-south', webhook: { url: 'https://receiver.example.com/hook', secret: 'super-secret-hmac-key-1234' } });

describe('authentication', () => {
  it('refuses operations without a key (401 UNAUTHENTICATED), but serves the landing page and introspection', async () => {
    const res = await gw.gql('{ locations { code } }', undefined, as(null));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('Authorization: Bearer') });
    expect(code(await gw.gql(RECORD, { input: event() }, as(null)))).toBe('UNAUTHENTICATED');
    // A document that mixes introspection with a real field needs a key too.
    expect(code(await gw.gql('{ __typename locations { code } }', undefined, as(null)))).toBe('UNAUTHENTICATED');

    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const introspection = await gw.gql('{ __schema { queryType { name } } __type(name: "Event") { name } }', undefined, as(null));
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } }, __type: { name: 'Event' } });
  });

  it.each([
    ['a malformed header', 'Basic dXNlcjpwYXNz', /must be "Bearer <key>"/],
    ['a malformed key', 'Bearer not-a-key', /not valid/],
    ['an unknown key', `Bearer aqg_${'0'.repeat(32)}_${'A'.repeat(43)}`, /not valid/],
  ])('refuses %s with 401', async (_case, header, message) => {
    const res = await gw.gql('{ locations { code } }', undefined, { authorization: header });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(message) });
  });

  it('a key with a right id and a wrong secret is refused', async () => {
    const forged = `${keys.reader.slice(0, 37)}${'B'.repeat(43)}`;
    expect(forged).not.toBe(keys.reader);
    expect(code(await gw.gql('{ viewer { accountId } }', undefined, { authorization: `Bearer ${forged}` }))).toBe('UNAUTHENTICATED');
  });

  it('stores only a scrypt hash of each key', async () => {
    const { rows } = await gw.gateway.db.pool.query('SELECT id::text, secret_hash FROM api_keys');
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const dump = JSON.stringify(rows);
    for (const key of [gw.adminKey, ...Object.values(keys)]) {
      expect(dump).not.toContain(key.slice(37)); // the secret part
    }
    expect(rows.every((r) => /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(r.secret_hash))).toBe(true);
  });

  // The tool writes to the database the gateway runs on: a server database only (an
  // embedded one is locked by the running gateway; embedded.test.ts covers that setup).
  it.skipIf(!serverUrl)('keys:create prints a working key once', async () => {
    const key = await createKeyWithCli({ DATABASE_URL: gw.database.url! }, 'reader', 'cli-made');
    expect(key).toMatch(/^aqg_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const res = await gw.gql('{ viewer { accountId role name operator } }', undefined, as(key));
    expect(res.body.data!.viewer).toEqual({ accountId: 'cli-made', role: 'READER', name: 'reader key (keys:create)', operator: false });
  });
});

describe('keys through GraphQL', () => {
  it('admins create (shown once), list and revoke keys; a revoked key stops working at once', async () => {
    const created = await gw.gql('mutation { createKey(input: { role: READER, name: "dashboard" }) { key apiKey { id role name accountId revokedAt } } }');
    const { key, apiKey } = created.body.data!.createKey;
    expect(apiKey).toMatchObject({ role: 'READER', name: 'dashboard', accountId: 'local', revokedAt: null });
    expect((await gw.gql('{ viewer { name role } }', undefined, as(key))).body.data!.viewer).toEqual({ name: 'dashboard', role: 'READER' });

    const listed = await gw.gql('{ keys { id name role lastUsedAt } }');
    const entry = listed.body.data!.keys.find((k: { id: string }) => k.id === apiKey.id);
    expect(entry).toMatchObject({ name: 'dashboard', lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(37));

    const revoked = await gw.gql('mutation($id: ID!) { revokeKey(input: { id: $id }) { apiKey { revokedAt revokedBy } } }', { id: apiKey.id });
    expect(revoked.body.data!.revokeKey.apiKey).toMatchObject({ revokedAt: expect.any(String), revokedBy: expect.stringMatching(/^key:/) });
    expect(code(await gw.gql('{ viewer { name } }', undefined, as(key)))).toBe('UNAUTHENTICATED');
    expect(code(await gw.gql('mutation($id: ID!) { revokeKey(input: { id: $id }) { apiKey { id } } }', { id: apiKey.id }))).toBe('CONFLICT');
  });

  it('an admin makes keys only in its own account; the operator\'s admins in any', async () => {
    const denied = await gw.gql('mutation { createKey(input: { role: READER, name: "x", accountId: "local" }) { key } }', undefined, as(keys.acmeAdmin));
    expect(code(denied)).toBe('NOT_FOUND');
    const tenant = await gw.gql('mutation { createKey(input: { role: WRITER, name: "ingest", accountId: "globex" }) { apiKey { accountId role } } }');
    expect(tenant.body.data!.createKey.apiKey).toEqual({ accountId: 'globex', role: 'WRITER' });
    const bad = await gw.gql('mutation { createKey(input: { role: WRITER, name: "", accountId: "Not Valid" }) { key } }');
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ field: 'input.accountId' }, { field: 'input.name' }] });
  });
});

describe('roles', () => {
  it('reader: queries only', async () => {
    expect(code(await gw.gql('{ events(first: 1) { totalCount } targets { id } }', undefined, as(keys.reader)))).toBe('OK');
    const res = await gw.gql(RECORD, { input: event() }, as(keys.reader));
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', field: 'recordEvent', requiredRole: 'writer' }, message: 'recordEvent needs the writer role; this key has the reader role' });
    expect(code(await gw.gql('{ keys { id } }', undefined, as(keys.reader)))).toBe('FORBIDDEN');
  });

  it('writer: reader plus recording events, nothing else', async () => {
    expect(code(await gw.gql(RECORD, { input: event() }, as(keys.writer)))).toBe('OK');
    expect(code(await gw.gql(CREATE_TARGET, { input: webhook('nope') }, as(keys.writer)))).toBe('FORBIDDEN');
  });

  it('admin of a tenant: its routing and keys, but not the shared catalog', async () => {
    expect(code(await gw.gql(CREATE_TARGET, { input: webhook('acme-hook') }, as(keys.acmeAdmin)))).toBe('OK');
    const res = await gw.gql('mutation { createService(input: { prefix: "acme-svc", displayName: "Acme" }) { service { prefix } } }', undefined, as(keys.acmeAdmin));
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: 'createService changes the shared catalog, which only admins of the operator account may do' });
    // The catalog itself is shared: every account reads it.
    expect((await gw.gql('{ action(name: "audit-log.vsi.reboot") { name } }', undefined, as(keys.acmeReader))).body.data!.action).toEqual({ name: 'audit-log.vsi.reboot' });
  });

  it('a request mixing allowed and forbidden fields is refused as a whole', async () => {
    const input = event();
    const res = await gw.gql('mutation($input: EventInput!, $t: CreateTargetInput!) { recordEvent(input: $input) { event { id } } createTarget(input: $t) { target { id } } }', { input, t: webhook('mixed') }, as(keys.writer));
    expect(code(res)).toBe('FORBIDDEN');
    const { rows } = await gw.gateway.db.pool.query('SELECT count(*)::int AS n FROM events WHERE id = $1', [input.id]);
    expect(rows[0].n).toBe(0);
  });
});

describe('accounts', () => {
  it('each account sees only its own events, targets, routes, settings, deliveries and keys', async () => {
    const acmeEvent = await gw.gql(RECORD, { input: event({ id: 'acme-only' }) }, as(keys.acmeAdmin));
    const acmeEventId = acmeEvent.body.data!.recordEvent.event.id;
    const localEvent = await gw.gql(RECORD, { input: event({ id: 'local-only' }) });
    const localEventId = localEvent.body.data!.recordEvent.event.id;

    const acmeView = await gw.gql(`query($id: String!) { events(first: 500) { nodes { id } } event(id: $id) { id } targets { name } keys { accountId } }`, { id: localEventId }, as(keys.acmeAdmin));
    expect(acmeView.body.errors).toBeUndefined();
    const ids = acmeView.body.data!.events.nodes.map((e: { id: string }) => e.id);
    expect(ids).toContain(acmeEventId);
    expect(ids).not.toContain(localEventId);
    expect(acmeView.body.data!.event).toBeNull();
    expect(acmeView.body.data!.targets.map((t: { name: string }) => t.name)).toEqual(['acme-hook']);
    expect(new Set(acmeView.body.data!.keys.map((k: { accountId: string }) => k.accountId))).toEqual(new Set(['acme']));

    const localView = await gw.gql('{ targets { name } events(first: 500, filter: { actions: ["audit-log.vsi.reboot"] }) { nodes { id } } }');
    expect(localView.body.data!.targets.map((t: { name: string }) => t.name)).not.toContain('acme-hook');
    expect(localView.body.data!.events.nodes.map((e: { id: string }) => e.id)).not.toContain(acmeEventId);
  });

  it('another account\'s objects are NOT_FOUND, and stay unchanged', async () => {
    const target = (await gw.gql(CREATE_TARGET, { input: webhook('local-hook') })).body.data!.createTarget.target;
    const attempts = [
      gw.gql('mutation($id: ID!) { deleteTarget(input: { id: $id }) { deletedId } }', { id: target.id }, as(keys.acmeAdmin)),
      gw.gql('mutation($id: ID!) { updateTarget(input: { id: $id, patch: { name: "stolen" } }) { target { id } } }', { id: target.id }, as(keys.acmeAdmin)),
      gw.gql('mutation($id: ID!) { replayToTarget(input: { targetId: $id }) { queued } }', { id: target.id }, as(keys.acmeAdmin)),
      gw.gql('mutation($id: ID!) { createRoute(input: { name: "r", rules: [{ locations: ["*"], targetIds: [$id] }] }) { route { id } } }', { id: target.id }, as(keys.acmeAdmin)),
    ];
    const codes = (await Promise.all(attempts)).map(code);
    expect(codes).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'BAD_USER_INPUT']);
    expect((await gw.gql('query($id: String!) { target(id: $id) { name } }', { id: target.id })).body.data!.target).toEqual({ name: 'local-hook' });
    expect((await gw.gql('query($id: String!) { target(id: $id) { name } }', { id: target.id }, as(keys.acmeAdmin))).body.data!.target).toBeNull();
  });
});

describe('the gateway audits itself', () => {
  it('records each change as an event of its own service, with who, what and the request without secrets', async () => {
    const created = await gw.gql(CREATE_TARGET, { input: webhook('audited') });
    const targetId = created.body.data!.createTarget.target.id;
    const AUDIT = `query($id: String) { events(filter: { services: ["audit-gateway"], target: { id: $id } }) {
      nodes { actionName severity outcome location initiator { iamId name typeURI credential { type } host { address } } target { crn name typeURI } requestData } } }`;
    const res = await gw.gql(AUDIT, { id: targetId });
    const [audit] = res.body.data!.events.nodes;
    const adminKeyId = (await gw.gql('{ viewer { keyId name } }')).body.data!.viewer;
    expect(audit).toMatchObject({
      actionName: 'audit-gateway.target.create',
      severity: 'NORMAL',
      outcome: 'SUCCESS',
      location: 'global',
      initiator: { iamId: adminKeyId.keyId, name: adminKeyId.name, typeURI: 'SERVICE_ID', credential: { type: 'APIKEY' }, host: { address: '127.0.0.1' } },
      target: { crn: targetId, name: 'audited', typeURI: 'audit-gateway/target' },
      requestData: { name: 'audited', region: 'us-south', webhook: { url: 'https://receiver.example.com/hook', secret: '[redacted]' } },
    });
    expect(JSON.stringify(res.body)).not.toContain('super-secret-hmac-key-1234');

    await gw.gql('mutation($id: ID!) { deleteTarget(input: { id: $id }) { deletedId } }', { id: targetId });
    const after = await gw.gql(AUDIT, { id: targetId });
    expect(after.body.data!.events.nodes.map((e: { actionName: string; severity: string }) => `${e.actionName} ${e.severity}`)).toEqual([
      'audit-gateway.target.delete CRITICAL',
      'audit-gateway.target.create NORMAL',
    ]);
  });

  it('records catalog, settings and key changes, and nothing for refused ones', async () => {
    const count = async () => (await gw.gateway.db.pool.query("SELECT count(*)::int AS n FROM events WHERE service_prefix = 'audit-gateway'")).rows[0].n as number;
    const before = await count();
    await gw.gql('mutation { createService(input: { prefix: "audited-svc", displayName: "Audited" }) { service { prefix } } }');
    await gw.gql('mutation { updateRoutingSettings(input: { metadataRegionPrimary: "eu-de" }) { settings { metadataRegionPrimary } } }');
    await gw.gql('mutation { createKey(input: { role: READER, name: "audited key" }) { key } }');
    expect(await count()).toBe(before + 3);
    // Refused: nothing recorded.
    await gw.gql('mutation { createService(input: { prefix: "audited-svc", displayName: "Again" }) { service { prefix } } }');
    await gw.gql(CREATE_TARGET, { input: webhook('x') }, as(keys.reader));
    expect(await count()).toBe(before + 3);
    const { rows } = await gw.gateway.db.pool.query("SELECT action FROM events WHERE service_prefix = 'audit-gateway' ORDER BY received_at DESC LIMIT 3");
    expect(rows.map((r) => r.action).sort()).toEqual(['audit-gateway.key.create', 'audit-gateway.service.create', 'audit-gateway.settings.update']);
    // The outbox is empty: each record was moved before its change was answered.
    expect((await gw.gateway.db.pool.query('SELECT count(*)::int AS n FROM audit_outbox')).rows[0].n).toBe(0);
  });

  it('the gateway\'s own service cannot be changed through the catalog API', async () => {
    const res = await gw.gql('mutation { deleteAction(input: { name: "audit-gateway.key.create" }) { deletedName } }');
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('built-in service audit-gateway') });
  });
});

describe('rate limit', () => {
  it('answers RATE_LIMITED (429, retry-after) past the per-key rate, for that key only', async () => {
    const limited = await startTestGateway('security_rate', { RATE_LIMIT_PER_SECOND: '5' });
    try {
      const other = await limited.createKey('reader');
      // Bursts of 12 at a rate of 5 per second: on a busy machine a burst can take longer than
      // a second to arrive (the bucket refills meanwhile), so burst until one is refused (bounded).
      let refused: Awaited<ReturnType<typeof limited.gql>>[] = [];
      for (let burst = 0; burst < 20 && refused.length === 0; burst++) {
        const results = await Promise.all(Array.from({ length: 12 }, () => limited.gql('{ viewer { name } }')));
        refused = results.filter((r) => r.status === 429);
        expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
      }
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.headers.get('retry-after')).toBe('1');
      expect(refused[0]!.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
      // Another key is not affected.
      expect((await limited.gql('{ viewer { name } }', undefined, limited.bearer(other))).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('limits failed authentications per address', async () => {
    const guarded = await startTestGateway('security_failures');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 35; i++) statuses.push((await postGraphQL(guarded.url, '{ viewer { name } }', undefined, { authorization: 'Bearer wrong' })).status);
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    } finally {
      await guarded.stop();
    }
  });
});
