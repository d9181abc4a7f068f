// Rollup compaction folds writer shards (rows of databases written before ingest counted
// under the chain lock) into one row per key while ingest goes on: the counts stay exact
// per key, whatever interleaving the two take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents, toGraphQLInput } from '../../src/events/generator.js';
import { DIMENSION_COLUMN, ROLLUPS } from '../../src/events/rollups.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
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
    const future = () => new Date(Date.now() + 86_400_000);
    const compacting = (async () => {
      while (recording) {
        await gw.gateway.managers.events.compactRollups(future());
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

    // Ingest writes one row per key (shard 0); databases written before hold writer shards.
    // Split some rows over two more shards (sums unchanged), so that the last round must
    // add up several shards of one key.
    await gw.gateway.managers.events.compactRollups(future());
    const pool = gw.gateway.db.pool;
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
  }, 120_000);
});
