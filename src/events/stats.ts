// Event counts per group and time bucket. When the grouping and the filter use only the
// rollup dimensions (service, outcome, severity, location, data event), the counts come
// from the rollups: the range is cut into whole hours (hour rollup, or for an hour still
// pending a fold, the minute rollup), whole minutes at its edges (minute rollup) and the
// seconds beyond (events), so the result is exact for any range. Anything else is a GROUP BY
// over the events.
import { UserInputError } from '../errors/errors.js';
import type { CheckedCondition, CheckedFilter } from './event-filter.js';
import { SqlParams, filterSql } from './event-filter.js';
import { minuteSourceOf, rollupFor, type RollupDimension } from './rollups.js';

export type StatsDimension = 'SERVICE' | 'ACTION' | 'OUTCOME' | 'SEVERITY' | 'LOCATION' | 'INITIATOR' | 'TARGET_TYPE';
export type StatsInterval = 'MINUTE' | 'HOUR' | 'DAY';

const UNIT_MS: Record<StatsInterval, number> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
const UNIT_NAME: Record<StatsInterval, string> = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' };
export const MAX_BUCKETS = 10_000;
export const MAX_TOP = 100;

const EVENT_EXPR: Record<StatsDimension, string> = {
  SERVICE: 'e.service_prefix',
  ACTION: 'e.action',
  OUTCOME: 'e.outcome',
  SEVERITY: 'e.severity',
  LOCATION: 'e.location',
  INITIATOR: 'e.initiator_id',
  TARGET_TYPE: 'e.target_type_uri',
};
const ROLLUP_DIMENSION: Partial<Record<StatsDimension, RollupDimension>> = {
  SERVICE: 'service',
  OUTCOME: 'outcome',
  SEVERITY: 'severity',
  LOCATION: 'location',
};
const ROLLUP_EXPR: Partial<Record<StatsDimension, string>> = {
  SERVICE: 'c.service_prefix',
  OUTCOME: 'c.outcome',
  SEVERITY: 'c.severity',
  LOCATION: 'c.location',
};

/** The rollup dimensions a request needs: what it groups by and what it filters on. */
function neededDimensions(c: CheckedCondition, groupBy: StatsDimension[]): RollupDimension[] {
  const s = c.source;
  const dims = new Set(groupBy.map((d) => ROLLUP_DIMENSION[d]!));
  if (s.services?.length) dims.add('service');
  if (s.outcomes?.length) dims.add('outcome');
  if (s.minSeverity) dims.add('severity');
  if (s.locations?.length) dims.add('location');
  if (s.dataEvent !== null && s.dataEvent !== undefined) dims.add('dataEvent');
  return [...dims];
}

export interface StatsRequest {
  accountId: string;
  filter: CheckedFilter;
  groupBy: StatsDimension[];
  interval: StatsInterval;
  top: number;
  /** Upper end of the range when the filter has none. */
  now: Date;
}

export interface StatsBucket {
  start: Date;
  count: number;
}

export interface StatsGroup {
  key: Partial<Record<StatsDimension, string | null>>;
  count: number;
  buckets: StatsBucket[];
}

export interface StatsResult {
  from: Date;
  to: Date;
  interval: StatsInterval;
  groupBy: StatsDimension[];
  total: number;
  buckets: StatsBucket[];
  groups: StatsGroup[];
  groupCount: number;
  otherCount: number;
  source: 'ROLLUPS' | 'EVENTS';
}

/** The rollups can answer when only their dimensions are grouped on and filtered by. */
export function rollupEligible(c: CheckedCondition, groupBy: StatsDimension[]): boolean {
  if (!groupBy.every((d) => ROLLUP_EXPR[d])) return false;
  const s = c.source;
  const used = Object.entries(s).filter(([, v]) => v !== null && v !== undefined).map(([k]) => k);
  const allowed = new Set(['services', 'outcomes', 'minSeverity', 'locations', 'dataEvent', 'from', 'to']);
  return used.every((k) => allowed.has(k)) && !c.anyOf && !c.not;
}

function rollupConditionSql(c: CheckedCondition, p: SqlParams): string {
  const s = c.source;
  const parts: string[] = [];
  if (s.services?.length) parts.push(`c.service_prefix = ANY(${p.add(s.services, '::text[]')})`);
  if (s.outcomes?.length) parts.push(`c.outcome = ANY(${p.add(s.outcomes, '::"Outcome"[]')})`);
  if (s.minSeverity) parts.push(`c.severity >= ${p.add(s.minSeverity, '::"Severity"')}`);
  if (s.locations?.length) parts.push(`c.location = ANY(${p.add(s.locations, '::text[]')})`);
  if (s.dataEvent !== null && s.dataEvent !== undefined) parts.push(`c.data_event = ${p.add(s.dataEvent)}`);
  return parts.length ? ` AND ${parts.join(' AND ')}` : '';
}

const floorTo = (d: Date, unit: number) => new Date(Math.floor(d.getTime() / unit) * unit);
const ceilTo = (d: Date, unit: number) => new Date(Math.ceil(d.getTime() / unit) * unit);

interface Segment {
  source: 'events' | 'minute' | 'hour';
  from: Date;
  to: Date;
}

/** Cuts [from, to) into raw seconds, whole minutes and whole hours. */
export function segmentsFor(from: Date, to: Date, interval: StatsInterval): Segment[] {
  const minute = UNIT_MS.MINUTE;
  const hour = UNIT_MS.HOUR;
  const m1 = ceilTo(from, minute);
  const m2 = floorTo(to, minute);
  if (m1 >= m2) return [{ source: 'events', from, to }];
  const out: Segment[] = [];
  const push = (source: Segment['source'], a: Date, b: Date) => {
    if (a < b) out.push({ source, from: a, to: b });
  };
  push('events', from, m1);
  const h1 = ceilTo(m1, hour);
  const h2 = floorTo(m2, hour);
  if (interval !== 'MINUTE' && h1 < h2) {
    push('minute', m1, h1);
    push('hour', h1, h2);
    push('minute', h2, m2);
  } else push('minute', m1, m2);
  push('events', m2, to);
  return out;
}

/**
 * A bucket's start as milliseconds since 1970: parsing hundreds of timestamptz texts into
 * Dates took longer than the rest of the answer's assembly.
 */
const bucketMs = (column: string) => `(date_part('epoch', ${column}) * 1000)::int8`;

/**
 * Dimensions of a few values each (the enums). Grouped by these alone, a request has a few
 * groups: the statement returns every group's buckets and the gateway ranks them and adds
 * up the buckets' totals, which took PostgreSQL longer (three passes over the groups' rows,
 * a ranking and a sort: 2.4 ms of the week of hours per outcome, 1.2 ms without).
 */
const FEW_VALUES: ReadonlySet<StatsDimension> = new Set(['OUTCOME', 'SEVERITY']);

export interface StatsStatement {
  text: string;
  params: SqlParams;
  source: StatsResult['source'];
  from: Date;
  to: Date;
  /** Every group's rows come back (see FEW_VALUES), to be ranked and totalled by assembleStats. */
  allGroups: boolean;
}

export function buildStatsSql(r: StatsRequest): StatsStatement {
  const from = r.filter.from;
  const to = r.filter.to ?? new Date(r.now.getTime() + 5 * 60_000);
  const buckets = Math.ceil((to.getTime() - floorTo(from, UNIT_MS[r.interval]).getTime()) / UNIT_MS[r.interval]);
  if (buckets > MAX_BUCKETS) {
    throw new UserInputError({ field: 'interval', reason: `gives ${buckets} buckets over this range (at most ${MAX_BUCKETS}); use a coarser interval or a shorter range` });
  }
  const p = new SqlParams();
  const unit = p.add(UNIT_NAME[r.interval]);
  const keys = r.groupBy.map((_, i) => `k${i}`);
  const useRollups = rollupEligible(r.filter, r.groupBy);
  const dims: RollupDimension[] = useRollups ? neededDimensions(r.filter, r.groupBy) : [];
  const selects: string[] = [];
  const eventsSelect = (a: Date, b: Date) => {
    const where = filterSql(r.accountId, { ...r.filter, from: a, to: b }, p);
    const selected = r.groupBy.map((d, i) => `${EVENT_EXPR[d]} AS k${i}`);
    return `SELECT date_trunc(${unit}, e.event_time, 'UTC') AS bucket${selected.map((x) => `, ${x}`).join('')}, count(*)::bigint AS n
              FROM events e WHERE ${where} GROUP BY ${['1', ...keys.map((_, i) => String(i + 2))].join(', ')}`;
  };
  if (!useRollups) selects.push(eventsSelect(from, to));
  else {
    for (const seg of segmentsFor(from, to, r.interval)) {
      if (seg.source === 'events') selects.push(eventsSelect(seg.from, seg.to));
      else {
        const rollup = rollupFor(seg.source, dims);
        const selected = r.groupBy.map((d, i) => `, ${ROLLUP_EXPR[d]} AS k${i}`).join('');
        const account = p.add(r.accountId);
        const [a, b] = [p.add(seg.from), p.add(seg.to)];
        const conditions = rollupConditionSql(r.filter, p);
        // A rollup's buckets are already whole units of its grain: truncating each row again
        // costs more than the rest of the scan.
        const bucket = seg.source === UNIT_NAME[r.interval] ? 'c.bucket' : `date_trunc(${unit}, c.bucket, 'UTC')`;
        // Rollup rows go to the one grouping below as they are: a few thousand at most, and
        // a grouping per part cost more to plan and run than it saved.
        if (seg.source === 'minute') {
          selects.push(`SELECT ${bucket} AS bucket${selected}, c.count AS n FROM ${rollup.table} c
                         WHERE c.account_id = ${account} AND c.bucket >= ${a} AND c.bucket < ${b}${conditions}`);
        } else {
          // The folded hours from the per-hour rollup, the pending ones from the per-minute
          // rollup of the same dimensions (rollups.ts).
          selects.push(`SELECT ${bucket} AS bucket${selected}, c.count AS n FROM ${rollup.table} c
                         WHERE c.account_id = ${account} AND c.bucket >= ${a} AND c.bucket < ${b}${conditions}
                           AND NOT EXISTS (SELECT FROM rollup_pending_hours p WHERE p.account_id = ${account} AND p.hour = c.bucket)`);
          selects.push(`SELECT date_trunc(${unit}, c.bucket, 'UTC') AS bucket${selected}, c.count AS n
                          FROM rollup_pending_hours p JOIN ${minuteSourceOf(rollup).table} c
                            ON c.account_id = p.account_id AND c.bucket >= p.hour AND c.bucket < p.hour + interval '1 hour'
                         WHERE p.account_id = ${account} AND p.hour >= ${a} AND p.hour < ${b}${conditions}`);
        }
      }
    }
  }
  const keyList = keys.map((k) => `, ${k}`).join('');
  const source = useRollups ? 'ROLLUPS' : 'EVENTS';
  if (r.groupBy.every((d) => FEW_VALUES.has(d))) {
    const text = `SELECT 'g' AS kind, ${bucketMs('bucket')} AS bucket${keys.map((k) => `, ${k}::text`).join('')}, sum(n)::bigint AS n
      FROM (${selects.join('\nUNION ALL\n')}) s GROUP BY bucket${keyList} ORDER BY bucket`;
    return { text, params: p, source, from, to, allGroups: true };
  }
  const joinOn = keys.length ? keys.map((k) => `g.${k} IS NOT DISTINCT FROM t.${k}`).join(' AND ') : 'TRUE';
  const nulls = keys.map(() => ', NULL').join('');
  const text = `WITH g AS (
      SELECT bucket${keyList}, sum(n)::bigint AS n FROM (${selects.join('\nUNION ALL\n')}) s GROUP BY bucket${keyList}),
    t AS (SELECT ${keys.length ? keys.join(', ') : '1 AS one'}, sum(n) AS total FROM g ${keys.length ? `GROUP BY ${keys.join(', ')}` : ''}
          ORDER BY total DESC${keys.map((k) => `, ${k}::text`).join('')} LIMIT ${p.add(r.top, '::int')})
    SELECT 'g' AS kind, ${bucketMs('g.bucket')} AS bucket${keys.map((k) => `, g.${k}::text`).join('')}, g.n FROM g JOIN t ON ${joinOn}
    UNION ALL SELECT 'b', ${bucketMs('bucket')}${nulls}, sum(n)::bigint FROM g GROUP BY bucket
    UNION ALL SELECT 'c', NULL${nulls}, count(*)::bigint FROM (SELECT 1 FROM g ${keys.length ? `GROUP BY ${keys.join(', ')}` : ''}) z
    ORDER BY 2`;
  return { text, params: p, source, from, to, allGroups: false };
}

/** Turns the statement's rows into buckets, top groups and totals. */
export function assembleStats(r: StatsRequest, rows: Array<Record<string, any>>, built: StatsStatement): StatsResult {
  const buckets: StatsBucket[] = [];
  const groups = new Map<string, StatsGroup>();
  let groupCount = 0;
  const keyColumns = r.groupBy.map((_, i) => `k${i}`);
  for (const row of rows) {
    const count = Number(row.n);
    if (row.kind === 'b') buckets.push({ start: new Date(Number(row.bucket)), count });
    else if (row.kind === 'c') groupCount = count;
    else {
      // Key values joined with a separator no value holds (NUL), null as an empty mark.
      let id = '';
      for (const column of keyColumns) id += `${row[column] ?? '\u0001'}\u0000`;
      let group = groups.get(id);
      if (group === undefined) {
        const key = Object.fromEntries(r.groupBy.map((d, i) => [d, row[keyColumns[i]!] ?? null])) as StatsGroup['key'];
        groups.set(id, (group = { key, count: 0, buckets: [] }));
      }
      group.count += count;
      const start = Number(row.bucket);
      group.buckets.push({ start: new Date(start), count });
      if (built.allGroups) {
        const last = buckets[buckets.length - 1];
        if (last !== undefined && last.start.getTime() === start) last.count += count;
        else buckets.push({ start: new Date(start), count });
      }
    }
  }
  // Rows come in bucket order, so every list of buckets is in time order.
  let top = [...groups.values()].sort((a, b) => b.count - a.count || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
  if (built.allGroups) {
    groupCount = top.length;
    top = top.slice(0, r.top);
  }
  const total = buckets.reduce((n, b) => n + b.count, 0);
  return {
    from: built.from,
    to: built.to,
    interval: r.interval,
    groupBy: r.groupBy,
    total,
    buckets,
    groups: top,
    groupCount: r.groupBy.length ? groupCount : total > 0 ? 1 : 0,
    otherCount: total - top.reduce((n, g) => n + g.count, 0),
    source: built.source,
  };
}
