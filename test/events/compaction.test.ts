// The rollups' upkeep goes on while ingest does: folding the pending hours into the per-hour
// rollups, and compaction folding writer shards (rows of databases written before ingest
// counted under the chain lock) into one row per key. The counts stay exact per key,
// whatever interleaving they take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents, toGraphQLInput } from '../../src/events/generator.js';
import { DIMENSION_COLUMN, ROLLUPS } from '../../src/events/rollups.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventInputs } from '../support/events.js';
import { splitIntoShards } from '../support/rollups.js';

let gw: TestGateway;
beforeAll(async () => {
  // Rounds are run by the test itself.
  gw = await startTestGateway('events_compaction', { ROLLUP_COMPACTION_INTERVAL_MS: '86400000' });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

describe('rollup compaction', () => {
  it('keeps every count exact while batches are recorded concurrently', async () => {
    const snapshot = await gw.gateway.managers.catalog.snapshot();
    const now = Date.now();
    const inputs = [...generateEvents(snapshot, { count: 2400, seed: 5, from: new Date(now - 3 * 3_600_000), to: new Date(now - 60_000) })].map(toGraphQLInput);
    const batches = Array.from({ length: 12 }, (_, i) => inputs.slice(i * 200, (i + 1) * 200));
    let recording = true;
    let rounds = 0;
    let hours = 0;
    let drops = 0;
    const future = () => new Date(Date.now() + 86_400_000);
    const compacting = (async () => {
      while (recording) {
        // Every hour is an ended one for a clock a day ahead: each round folds what ingest has listed.
        hours += await gw.gateway.managers.events.foldHourRollups(future());
        await gw.gateway.managers.events.compactRollups(future());
        drops += await gw.gateway.managers.routing.foldDrops();
        rounds++;
      }
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const res = await gw.gql('mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount } }', { inputs: batches[next++] });
          expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
        }
      }),
    );
    recording = false;
    await compacting;
    expect(rounds).toBeGreaterThan(0);
    expect(hours).toBeGreaterThan(0);
    expect(drops).toBeGreaterThan(0);

    // Ingest writes one row per key (shard 0); databases written before hold writer shards.
    // Split some rows over two more shards (sums unchanged), so that the last round must
    // add up several shards of one key.
    await gw.gateway.managers.events.foldHourRollups(future());
    await gw.gateway.managers.events.compactRollups(future());
    const pool = gw.gateway.db.pool;
    expect((await pool.query('SELECT count(*)::int AS n FROM rollup_pending_hours')).rows[0].n).toBe(0);
    for (const { table } of ROLLUPS) expect(await splitIntoShards(pool, table), table).toBeGreaterThan(10);
    await gw.gateway.managers.events.compactRollups(future());

    for (const rollup of ROLLUPS) {
      const dims = rollup.dims.map((d) => DIMENSION_COLUMN[d]);
      const key = ['account_id', 'bucket', ...dims].join(', ');
      const { rows } = await pool.query(
        `WITH counted AS (SELECT account_id, date_trunc('${rollup.grain}', event_time, 'UTC') AS bucket, ${dims.join(', ')}, count(*)::int AS n FROM events GROUP BY 1, 2, ${dims.map((_, i) => i + 3).join(', ')}),
              rolled AS (SELECT ${key}, sum(count)::int AS n, count(*)::int AS shards, max(shard)::int AS shard FROM ${rollup.table} GROUP BY ${key})
         SELECT (SELECT count(*)::int FROM counted) AS keys,
                (SELECT count(*)::int FROM counted c FULL JOIN rolled r USING (${key}) WHERE c.n IS DISTINCT FROM r.n) AS wrong,
                (SELECT count(*)::int FROM rolled WHERE shards > 1 OR shard <> 0) AS unfolded`,
      );
      expect(rows[0], rollup.table).toMatchObject({ wrong: 0, unfolded: 0 });
      expect(rows[0].keys).toBeGreaterThan(10);
    }

    // No route takes anything here: every event is a drop, counted once per location and action.
    await gw.gateway.managers.routing.foldDrops();
    const { rows } = await pool.query(
      `WITH counted AS (SELECT account_id, location, action, count(*)::int AS n FROM events GROUP BY 1, 2, 3),
            dropped AS (SELECT account_id, location, action, sum(count)::int AS n FROM routing_drops GROUP BY 1, 2, 3)
       SELECT (SELECT count(*)::int FROM counted) AS keys, (SELECT count(*)::int FROM routing_drop_batches) AS batches,
              (SELECT count(*)::int FROM counted c FULL JOIN dropped d USING (account_id, location, action) WHERE c.n IS DISTINCT FROM d.n) AS wrong`,
    );
    expect(rows[0]).toMatchObject({ batches: 0, wrong: 0 });
    expect(rows[0].keys).toBeGreaterThan(10);
  }, 120_000);

  it('counts an event for an hour already folded at once, and the same after the next fold', async () => {
    const events = gw.gateway.managers.events;
    const future = new Date(Date.now() + 86_400_000);
    await events.foldHourRollups(future);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    const f = { from: new Date(hour).toISOString(), to: new Date(hour + 3_600_000).toISOString() };
    const STATS = 'query($f: EventFilter, $g: [StatsDimension!]) { eventStats(filter: $f, groupBy: $g, interval: HOUR) { total source groups { key { outcome service location } count } } }';
    // One question for each per-hour rollup: the brief, the slim and the full one.
    const groupings = [['OUTCOME'], ['SERVICE'], ['LOCATION']];
    const ask = async () => Promise.all(groupings.map(async (g) => (await gw.gql(STATS, { f, g })).body.data!.eventStats));
    const before = await ask();
    for (const s of before) expect(s.source).toBe('ROLLUPS');
    const pending = async () => (await gw.gateway.db.pool.query('SELECT count(*)::int AS n FROM rollup_pending_hours WHERE hour = $1', [new Date(hour)])).rows[0].n;
    expect(await pending()).toBe(0);

    const late = eventInputs('late')({ eventTime: new Date(hour + 10 * 60_000 + 1234).toISOString(), outcome: 'FAILURE', location: 'us-south' });
    const res = await gw.gql('mutation($input: EventInput!) { recordEvent(input: $input) { created } }', { input: late });
    expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
    expect(await pending()).toBe(1);
    const added = await ask();
    added.forEach((s, i) => expect(s.total, String(groupings[i])).toBe(before[i].total + 1));
    const failures = (s: any) => s.groups.find((g: any) => g.key.outcome === 'FAILURE')?.count ?? 0;
    expect(failures(added[0])).toBe(failures(before[0]) + 1);

    expect(await events.foldHourRollups(future)).toBe(1);
    expect(await pending()).toBe(0);
    expect(await ask()).toEqual(added);
  });
});
