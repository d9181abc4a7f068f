// The exact event counts kept at ingest. Each rollup counts events per time bucket and a
// set of dimensions; queries use the smallest one that has every dimension they need.
export type RollupDimension = 'service' | 'outcome' | 'severity' | 'location' | 'dataEvent';

export interface Rollup {
  table: string;
  grain: 'minute' | 'hour';
  grainMs: number;
  dims: RollupDimension[];
}

export const DIMENSION_COLUMN: Record<RollupDimension, string> = {
  service: 'service_prefix',
  outcome: 'outcome',
  severity: 'severity',
  location: 'location',
  dataEvent: 'data_event',
};

const ALL: RollupDimension[] = ['service', 'outcome', 'severity', 'location', 'dataEvent'];
const SLIM: RollupDimension[] = ['service', 'outcome', 'severity'];
/** Account-wide counts: a few rows per bucket, so a week of hours sums in well under a millisecond. */
const BRIEF: RollupDimension[] = ['outcome', 'severity', 'dataEvent'];

/**
 * Counters that every ingest transaction adds to (rollups, routing drops) are split into
 * this many rows per key, one per writer connection (its backend pid modulo this), so that
 * concurrent batches with the same minute, service and outcome do not queue on one row's
 * lock. Readers sum the shards.
 */
export const WRITE_SHARDS = 16;

/** Smallest first, so that the first one that fits is the cheapest to read. */
export const ROLLUPS: Rollup[] = [
  { table: 'event_counts_minute_brief', grain: 'minute', grainMs: 60_000, dims: BRIEF },
  { table: 'event_counts_minute_slim', grain: 'minute', grainMs: 60_000, dims: SLIM },
  { table: 'event_counts_minute', grain: 'minute', grainMs: 60_000, dims: ALL },
  { table: 'event_counts_hour_brief', grain: 'hour', grainMs: 3_600_000, dims: BRIEF },
  { table: 'event_counts_hour_slim', grain: 'hour', grainMs: 3_600_000, dims: SLIM },
  { table: 'event_counts_hour', grain: 'hour', grainMs: 3_600_000, dims: ALL },
];

/** The cheapest rollup of a grain that has all of `dims`. */
export function rollupFor(grain: Rollup['grain'], dims: Iterable<RollupDimension>): Rollup {
  const needed = [...dims];
  return ROLLUPS.find((r) => r.grain === grain && needed.every((d) => r.dims.includes(d)))!;
}
