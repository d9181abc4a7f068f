// The exact event counts kept at ingest. Each rollup counts events per time bucket and a
// set of dimensions; queries use the smallest one that has every dimension they need.
// Ingest adds to the per-minute rollups only, and lists the hours it touched as pending; a
// folding round recomputes a pending hour of each per-hour rollup from the per-minute
// rollup of the same dimensions (a batch's upserts to the hour rows cost PostgreSQL as much
// as those to the minute rows). Readers take a pending hour from the per-minute rollup.
import type { EventRecord } from './event.model.js';

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

export const HOUR_MS = 3_600_000;

/** Smallest first, so that the first one that fits is the cheapest to read. */
export const ROLLUPS: Rollup[] = [
  { table: 'event_counts_minute_brief', grain: 'minute', grainMs: 60_000, dims: BRIEF },
  { table: 'event_counts_minute_slim', grain: 'minute', grainMs: 60_000, dims: SLIM },
  { table: 'event_counts_minute', grain: 'minute', grainMs: 60_000, dims: ALL },
  { table: 'event_counts_hour_brief', grain: 'hour', grainMs: HOUR_MS, dims: BRIEF },
  { table: 'event_counts_hour_slim', grain: 'hour', grainMs: HOUR_MS, dims: SLIM },
  { table: 'event_counts_hour', grain: 'hour', grainMs: HOUR_MS, dims: ALL },
];

/** The rollups ingest adds to: the per-hour ones are folded from these. */
export const INGEST_ROLLUPS = ROLLUPS.filter((r) => r.grain === 'minute');

/** The rollups folded from them. */
export const HOURLY_ROLLUPS = ROLLUPS.filter((r) => r.grain === 'hour');

/** The per-minute rollup a per-hour rollup is folded from: the one with the same dimensions. */
export function minuteSourceOf(hourly: Rollup): Rollup {
  return INGEST_ROLLUPS.find((r) => r.dims === hourly.dims)!;
}

/** Hour starts (milliseconds since 1970) of `events`, each once. */
export function hoursOf(events: EventRecord[]): number[] {
  const hours = new Set<number>();
  for (const e of events) hours.add(Math.floor(e.eventTime.getTime() / HOUR_MS) * HOUR_MS);
  return [...hours].sort((a, b) => a - b);
}

/** The cheapest rollup of a grain that has all of `dims`. */
export function rollupFor(grain: Rollup['grain'], dims: Iterable<RollupDimension>): Rollup {
  const needed = [...dims];
  return ROLLUPS.find((r) => r.grain === grain && needed.every((d) => r.dims.includes(d)))!;
}

/** Each dimension's value of an event, as PostgreSQL reads it in an array literal. */
const DIMENSION_TEXT: Record<RollupDimension, (e: EventRecord) => string> = {
  service: (e) => e.servicePrefix,
  outcome: (e) => e.outcome,
  severity: (e) => e.severity,
  location: (e) => e.location,
  dataEvent: (e) => (e.dataEvent ? 't' : 'f'),
};

/** A batch's additions to one rollup, as columns: a row per bucket and dimension values. */
export interface RollupAdditions {
  /** Bucket starts (milliseconds since 1970). */
  buckets: number[];
  /** Per dimension of the rollup, in its order: each row's value (as DIMENSION_TEXT writes it). */
  dims: string[][];
  counts: number[];
}

/**
 * What `events` add to `rollup`: they are counted here, and the rows added in one statement.
 * Keys are looked up through one map per dimension (the values are strings the records
 * share), not joined into a key string per event.
 */
export function rollupAdditions(rollup: Rollup, events: EventRecord[]): RollupAdditions {
  const values = rollup.dims.map((d) => DIMENSION_TEXT[d]);
  const out: RollupAdditions = { buckets: [], dims: rollup.dims.map(() => []), counts: [] };
  const counts = out.counts;
  const buckets = new Map<number, Map<string, any>>();
  const last = values.length - 1;
  for (const e of events) {
    const bucket = Math.floor(e.eventTime.getTime() / rollup.grainMs) * rollup.grainMs;
    let node = buckets.get(bucket);
    if (node === undefined) buckets.set(bucket, (node = new Map()));
    for (let d = 0; d < last; d++) {
      const v = values[d]!(e);
      let next = node.get(v);
      if (next === undefined) node.set(v, (next = new Map()));
      node = next as Map<string, any>;
    }
    const leaf = values[last]!(e);
    const row: number | undefined = node.get(leaf);
    if (row !== undefined) {
      counts[row]!++;
      continue;
    }
    node.set(leaf, counts.length);
    counts.push(1);
    out.buckets.push(bucket);
    values.forEach((value, d) => out.dims[d]!.push(value(e)));
  }
  return out;
}
