// The catalog over GraphQL on a real database: the seeded catalog, filters and pages, and
// every consistency rule of the mutations (refused with a code, nothing written).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { GATEWAY_ACTIONS } from '../../src/audit/gateway-service.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** The gateway's built-in service records its own changes with these actions. */
const GATEWAY_ACTION_COUNT = Object.keys(GATEWAY_ACTIONS).length;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('catalog_api');
});
afterAll(async () => {
  await gw?.stop();
});

async function count(table: string): Promise<number> {
  const { rows } = await gw.gateway.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

async function snapshot() {
  return { services: await count('services'), actions: await count('actions'), locations: await count('service_locations') };
}

/** Runs a mutation that must be refused; returns the first error and checks nothing changed. */
async function refused(query: string, variables: Record<string, unknown>) {
  const before = await snapshot();
  const res = await gw.gql(query, variables);
  expect(res.body.errors, JSON.stringify(res.body)).toBeDefined();
  expect(res.body.data?.[Object.keys(res.body.data ?? {})[0] ?? ''] ?? null).toBeNull();
  expect(await snapshot()).toEqual(before);
  return res.body.errors![0]!;
}

const CREATE_SERVICE = 'mutation($input: CreateServiceInput!) { createService(input: $input) { service { prefix displayName locations { code } } } }';
const DEFINE = 'mutation($actions: [ActionDefinitionInput!]!) { defineActions(input: { actions: $actions }) { actions { name objectType verb extraSegments service { prefix } templateVariable templateValues } } }';

describe('the seeded catalog', () => {
  it('has the 13 services and 214 actions of the shipped pages, and the gateway\'s own service', async () => {
    const res = await gw.gql('{ services { totalCount } actions { totalCount } gateway: service(prefix: "audit-gateway") { sourceDocument actionCounts { total } } }');
    expect(res.body.data).toEqual({ services: { totalCount: 14 }, actions: { totalCount: 214 + GATEWAY_ACTION_COUNT }, gateway: { sourceDocument: 'built-in: audit-gateway', actionCounts: { total: GATEWAY_ACTION_COUNT } } });
  });

  it('serves a service with its locations, counts and first actions', async () => {
    const res = await gw.gql(`{ service(prefix: "speech-to-text") {
        prefix displayName sourceDocument locations { code name }
        actionCounts { total deprecated templates }
        actions(first: 2) { totalCount nodes { name httpMethod httpPath group } pageInfo { hasNextPage } } } }`);
    expect(res.body.data!.service).toEqual({
      prefix: 'speech-to-text',
      displayName: 'Speech to Text',
      sourceDocument: '003_71e3f04eef4def18.txt',
      locations: [{ code: 'eu-de', name: 'Frankfurt' }],
      actionCounts: { total: 38, deprecated: 0, templates: 0 },
      actions: {
        totalCount: 38,
        nodes: [
          { name: 'speech-to-text.async-recognition-job-list.read', httpMethod: 'GET', httpPath: '/v1/recognitions', group: 'Asynchronous HTTP interface read events' },
          { name: 'speech-to-text.async-recognition-job.create', httpMethod: 'POST', httpPath: '/v1/recognitions', group: 'Asynchronous HTTP interface create events' },
        ],
        pageInfo: { hasNextPage: true },
      },
    });
    expect((await gw.gql('{ service(prefix: "nope") { prefix } }')).body.data).toEqual({ service: null });
  });

  it('resolves a concrete name of a template action to the template and the value', async () => {
    const res = await gw.gql('{ action(name: "pm-20.wml_model.list") { name templateValue action { name templateVariable isTemplate service { prefix } } } }');
    expect(res.body.data!.action).toEqual({
      name: 'pm-20.wml_model.list',
      templateValue: 'wml_model',
      action: { name: 'pm-20.<asset_type>.list', templateVariable: 'asset_type', isTemplate: true, service: { prefix: 'pm-20' } },
    });
    expect((await gw.gql('{ action(name: "pm-20.not_an_asset.list") { name } }')).body.data).toEqual({ action: null });
    const exact = await gw.gql('{ action(name: "audit-log.vsi.reboot") { templateValue action { name group } } }');
    expect(exact.body.data!.action).toEqual({ templateValue: null, action: { name: 'audit-log.vsi.reboot', group: 'Virtual server instance events' } });
  });

  it.each([
    [{ service: 'wdp.scheduling' }, 7],
    [{ objectType: 'profile_options' }, 8],
    [{ verb: 'upgrade' }, 2],
    [{ group: 'language model customization read events' }, 8],
    [{ text: 'acoustic' }, 11],
    [{ pattern: 'speech-to-text.*.delete' }, 9],
    [{ pattern: 'pm-20.wml_pipeline.*' }, 6],
    [{ pattern: '*.failed' }, 13],
    [{ location: 'eu-de', service: 'speech-to-text' }, 38],
    [{ location: 'us-south', service: 'speech-to-text' }, 0],
    [{ location: 'us-south', service: 'domodel' }, 11],
    [{ deprecated: true }, 0],
  ])('filters actions by %o', async (filter, expected) => {
    const res = await gw.gql('query($f: ActionFilter) { actions(filter: $f, first: 500) { totalCount nodes { name } } }', { f: filter });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.actions.totalCount).toBe(expected);
    expect(res.body.data!.actions.nodes).toHaveLength(expected);
  });

  it('pages through all actions by cursor without gaps or repeats', async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const res: any = await gw.gql('query($after: String) { actions(first: 50, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }', { after });
      names.push(...res.body.data.actions.edges.map((e: any) => e.node.name));
      if (!res.body.data.actions.pageInfo.hasNextPage) break;
      after = res.body.data.actions.pageInfo.endCursor;
    }
    expect(names).toHaveLength(214 + GATEWAY_ACTION_COUNT);
    expect(new Set(names).size).toBe(214 + GATEWAY_ACTION_COUNT);
  });

  it('lists services with nested first pages of actions in few queries', async () => {
    const res = await gw.gql('{ services(first: 20) { nodes { prefix actions(first: 1) { nodes { name } } actionCounts { total } } } }');
    const services = res.body.data!.services.nodes;
    expect(services).toHaveLength(14);
    expect(services.reduce((n: number, s: any) => n + s.actionCounts.total, 0)).toBe(214 + GATEWAY_ACTION_COUNT);
    expect(services.find((s: any) => s.prefix === 'aiopenscale').actions.nodes).toEqual([{ name: 'aiopenscale.binding.create' }]);
  });

  it('refuses bad page arguments and foreign cursors with BAD_USER_INPUT', async () => {
    for (const [query, field] of [
      ['{ actions(first: 501) { totalCount } }', 'first'],
      ['{ actions(first: 0) { totalCount } }', 'first'],
      ['{ actions(after: "bm9wZQ") { totalCount } }', 'after'],
      [`{ actions(after: "${Buffer.from('service:x').toString('base64url')}") { totalCount } }`, 'after'],
      ['{ actions(filter: { pattern: "A;DROP TABLE actions" }) { totalCount } }', 'filter.pattern'],
    ] as const) {
      const res = await gw.gql(query);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('services', () => {
  it('creates a service and refuses a duplicate prefix with CONFLICT', async () => {
    const created = await gw.gql(CREATE_SERVICE, { input: { prefix: 'acme', displayName: 'Acme', locations: ['us-south', 'global'] } });
    expect(created.body.data!.createService.service).toEqual({ prefix: 'acme', displayName: 'Acme', locations: [{ code: 'us-south' }, { code: 'global' }] });
    const error = await refused(CREATE_SERVICE, { input: { prefix: 'acme', displayName: 'Again' } });
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.prefix' });
  });

  it.each(['Acme2', 'a.b.c', '', 'acme..x', '-acme', 'acme.', 'ac me', 'x'.repeat(65)])('refuses the prefix %j with BAD_USER_INPUT', async (prefix) => {
    const error = await refused(CREATE_SERVICE, { input: { prefix, displayName: 'X' } });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.prefix' });
    expect(String(error.extensions!.reason)).toMatch(/segment|empty|characters/);
  });

  it('refuses unknown locations and a blank display name', async () => {
    const bad = await refused(CREATE_SERVICE, { input: { prefix: 'zeta', displayName: 'Z', locations: ['us-south', 'mars-1'] } });
    expect(bad.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.locations' });
    expect(bad.message).toContain('"mars-1"');
    const blank = await refused(CREATE_SERVICE, { input: { prefix: 'zeta', displayName: '  ' } });
    expect(blank.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.displayName' });
  });

  it('updates a service; an unknown one is NOT_FOUND', async () => {
    const q = 'mutation($input: UpdateServiceInput!) { updateService(input: $input) { service { prefix displayName description } } }';
    const ok = await gw.gql(q, { input: { prefix: 'acme', patch: { displayName: 'Acme Corp', description: 'Test service' } } });
    expect(ok.body.data!.updateService.service).toEqual({ prefix: 'acme', displayName: 'Acme Corp', description: 'Test service' });
    expect((await refused(q, { input: { prefix: 'nope', patch: { displayName: 'x' } } })).extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await refused(q, { input: { prefix: 'acme', patch: { displayName: '' } } })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patch.displayName' });
  });

  it('sets locations: known codes or global only', async () => {
    const q = 'mutation($input: SetServiceLocationsInput!) { setServiceLocations(input: $input) { service { locations { code } } } }';
    const ok = await gw.gql(q, { input: { prefix: 'acme', locations: ['eu-de', 'eu-de', 'global'] } });
    expect(ok.body.data!.setServiceLocations.service.locations).toEqual([{ code: 'eu-de' }, { code: 'global' }]);
    expect((await refused(q, { input: { prefix: 'acme', locations: ['EU-DE'] } })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.locations' });
    expect((await refused(q, { input: { prefix: 'nope', locations: [] } })).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to delete a service that has actions, saying how many', async () => {
    const error = await refused('mutation { deleteService(input: { prefix: "domodel" }) { deletedPrefix } }', {});
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', actionCount: 11 });
    expect(error.message).toBe('service "domodel" has 11 actions; delete them first');
  });
});

describe('actions', () => {
  beforeAll(async () => {
    await gw.gql(CREATE_SERVICE, { input: { prefix: 'omega', displayName: 'Omega' } });
    await gw.gql(CREATE_SERVICE, { input: { prefix: 'omega.jobs', displayName: 'Omega Jobs' } });
  });

  it('splits names by the longest service prefix', async () => {
    const res = await gw.gql(DEFINE, {
      actions: [
        { name: 'omega.jobs.job.create', description: 'Create a job', httpMethod: 'POST', httpPath: '/v1/jobs' },
        { name: 'omega.widget.update.failed', group: 'Widgets' },
        { name: 'omega.<kind>.list', templateValues: ['disk', 'nic'] },
      ],
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.defineActions.actions).toEqual([
      { name: 'omega.jobs.job.create', objectType: 'job', verb: 'create', extraSegments: [], service: { prefix: 'omega.jobs' }, templateVariable: null, templateValues: [] },
      { name: 'omega.widget.update.failed', objectType: 'widget', verb: 'update', extraSegments: ['failed'], service: { prefix: 'omega' }, templateVariable: null, templateValues: [] },
      { name: 'omega.<kind>.list', objectType: '<kind>', verb: 'list', extraSegments: [], service: { prefix: 'omega' }, templateVariable: 'kind', templateValues: ['disk', 'nic'] },
    ]);
  });

  it('refuses a whole batch when items are bad, reporting every bad item with its index', async () => {
    const error = await refused(DEFINE, {
      actions: [
        { name: 'omega.thing.create' },
        { name: 'omega.jobs.job.delete', service: 'omega' },
        { name: 'omega.<kind>.delete' },
        { name: 'nosuch.thing.create' },
        { name: 'omega.thing' },
        { name: 'omega.thing.create' },
        { name: 'omega.thing.read', templateValues: ['x'] },
        { name: 'omega.Thing.read' },
      ],
    });
    expect(error.extensions!.code).toBe('BAD_USER_INPUT');
    const issues = (error.extensions!.issues as Array<{ index: number; field: string; reason: string }>).map((i) => [i.index, i.field]);
    expect(issues).toEqual([
      [1, 'actions[1].service'],
      [2, 'actions[2].templateValues'],
      [3, 'actions[3].name'],
      [4, 'actions[4].name'],
      [5, 'actions[5].name'],
      [6, 'actions[6].templateValues'],
      [7, 'actions[7].name'],
    ]);
    expect(error.message).toMatch(/^7 invalid items; first: item 1: actions\[1\]\.service: is "omega" but "omega\.jobs\.job\.delete" belongs to service "omega\.jobs"/);
  });

  it('refuses existing names and names a template already covers with CONFLICT', async () => {
    const existing = await refused(DEFINE, { actions: [{ name: 'omega.other.create' }, { name: 'omega.jobs.job.create' }] });
    expect(existing.extensions).toMatchObject({ code: 'CONFLICT', field: 'actions[1].name' });
    const covered = await refused(DEFINE, { actions: [{ name: 'omega.disk.list' }] });
    expect(covered.extensions!.code).toBe('CONFLICT');
    expect(covered.message).toContain('template action "omega.<kind>.list"');
  });

  it('updates, deprecates and deletes actions, with NOT_FOUND and BAD_USER_INPUT for bad input', async () => {
    const update = 'mutation($input: UpdateActionInput!) { updateAction(input: $input) { action { name description group httpMethod templateValues } } }';
    const ok = await gw.gql(update, { input: { name: 'omega.<kind>.list', patch: { description: 'List things', group: 'Things', templateValues: ['disk', 'nic', 'gpu'] } } });
    expect(ok.body.data!.updateAction.action).toEqual({ name: 'omega.<kind>.list', description: 'List things', group: 'Things', httpMethod: null, templateValues: ['disk', 'nic', 'gpu'] });
    expect((await refused(update, { input: { name: 'omega.nope.list', patch: {} } })).extensions!.code).toBe('NOT_FOUND');
    expect((await refused(update, { input: { name: 'omega.widget.update.failed', patch: { templateValues: ['a'] } } })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patch.templateValues' });
    expect((await refused(update, { input: { name: 'omega.<kind>.list', patch: { templateValues: [] } } })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patch.templateValues' });
    expect((await refused(update, { input: { name: 'omega.<kind>.list', patch: { httpPath: 'no-slash' } } })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.patch.httpPath' });

    const deprecate = await gw.gql('mutation { deprecateAction(input: { name: "omega.widget.update.failed" }) { action { deprecated } } }');
    expect(deprecate.body.data!.deprecateAction.action.deprecated).toBe(true);
    const listed = await gw.gql('{ actions(filter: { deprecated: true }) { nodes { name } } }');
    expect(listed.body.data!.actions.nodes).toEqual([{ name: 'omega.widget.update.failed' }]);

    const del = await gw.gql('mutation { deleteAction(input: { name: "omega.widget.update.failed" }) { deletedName } }');
    expect(del.body.data!.deleteAction.deletedName).toBe('omega.widget.update.failed');
    expect((await refused('mutation { deleteAction(input: { name: "omega.widget.update.failed" }) { deletedName } }', {})).extensions!.code).toBe('NOT_FOUND');
  });

  it('refuses to delete an action that has recorded events: it can only be deprecated', async () => {
    const { pool } = gw.gateway.db;
    const { rows } = await pool.query("SELECT id FROM actions WHERE name = 'omega.jobs.job.create'");
    await pool.query(
      `INSERT INTO events (account_id, id, event_time, action_id, action, service_prefix, object_type, verb, outcome, severity, location, message, content_hash)
       VALUES ('acct-1', 'evt-1', now(), $1, 'omega.jobs.job.create', 'omega.jobs', 'job', 'create', 'success', 'normal', 'us-south', 'x', '\\x00')`,
      [rows[0].id],
    );
    const error = await refused('mutation { deleteAction(input: { name: "omega.jobs.job.create" }) { deletedName } }', {});
    expect(error.extensions!.code).toBe('CONFLICT');
    expect(error.message).toContain('deprecate it instead');
    const deprecated = await gw.gql('mutation { deprecateAction(input: { name: "omega.jobs.job.create" }) { action { deprecated } } }');
    expect(deprecated.body.data!.deprecateAction.action.deprecated).toBe(true);
  });

  it('lets exactly one of two concurrent definitions of the same name win; the other gets CONFLICT', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `omega.race${round}.create`;
      const results = await Promise.all([gw.gql(DEFINE, { actions: [{ name }] }), gw.gql(DEFINE, { actions: [{ name, description: 'second' }] })]);
      const codes = results.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
      expect(codes).toEqual(['CONFLICT', 'OK']);
      expect(results.every((r) => r.status === 200)).toBe(true);
    }
  });
});

describe('importCatalog', () => {
  const IMPORT = `mutation($document: String!, $source: String!, $dryRun: Boolean) {
    importCatalog(document: $document, source: $source, dryRun: $dryRun) {
      source dryRun note services { added updated unchangedCount } actions { added updated unchangedCount }
      skipped { line reason } parsedServices { prefix displayName locations } parsedActions { name service group httpMethod httpPath locations deprecated } } }`;

  it('reports what a page would import without writing, then imports it once, then changes nothing', async () => {
    const document = await readFile(path.join(projectRoot, 'test/catalog/fixtures/vpc-markdown.md'), 'utf8');
    const before = await snapshot();
    const dry = await gw.gql(IMPORT, { document, source: 'vpc.md', dryRun: true });
    expect(dry.body.data!.importCatalog).toMatchObject({
      dryRun: true,
      services: { added: ['is.instance', 'is.vpc'], updated: [], unchangedCount: 0 },
      actions: { updated: [], unchangedCount: 0 },
      skipped: [
        { line: 39, reason: '`initiator.host.address` is an event field path' },
        { line: 40, reason: '`config.values.yaml` is a file name' },
        { line: 59, reason: '`is.instance.create` is the older name of is.instance.instance.reboot (Old action name)' },
      ],
    });
    expect(dry.body.data!.importCatalog.actions.added).toHaveLength(8);
    expect(dry.body.data!.importCatalog.parsedActions.find((a: any) => a.name === 'is.vpc.vpc.create')).toEqual({
      name: 'is.vpc.vpc.create', service: 'is.vpc', group: 'VPC events', httpMethod: 'POST', httpPath: '/v1/vpcs', locations: ['eu-de', 'jp-tok', 'us-south'], deprecated: false,
    });
    expect(await snapshot()).toEqual(before);

    const real = await gw.gql(IMPORT, { document, source: 'vpc.md' });
    expect(real.body.data!.importCatalog.actions.added).toHaveLength(8);
    expect(await count('actions')).toBe(before.actions + 8);
    const again = await gw.gql(IMPORT, { document, source: 'vpc.md' });
    expect(again.body.data!.importCatalog).toMatchObject({ services: { added: [], updated: [], unchangedCount: 2 }, actions: { added: [], updated: [], unchangedCount: 8 } });
    const svc = await gw.gql('{ service(prefix: "is.vpc") { displayName locations { code } sourceDocument } }');
    expect(svc.body.data!.service).toEqual({ displayName: 'Virtual Private Cloud', locations: [{ code: 'eu-de' }, { code: 'jp-tok' }, { code: 'us-south' }], sourceDocument: 'vpc.md' });
  });

  it('re-importing the shipped pages changes nothing', async () => {
    for (const file of ['002_207c232261481f86.txt', '004_1bc8a59d7a5e2070.txt', '003_71e3f04eef4def18.txt']) {
      const document = await readFile(path.join(projectRoot, 'src/catalog/seed/sources', file), 'utf8');
      const res = await gw.gql(IMPORT, { document, source: file });
      expect(res.body.data!.importCatalog.actions).toMatchObject({ added: [], updated: [] });
      expect(res.body.data!.importCatalog.services).toMatchObject({ added: [], updated: [] });
    }
  });

  it('says so when a page has no actions, and writes nothing', async () => {
    const document = await readFile(path.join(projectRoot, 'test/catalog/fixtures/no-actions.md'), 'utf8');
    const before = await snapshot();
    const res = await gw.gql(IMPORT, { document, source: 'about.md' });
    expect(res.body.data!.importCatalog).toMatchObject({ note: 'no actions found on this page; nothing imported', parsedActions: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('a dry run reports exactly what the real import then does, on every fixture page', async () => {
    const REPORT = `mutation($document: String!, $source: String!, $dryRun: Boolean) {
      importCatalog(document: $document, source: $source, dryRun: $dryRun) {
        note services { added updated unchangedCount } actions { added updated unchangedCount }
        skipped { line text reason section } sections { title imported skipped { line reason } } } }`;
    const dir = path.join(projectRoot, 'test/catalog/fixtures');
    const pages = (await readdir(dir)).filter((f) => !f.endsWith('.json')).sort();
    expect(pages.length).toBeGreaterThanOrEqual(9);
    for (const file of pages) {
      const document = await readFile(path.join(dir, file), 'utf8');
      const before = await snapshot();
      const dry = await gw.gql(REPORT, { document, source: `corpus/${file}`, dryRun: true });
      expect(await snapshot(), file).toEqual(before);
      const real = await gw.gql(REPORT, { document, source: `corpus/${file}` });
      expect(real.body.errors, file).toBeUndefined();
      expect(real.body.data!.importCatalog, file).toEqual(dry.body.data!.importCatalog);
      expect(await count('actions'), file).toBe(before.actions + real.body.data!.importCatalog.actions.added.length);
    }
  });

  it('a dry run and the import skip alike what a template covers and a template that would rename actions', async () => {
    const REPORT = 'mutation($document: String!, $source: String!, $dryRun: Boolean) { importCatalog(document: $document, source: $source, dryRun: $dryRun) { actions { added } skipped { text reason } } }';
    const first = '# Widget events\n\n| Action | Description |\n|---|---|\n| `widget-tool.big-widget.create` | A big widget is made. |\n';
    expect((await gw.gql(REPORT, { document: first, source: 'widgets-1.md' })).body.data!.importCatalog.actions.added).toEqual(['widget-tool.big-widget.create']);
    const second = [
      '# More widget events', '', '| Action | Description |', '|---|---|',
      '| `widget-tool.<kind>.create` | A widget of a kind is made. |',
      '| `widget-tool.<shape>.delete` | A widget of a shape is removed. |',
      '| `widget-tool.round.delete` | A round widget is removed. |', '',
      '| Kind | Description |', '|---|---|', '| `big-widget` | Big |', '| `small-widget` | Small |', '',
      '| Shape | Description |', '|---|---|', '| `round` | Round |', '| `square` | Square |', '',
    ].join('\n');
    const dry = await gw.gql(REPORT, { document: second, source: 'widgets-2.md', dryRun: true });
    const real = await gw.gql(REPORT, { document: second, source: 'widgets-2.md' });
    expect(real.body.data!.importCatalog).toEqual(dry.body.data!.importCatalog);
    expect(real.body.data!.importCatalog).toEqual({
      actions: { added: ['widget-tool.<shape>.delete'] },
      skipped: [
        { text: 'widget-tool.<kind>.create', reason: 'would rename existing action(s) "widget-tool.big-widget.create"' },
        { text: 'widget-tool.round.delete', reason: '"widget-tool.round.delete" is already a name of template action "widget-tool.<shape>.delete"' },
      ],
    });
  });

  it('refuses a missing source name', async () => {
    const error = await refused(IMPORT, { document: 'x', source: ' ' });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'source' });
  });
});
