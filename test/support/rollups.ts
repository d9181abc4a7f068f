// Rollup rows as databases written before ingest counted under the chain lock hold them: a
// key's count split over writer shards (rows with shard <> 0), which reads sum and
// compaction folds. Sums stay the same.
import type pg from 'pg';

/** Moves 2 of the count of up to 40 rows of `table` (count >= 3) into shards 14 and 15; returns the rows added. */
export async function splitIntoShards(pool: pg.Pool, table: string): Promise<number> {
  const split = await pool.query(
    `WITH chosen AS (SELECT ctid FROM ${table} WHERE count >= 3 AND shard = 0 LIMIT 40),
          moved AS (UPDATE ${table} t SET count = t.count - 2 FROM chosen c WHERE t.ctid = c.ctid RETURNING t.*)
     INSERT INTO ${table} SELECT (jsonb_populate_record(null::${table}, to_jsonb(m) || jsonb_build_object('shard', s, 'count', 1))).* FROM moved m, (VALUES (14), (15)) v(s)`,
  );
  return split.rowCount ?? 0;
}
