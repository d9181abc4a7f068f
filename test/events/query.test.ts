// Reading events over GraphQL: keyset pages, filters checked against a plain in-test filter
// over a few thousand generated events, counts, and stats that add up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents, toGraphQLInput } from '../../src/events/generator.js';
import { DIMENSION_COLUMN, ROLLUPS } from '../../src/events/rollups.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { splitIntoShards } from '../support/rollups.js';

let gw: TestGateway;
const FIELDS = `id eventTime actionName objectType verb outcome severity location dataEvent correlationId message
  initiator { iamId name typeURI credential { type } host { address } } target { crn name typeURI } reason { reasonCode } service { prefix }`;

interface Stored {
  id: string;
  eventTime: string;
  actionName: string;
  objectType: string;
  verb: string;
  outcome: string;
  severity: string;
  location: string;
  dataEvent: boolean;
  correlationId: string | null;
  message: string;
  initiator: { iamId: string; name: string; typeURI: string; credential: { type: string }; host: { address: string } };
  target: { crn: string; name: string; typeURI: string };
  reason: { reasonCode: number | null };
  service: { prefix: string };
}

let all: Stored[] = [];
const now = new Date();
const from = new Date(now.getTime() - 3 * 86_400_000);
/** The generated events' window (the gateway's own audit events, e.g. of the test's key, come later). */
const window = () => ({ from: from.toISOString(), to: now.toISOString() });

async function recordAll(inputs: unknown[]) {
  for (let i = 0; i < inputs.length; i += 1000) {
    const res = await gw.gql('mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount } }', { inputs: inputs.slice(i, i + 1000) });
    expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
  }
}

/** Every event matching `filter`, through pages of 500. */
async function fetchAll(filter: Record<string, unknown>, fields = 'id', order = 'NEWEST_FIRST'): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const res: any = await gw.gql(`query($f: EventFilter, $after: String, $o: EventOrder) { events(filter: $f, first: 500, after: $after, orderBy: $o) { edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } }`, { f: filter, after, o: order });
    expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
    out.push(...res.body.data.events.edges.map((e: any) => e.node));
    if (!res.body.data.events.pageInfo.hasNextPage) return out;
    after = res.body.data.events.pageInfo.endCursor;
  }
}

beforeAll(async () => {
  gw = await startTestGateway('events_query', { EVENTS_COUNT_CAP: '500', ROLLUP_COMPACTION_INTERVAL_MS: '86400000' });
  const snapshot = await gw.gateway.managers.catalog.snapshot();
  await recordAll([...generateEvents(snapshot, { count: 3000, seed: 11, from, to: new Date(now.getTime() - 60_000) })].map(toGraphQLInput));
  all = await fetchAll(window(), FIELDS);
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

const severityRank: Record<string, number> = { NORMAL: 0, WARNING: 1, CRITICAL: 2 };
const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

describe('filters', () => {
  it('returns the generated events', () => {
    expect(all).toHaveLength(3000);
    expect(new Set(all.map((e) => e.service.prefix)).size).toBeGreaterThan(8);
    expect(all.filter((e) => e.outcome === 'FAILURE').length).toBeGreaterThan(40);
  });

  const someInitiator = () => all[7]!.initiator;
  const someTarget = () => all[11]!.target;
  const someCorrelation = () => all.find((e) => all.filter((x) => x.correlationId === e.correlationId).length > 1)!.correlationId;

  const cases: Array<[string, () => Record<string, unknown>, (e: Stored) => boolean]> = [
    ['services', () => ({ services: ['pm-20', 'datacatalog'] }), (e) => ['pm-20', 'datacatalog'].includes(e.service.prefix)],
    ['exact action', () => ({ actions: [all[3]!.actionName] }), (e) => e.actionName === all[3]!.actionName],
    ['action prefix', () => ({ actions: ['wdp-profiling.profile'] }), (e) => e.actionName.startsWith('wdp-profiling.profile.')],
    ['action glob', () => ({ actions: ['*.delete'] }), (e) => glob('*.delete').test(e.actionName)],
    ['template name', () => ({ actions: ['pm-20.<asset_type>.list'] }), (e) => /^pm-20\.[a-z_]+\.list$/.test(e.actionName) && e.objectType.startsWith('wml_')],
    ['object type and verb', () => ({ objectType: 'profile', verb: 'update' }), (e) => e.objectType === 'profile' && e.verb === 'update'],
    ['outcomes', () => ({ outcomes: ['FAILURE', 'PENDING'] }), (e) => e.outcome !== 'SUCCESS'],
    ['minimum severity', () => ({ minSeverity: 'WARNING' }), (e) => severityRank[e.severity]! >= 1],
    ['locations', () => ({ locations: ['eu-de', 'global'] }), (e) => ['eu-de', 'global'].includes(e.location)],
    // The filter takes CADF's initiator.id; results name it iamId (no `id` on values, for client caches).
    ['initiator id', () => ({ initiator: { id: someInitiator().iamId } }), (e) => e.initiator.iamId === someInitiator().iamId],
    ['initiator name, type and credential', () => ({ initiator: { name: someInitiator().name, typeURI: someInitiator().typeURI, credentialType: someInitiator().credential.type } }), (e) => e.initiator.name === someInitiator().name && e.initiator.typeURI === someInitiator().typeURI && e.initiator.credential.type === someInitiator().credential.type],
    ['initiator host address', () => ({ initiator: { hostAddress: someInitiator().host.address } }), (e) => e.initiator.host.address === someInitiator().host.address],
    ['target id', () => ({ target: { id: someTarget().crn } }), (e) => e.target.crn === someTarget().crn],
    ['target type prefix', () => ({ target: { typeURI: 'pm-20' } }), (e) => e.target.typeURI.startsWith('pm-20/')],
    ['target name', () => ({ target: { name: someTarget().name } }), (e) => e.target.name === someTarget().name],
    ['correlation id', () => ({ correlationId: someCorrelation() }), (e) => e.correlationId === someCorrelation()],
    ['data events', () => ({ dataEvent: true }), (e) => e.dataEvent],
    ['reason code range', () => ({ reasonCode: { min: 400, max: 404 } }), (e) => e.reason.reasonCode !== null && e.reason.reasonCode >= 400 && e.reason.reasonCode <= 404],
    ['text in the message', () => ({ text: 'DEPLOYMENT' }), (e) => e.message.toLowerCase().includes('deployment')],
    ['combined (AND)', () => ({ services: ['pm-20'], outcomes: ['SUCCESS'], locations: ['us-south', 'us-east'], dataEvent: false }), (e) => e.service.prefix === 'pm-20' && e.outcome === 'SUCCESS' && ['us-south', 'us-east'].includes(e.location) && !e.dataEvent],
    ['anyOf (OR)', () => ({ anyOf: [{ outcomes: ['FAILURE'] }, { services: ['domodel'] }] }), (e) => e.outcome === 'FAILURE' || e.service.prefix === 'domodel'],
    ['not', () => ({ not: { locations: ['us-south'] } }), (e) => e.location !== 'us-south'],
    ['not with missing values', () => ({ not: { correlationId: someCorrelation() } }), (e) => e.correlationId !== someCorrelation()],
    ['nested anyOf and not', () => ({ minSeverity: 'WARNING', anyOf: [{ not: { services: ['pm-20'] } }, { actions: ['pm-20.*.delete'] }] }), (e) => severityRank[e.severity]! >= 1 && (e.service.prefix !== 'pm-20' || glob('pm-20.*.delete').test(e.actionName))],
    ['time range', () => ({ from: all[2000]!.eventTime, to: all[1000]!.eventTime }), (e) => e.eventTime >= all[2000]!.eventTime && e.eventTime < all[1000]!.eventTime],
  ];

  it.each(cases)('%s selects exactly what a plain filter selects', async (_label, filter, predicate) => {
    const f = { ...window(), ...filter() };
    const expected = all.filter(predicate).map((e) => e.id).sort();
    const got = (await fetchAll(f)).map((e) => e.id).sort();
    expect(got).toEqual(expected);
    const count = await gw.gql('query($f: EventFilter) { events(filter: $f, first: 1) { totalCount totalCountIsExact } }', { f });
    if (expected.length <= 500) expect(count.body.data!.events).toEqual({ totalCount: expected.length, totalCountIsExact: true });
  });

  it('refuses unknown services, actions and locations with hints', async () => {
    const res = await gw.gql('{ events(filter: { services: ["nope"], actions: ["pm-20.deploymnt.create", "zzz.*"], locations: ["mars"] }) { totalCount } }');
    const error = res.body.errors![0]!;
    expect(error.extensions!.code).toBe('BAD_USER_INPUT');
    expect((error.extensions!.issues as any[]).map((i) => [i.field, i.hints?.[0] ?? null])).toEqual([
      ['filter.services[0]', null],
      ['filter.actions[0]', 'pm-20.deployment.create'],
      ['filter.actions[1]', null],
      ['filter.locations[0]', null],
    ]);
  });

  it('refuses filters nested too deep', async () => {
    const deep = { not: { not: { not: { not: { not: { outcomes: ['SUCCESS'] } } } } } };
    const res = await gw.gql('query($f: EventFilter) { events(filter: $f) { totalCount } }', { f: deep });
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('keyset pages', () => {
  it('never skip or repeat events with equal timestamps, in both orders and backwards', async () => {
    const same = ['2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.001Z', '2026-01-01T10:00:05.000Z'];
    const base = { action: 'audit-log.vsi.boot', initiator: { id: 'IBMid-pager' }, outcome: 'SUCCESS', location: 'eu-gb' };
    const inputs = Array.from({ length: 900 }, (_, i) => ({ ...base, id: `page-${String(i).padStart(4, '0')}-${(i * 7919) % 1000}`, eventTime: same[i % 3] }));
    await recordAll(inputs);
    const f = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', initiator: { id: 'IBMid-pager' } };
    const expected = inputs.map((e) => `${e.eventTime}|${e.id}`).sort();

    for (const [order, pageSize] of [['NEWEST_FIRST', 37], ['OLDEST_FIRST', 50]] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const res: any = await gw.gql('query($f: EventFilter, $a: String, $o: EventOrder, $n: Int) { events(filter: $f, first: $n, after: $a, orderBy: $o) { edges { node { id eventTime } } pageInfo { hasNextPage endCursor } } }', { f, a: after, o: order, n: pageSize });
        seen.push(...res.body.data.events.edges.map((e: any) => `${e.node.eventTime}|${e.node.id}`));
        if (!res.body.data.events.pageInfo.hasNextPage) break;
        after = res.body.data.events.pageInfo.endCursor;
      }
      expect(seen).toEqual(order === 'OLDEST_FIRST' ? expected : [...expected].reverse());
    }

    // Backwards from the end with last/before gives the same sequence.
    const back: string[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const res: any = await gw.gql('query($f: EventFilter, $b: String) { events(filter: $f, last: 41, before: $b, orderBy: OLDEST_FIRST) { edges { node { id eventTime } } pageInfo { hasPreviousPage startCursor } } }', { f, b: before });
      back.unshift(...res.body.data.events.edges.map((e: any) => `${e.node.eventTime}|${e.node.id}`));
      if (!res.body.data.events.pageInfo.hasPreviousPage) break;
      before = res.body.data.events.pageInfo.startCursor;
    }
    expect(back).toEqual(expected);
  });

  it('refuses forged cursors, pages over 500 and first with last', async () => {
    for (const [args, field] of [
      ['first: 501', 'first'],
      ['first: 0', 'first'],
      ['after: "garbage!"', 'after'],
      [`after: "${Buffer.from('event:notanumber:x').toString('base64url')}"`, 'after'],
      [`before: "${Buffer.from('action:x').toString('base64url')}", last: 2`, 'before'],
      ['first: 2, last: 2', 'last'],
    ] as const) {
      const res = await gw.gql(`{ events(${args}) { edges { cursor } } }`);
      expect(res.body.errors?.[0]?.extensions, args).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('reads the columns each operation selects, when operations of a document share a fragment', async () => {
    const doc = `query Both { ...Ids events(first: 2, filter: $f) { nodes { message } } }
      query IdsOnly { ...Ids }
      fragment Ids on Query { events(first: 2, filter: $f) { nodes { id } } }`.replace(/query (\w+)/g, 'query $1($f: EventFilter)');
    for (const name of ['IdsOnly', 'Both', 'IdsOnly', 'Both']) {
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) }, body: JSON.stringify({ query: doc, operationName: name, variables: { f: window() } }) });
      const nodes = ((await res.json()) as any).data.events.nodes;
      expect(nodes).toHaveLength(2);
      for (const node of nodes) expect(node.message === undefined ? 'absent' : typeof node.message).toBe(name === 'Both' ? 'string' : 'absent');
    }
  });

  it('finds one event by id, in this account only', async () => {
    const res = await gw.gql(`query($id: String!) { event(id: $id) { id actionName action { name service { prefix } } } }`, { id: all[5]!.id });
    expect(res.body.data!.event).toMatchObject({ id: all[5]!.id, actionName: all[5]!.actionName, action: { service: { prefix: all[5]!.service.prefix } } });
    expect((await gw.gql('{ event(id: "no-such-event") { id } }')).body.data!.event).toBeNull();
  });
});

describe('counts', () => {
  it('are exact up to the cap, exact from the rollups beyond it when they can tell, else estimated', async () => {
    const f = window();
    const viaRollups = await gw.gql('query($f: EventFilter) { events(filter: $f, first: 1) { totalCount totalCountIsExact } }', { f });
    expect(viaRollups.body.data!.events).toEqual({ totalCount: 3000, totalCountIsExact: true });
    const estimated = await gw.gql('query($f: EventFilter) { events(filter: $f, first: 1) { totalCount totalCountIsExact } }', { f: { ...f, text: 'a' } });
    expect(estimated.body.data!.events.totalCountIsExact).toBe(false);
    expect(estimated.body.data!.events.totalCount).toBeGreaterThan(500);
  });
});

describe('eventStats', () => {
  const STATS = `query($f: EventFilter, $g: [StatsDimension!], $i: StatsInterval, $top: Int) {
    eventStats(filter: $f, groupBy: $g, interval: $i, top: $top) {
      total source groupCount otherCount buckets { start count } groups { key { service action outcome severity location initiator targetType } count buckets { start count } } } }`;

  // An unaligned range: the rollups only cover whole minutes and hours of it.
  const range = () => ({ from: new Date(from.getTime() + 17 * 60_000 + 33_123).toISOString(), to: new Date(now.getTime() - 7 * 60_000 - 4_567).toISOString() });

  it.each([
    [[], 'HOUR'],
    [['OUTCOME'], 'HOUR'],
    [['SERVICE', 'SEVERITY'], 'DAY'],
    [['LOCATION'], 'MINUTE'],
    [['ACTION'], 'DAY'],
    [['INITIATOR'], 'HOUR'],
    [['TARGET_TYPE', 'OUTCOME'], 'DAY'],
  ])('groupBy %o per %s adds up to the count of events, from rollups and from events alike', async (groupBy, interval) => {
    const f = { ...range(), outcomes: ['SUCCESS', 'FAILURE'] };
    const expected = (await gw.gql('query($f: EventFilter) { events(filter: $f) { totalCount } }', { f })).body.data!.events.totalCount;
    const plain = all.filter((e) => e.eventTime >= f.from && e.eventTime < f.to && e.outcome !== 'PENDING').length;
    expect(expected).toBe(plain);
    const res = await gw.gql(STATS, { f, g: groupBy, i: interval, top: 5 });
    expect(res.body.errors).toBeUndefined();
    const s = res.body.data!.eventStats;
    expect(s.total).toBe(expected);
    expect(s.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(expected);
    expect(s.groups.reduce((n: number, g: any) => n + g.count, 0) + s.otherCount).toBe(expected);
    for (const g of s.groups) expect(g.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(g.count);
    const rollupable = groupBy.every((d) => ['SERVICE', 'OUTCOME', 'SEVERITY', 'LOCATION'].includes(d));
    expect(s.source).toBe(rollupable ? 'ROLLUPS' : 'EVENTS');
    // The same question answered over the events (a condition the rollups cannot use).
    const raw = await gw.gql(STATS, { f: { ...f, not: { text: 'no such text anywhere' } }, g: groupBy, i: interval, top: 5 });
    expect(raw.body.data!.eventStats.source).toBe('EVENTS');
    expect(raw.body.data!.eventStats).toEqual({ ...s, source: 'EVENTS' });
  });

  it('counts per outcome and hour match a plain count', async () => {
    const f = range();
    const res = await gw.gql(STATS, { f, g: ['OUTCOME'], i: 'HOUR', top: 3 });
    const failures = res.body.data!.eventStats.groups.find((g: any) => g.key.outcome === 'FAILURE');
    const plain = new Map<string, number>();
    for (const e of all.filter((x) => x.outcome === 'FAILURE' && x.eventTime >= f.from && x.eventTime < f.to)) {
      const hour = `${e.eventTime.slice(0, 13)}:00:00.000Z`;
      plain.set(hour, (plain.get(hour) ?? 0) + 1);
    }
    expect(new Map(failures.buckets.map((b: any) => [b.start, b.count]))).toEqual(plain);
  });

  it('rank the groups of the few-valued dimensions in the gateway: the top ones, how many there are, and bucket totals over all of them', async () => {
    const f = range();
    const res = await gw.gql(STATS, { f, g: ['OUTCOME', 'SEVERITY'], i: 'HOUR', top: 2 });
    expect(res.body.errors).toBeUndefined();
    const s = res.body.data!.eventStats;
    const inRange = all.filter((e) => e.eventTime >= f.from && e.eventTime < f.to);
    const perGroup = new Map<string, number>();
    const perHour = new Map<string, number>();
    for (const e of inRange) {
      const key = `${e.outcome}/${e.severity}`;
      perGroup.set(key, (perGroup.get(key) ?? 0) + 1);
      const hour = `${e.eventTime.slice(0, 13)}:00:00.000Z`;
      perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
    }
    expect(perGroup.size).toBeGreaterThan(2);
    expect(s.groupCount).toBe(perGroup.size);
    const largest = [...perGroup.values()].sort((a, b) => b - a);
    expect(s.groups.map((g: any) => g.count)).toEqual(largest.slice(0, 2));
    for (const g of s.groups) expect(g.count).toBe(perGroup.get(`${g.key.outcome}/${g.key.severity}`));
    expect(s.otherCount).toBe(inRange.length - largest[0]! - largest[1]!);
    expect(new Map(s.buckets.map((b: any) => [b.start, b.count]))).toEqual(perHour);
    expect(s.buckets.map((b: any) => b.start)).toEqual([...perHour.keys()].sort());
  });

  it('give the same answers after the pending hours are folded, and after the writers\' shards are folded into one row per key', async () => {
    const questions = [
      { f: range(), g: ['OUTCOME'], i: 'HOUR', top: 5 },
      { f: range(), g: ['SERVICE', 'SEVERITY'], i: 'DAY', top: 10 },
      { f: { ...range(), locations: ['us-south', 'eu-de'] }, g: ['LOCATION'], i: 'MINUTE', top: 5 },
    ];
    const ask = async () => Promise.all(questions.map(async (q) => (await gw.gql(STATS, q)).body.data!.eventStats));
    const before = await ask();
    // Ingest adds to the per-minute rollups and lists the hours it touched; until a round
    // folds them (for a clock a day ahead, every hour has ended), readers take those hours
    // from the per-minute rollups.
    const hours = await gw.gateway.managers.events.foldHourRollups(new Date(Date.now() + 86_400_000));
    expect(hours).toBeGreaterThan(3 * 24 - 2);
    expect(await ask()).toEqual(before);
    const pool = gw.gateway.db.pool;
    const census = async () =>
      Promise.all(
        ROLLUPS.map(async ({ table, dims }) => {
          const key = ['account_id', 'bucket', ...dims.map((d) => DIMENSION_COLUMN[d])].join(', ');
          const { rows } = await pool.query(
            `SELECT count(*)::int AS rows, count(*) FILTER (WHERE shard <> 0)::int AS sharded, coalesce(sum(count), 0)::int AS total,
                    (SELECT count(*)::int FROM (SELECT DISTINCT ${key} FROM ${table}) k) AS keys FROM ${table}`,
          );
          return rows[0] as { rows: number; sharded: number; total: number; keys: number };
        }),
      );
    // Ingest writes one row per key; split some over writer shards, as older databases hold them.
    expect((await census()).map((t) => t.sharded)).toEqual(ROLLUPS.map(() => 0));
    for (const { table } of ROLLUPS) expect(await splitIntoShards(pool, table), table).toBeGreaterThan(0);
    const unfolded = await census();
    expect(unfolded.every((t) => t.sharded > 0)).toBe(true);
    // Every bucket is a past one for a clock a day ahead.
    const folded = await gw.gateway.managers.events.compactRollups(new Date(Date.now() + 86_400_000));
    expect(folded).toBe(unfolded.reduce((n, t) => n + t.sharded, 0));
    const after = await census();
    after.forEach((t, i) => expect(t).toEqual({ rows: unfolded[i]!.keys, sharded: 0, total: unfolded[i]!.total, keys: unfolded[i]!.keys }));
    expect(await ask()).toEqual(before);
  });

  it('refuses too many buckets, a bad top and repeated dimensions', async () => {
    for (const [vars, field] of [
      [{ f: { from: '2020-01-01T00:00:00Z' }, i: 'MINUTE' }, 'interval'],
      [{ top: 0 }, 'top'],
      [{ g: ['OUTCOME', 'OUTCOME'] }, 'groupBy'],
    ] as const) {
      const res = await gw.gql(STATS, vars);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});
