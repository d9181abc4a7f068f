// SQL for events, through the gateway's `pg` pool: the ingest batch, keyset pages, counts,
// stats and streaming. Prisma cannot express these efficiently (bulk insert from arrays,
// row-value keyset conditions, rollup upserts, cursors), so they are written by hand, with
// bound parameters only.
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { EventRecord } from './event.model.js';
import { binaryArray, binaryArrays, type BinaryKind } from './binary-arrays.js';
import { inTransaction } from '../database/transaction.js';
import { DIMENSION_COLUMN, HOURLY_ROLLUPS, INGEST_ROLLUPS, ROLLUPS, hoursOf, minuteSourceOf, rollupAdditions, type Rollup, type RollupDimension } from './rollups.js';
import { SqlParams } from './event-filter.js';

/**
 * How a batch is routed, decided before it is stored and written with it: the deliveries
 * of its events and, per location and action, how many no route took.
 */
export interface BatchRouting {
  /** The account's routing version the decisions were made at (null: it has no routing yet). */
  version: number | null;
  deliveries: Array<{ eventId: string; targetId: string; routeId: string | null; reason: 'route' | 'default_targets' }>;
  drops: Array<{ location: string; action: string; count: number }>;
}

/** SQLSTATE of audit_require_routing_version: the batch was routed at an old routing version. */
export const STALE_ROUTING = 'AGR01';

/** The channel a committed batch is announced on (live tail in every gateway process). */
export const EVENTS_CHANNEL = 'audit_events_recorded';

/** How a column is sent: as a binary array (binary-arrays.ts), or an enum as an array literal. */
type ColumnKind = BinaryKind | 'enum';

/**
 * The columns of `events`, in insert order, with their array cast for unnest(), how each is
 * sent and each event's value (null: SQL NULL). Enum columns go as array literals (their
 * element types have no fixed OID, which the binary form names).
 */
const INSERT_COLUMNS: Array<[column: string, cast: string, kind: ColumnKind, value: (e: EventRecord, contentHash: string) => unknown]> = [
  ['account_id', 'text[]', 'text', (e) => e.accountId],
  ['id', 'text[]', 'text', (e) => e.id],
  ['event_time', 'timestamptz[]', 'time', (e) => e.eventTime],
  ['received_at', 'timestamptz[]', 'time', (e) => e.receivedAt],
  ['action_id', 'int[]', 'int', (e) => e.actionId],
  ['action', 'text[]', 'text', (e) => e.action],
  ['template_value', 'text[]', 'text', (e) => e.templateValue],
  ['service_prefix', 'text[]', 'text', (e) => e.servicePrefix],
  ['object_type', 'text[]', 'text', (e) => e.objectType],
  ['verb', 'text[]', 'text', (e) => e.verb],
  ['correlation_id', 'text[]', 'text', (e) => e.correlationId],
  ['data_event', 'bool[]', 'bool', (e) => e.dataEvent],
  ['initiator_id', 'text[]', 'text', (e) => e.initiator.id],
  ['initiator_name', 'text[]', 'text', (e) => e.initiator.name],
  ['initiator_authn_id', 'text[]', 'text', (e) => e.initiator.authnId],
  ['initiator_authn_name', 'text[]', 'text', (e) => e.initiator.authnName],
  ['initiator_type_uri', '"InitiatorType"[]', 'enum', (e) => e.initiator.typeURI],
  ['credential_type', '"CredentialType"[]', 'enum', (e) => e.initiator.credential.type],
  ['host_address', 'text[]', 'text', (e) => e.initiator.host.address],
  ['address_type', '"AddressType"[]', 'enum', (e) => e.initiator.host.addressType],
  ['agent', 'text[]', 'text', (e) => e.initiator.host.agent],
  ['target_id', 'text[]', 'text', (e) => e.target.id],
  ['target_name', 'text[]', 'text', (e) => e.target.name],
  ['target_alias', 'text[]', 'text', (e) => e.target.alias],
  ['target_type_uri', 'text[]', 'text', (e) => e.target.typeURI],
  ['target_resource_group_id', 'text[]', 'text', (e) => e.target.resourceGroupId],
  ['target_host_address', 'text[]', 'text', (e) => e.target.host.address],
  ['observer_name', 'text[]', 'text', (e) => e.observer.name],
  ['outcome', '"Outcome"[]', 'enum', (e) => e.outcome],
  ['reason_code', 'int[]', 'int', (e) => e.reason.reasonCode],
  ['reason_type', 'text[]', 'text', (e) => e.reason.reasonType],
  ['reason_for_failure', 'text[]', 'text', (e) => e.reason.reasonForFailure],
  ['severity', '"Severity"[]', 'enum', (e) => e.severity],
  ['location', 'text[]', 'text', (e) => e.location],
  ['message', 'text[]', 'text', (e) => e.message],
  ['request_data', 'jsonb[]', 'json', (e) => e.requestData],
  ['response_data', 'jsonb[]', 'json', (e) => e.responseData],
  ['log_source_crn', 'text[]', 'text', (e) => e.logSourceCRN],
  ['save_service_copy', 'bool[]', 'bool', (e) => e.saveServiceCopy],
  ['content_hash', 'bytea[]', 'hash', (_e, contentHash) => contentHash],
];

/** A column value's text form, as PostgreSQL reads it (null: SQL NULL). */
function columnText(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'time':
      return (value as Date).toISOString();
    case 'int':
      return String(value);
    case 'bool':
      return value ? 't' : 'f';
    case 'json':
      return JSON.stringify(value);
    case 'hash':
      return `\\x${value as string}`; // bytea's hex input form
    default:
      return value as string;
  }
}

/** The columns of `events` an event is stored in, in the order of eventColumnText. */
export const EVENT_COLUMNS = INSERT_COLUMNS.map(([column]) => column);

/** The columns every event of a batch shares (its account and receipt time): sent once, not as arrays. */
const BATCH_COLUMNS = new Set(['account_id', 'received_at']);
const ARRAY_COLUMNS = INSERT_COLUMNS.filter(([column]) => !BATCH_COLUMNS.has(column));
const BINARY_COLUMNS = ARRAY_COLUMNS.filter(([, , kind]) => kind !== 'enum');

/** An event's columns as PostgreSQL reads them from text (null: SQL NULL); the benchmark's raw side inserts these. */
export function eventColumnText(event: EventRecord, contentHash: string): Array<string | null> {
  return INSERT_COLUMNS.map(([, , kind, value]) => columnText(kind, value(event, contentHash)));
}

const ARRAY_SPECIALS = /["\\]/;
const ARRAY_SPECIALS_ALL = /["\\]/g;

/**
 * PostgreSQL's text form of a one-dimensional array: every element quoted (so that commas,
 * braces, spaces and the word NULL stay text), with `"` and `\` escaped; null is NULL.
 */
function arrayLiteral(values: Array<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) out += ',';
    out += v === null ? 'NULL' : `"${ARRAY_SPECIALS.test(v) ? v.replace(ARRAY_SPECIALS_ALL, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/** The array cast of each rollup dimension's column, and how it is sent. */
const DIMENSION_CAST: Record<RollupDimension, string> = {
  service: 'text[]',
  outcome: '"Outcome"[]',
  severity: '"Severity"[]',
  location: 'text[]',
  dataEvent: 'bool[]',
};
const DIMENSION_KIND: Record<RollupDimension, ColumnKind> = { service: 'text', outcome: 'enum', severity: 'enum', location: 'text', dataEvent: 'bool' };

/** A rollup dimension's values (as rollupAdditions gives them) as an array parameter. */
function dimensionArray(dimension: RollupDimension, values: string[]): Buffer | string {
  const kind = DIMENSION_KIND[dimension];
  if (kind === 'enum') return arrayLiteral(values);
  return binaryArray(kind, kind === 'bool' ? values.map((v) => v === 't') : values);
}

/**
 * A batch of new events in one statement, committed on its own (no transaction around it):
 *  1. the events are inserted, concurrently with other batches of the account. Rows go in
 *     id order, so two batches sharing ids wait for each other in one order. An id stored
 *     before, or by a concurrent batch that commits, fails the statement (events_pkey);
 *  2. after them (the step reads their count), audit_link_batch takes the account's chain
 *     lock, held to commit, and appends the events to the chain; audit_require_routing_version
 *     checks that the routing they were routed with is still the account's;
 *  3. after the lock (each reads `linked`): the batch's counts are added to the per-minute
 *     rollups and its hours listed as pending for the per-hour ones (rollups.ts); the lock
 *     orders these, so a key's row takes no lock wait, needs no writer shards, and no two
 *     batches take rows in opposite orders. Its drops go as one row (routing_drop_batches,
 *     added to the counters by the upkeep round), its deliveries as rows;
 *  4. the batch is announced to the live tails (delivered at commit).
 * One statement, because the chain lock is held until commit: across round trips, it was
 * held while the gateway, busy with other requests, got round to sending the next one.
 * Rows are added in key order, the order compaction takes them in.
 */
function recordSql(): string {
  let n = ARRAY_COLUMNS.length;
  const param = (cast: string) => `$${++n}::${cast}`;
  const account = param('text');
  const [ids, contents, lengths, receivedAt, routingVersion] = [param('text[]'), param('bytea'), param('int[]'), param('text'), param('int')];
  const [deliveryEvents, deliveryTargets, deliveryRoutes, deliveryReasons] = [param('text[]'), param('uuid[]'), param('uuid[]'), param('"DeliveryReason"[]')];
  const [dropLocations, dropActions, dropCounts] = [param('text[]'), param('text[]'), param('bigint[]')];
  const hours = param('timestamptz[]');
  const rollups = INGEST_ROLLUPS.map((rollup, i) => {
    const dims = rollup.dims.map((d) => DIMENSION_COLUMN[d]);
    const key = ['account_id', 'bucket', ...dims].join(', ');
    const arrays = [param('timestamptz[]'), ...rollup.dims.map((d) => param(DIMENSION_CAST[d])), param('bigint[]')];
    const names = ['bucket', ...dims, 'count'];
    return `r${i} AS (
      INSERT INTO ${rollup.table} AS c (${key}, shard, count)
      SELECT ${account}, ${['bucket', ...dims].join(', ')}, 0, count FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})
      WHERE EXISTS (SELECT FROM linked) ORDER BY ${['bucket', ...dims].join(', ')}
      ON CONFLICT (${key}, shard) DO UPDATE SET count = c.count + EXCLUDED.count)`;
  });
  return `WITH stored AS (
      INSERT INTO events (${EVENT_COLUMNS.join(', ')})
      SELECT ${EVENT_COLUMNS.map((c) => (c === 'account_id' ? account : c === 'received_at' ? `${receivedAt}::timestamptz` : `u.${c}`)).join(', ')}
        FROM unnest(${ARRAY_COLUMNS.map(([, cast], i) => `$${i + 1}::${cast}`).join(', ')}) AS u(${ARRAY_COLUMNS.map(([column]) => column).join(', ')})
      RETURNING 1),
    linked AS (
      SELECT audit_link_batch(${account}, ${ids}, ${contents}, ${lengths}, ${receivedAt}) AS seq
        FROM (SELECT count(*) FROM stored) AS s, audit_require_routing_version(${account}, ${routingVersion}) AS v),
    delivered AS (
      INSERT INTO deliveries (account_id, event_id, target_id, route_id, reason)
      SELECT ${account}, * FROM unnest(${deliveryEvents}, ${deliveryTargets}, ${deliveryRoutes}, ${deliveryReasons})
      WHERE EXISTS (SELECT FROM linked)),
    dropped AS (
      INSERT INTO routing_drop_batches (account_id, seq, at, locations, actions, counts)
      SELECT ${account}, seq, now(), ${dropLocations}, ${dropActions}, ${dropCounts} FROM linked WHERE cardinality(${dropCounts}) > 0),
    pending AS (
      INSERT INTO rollup_pending_hours (account_id, hour)
      SELECT ${account}, hour FROM unnest(${hours}) AS t(hour) WHERE EXISTS (SELECT FROM linked)
      ON CONFLICT DO NOTHING),
    ${rollups.join(',\n    ')}
  SELECT seq, pg_notify('${EVENTS_CHANNEL}', ${account} || ':' || seq) FROM linked`;
}

const RECORD_SQL = recordSql();

/**
 * Folds the writer shards of a rollup's buckets before `$1` into shard 0, at most `$2` rows
 * per statement, so that reads sum one row per key. (Ingest writes shard 0 only; shards are
 * rows of databases written before it counted under the chain lock.)
 * Rows a writer holds are skipped (SKIP LOCKED) and folded in a later round; shard-0 rows
 * are taken in the order ingest takes them, so compaction and ingest cannot deadlock. One
 * statement: a reader sees the counts before it or after it, never half of it.
 */
function compactSql(rollup: Rollup): string {
  const key = ['account_id', 'bucket', ...rollup.dims.map((d) => DIMENSION_COLUMN[d])];
  const keyList = key.join(', ');
  return `WITH picked AS (
      SELECT ${keyList}, shard FROM ${rollup.table} WHERE shard <> 0 AND bucket < $1 LIMIT $2 FOR UPDATE SKIP LOCKED),
    moved AS (
      DELETE FROM ${rollup.table} c USING picked p WHERE ${[...key, 'shard'].map((k) => `c.${k} = p.${k}`).join(' AND ')}
      RETURNING ${key.map((k) => `c.${k}`).join(', ')}, c.count),
    merged AS (
      INSERT INTO ${rollup.table} AS c (${keyList}, shard, count)
      SELECT ${keyList}, 0, sum(count) FROM moved GROUP BY ${keyList} ORDER BY ${keyList}
      ON CONFLICT (${keyList}, shard) DO UPDATE SET count = c.count + EXCLUDED.count)
    SELECT count(*)::int AS n FROM moved`;
}

const COMPACT_SQL = new Map(ROLLUPS.map((rollup) => [rollup, compactSql(rollup)]));

/**
 * Recomputes hours `$2` of account `$1` of a per-hour rollup from its per-minute rollup
 * (every shard of the minute rows; the hour rows, all shards, are deleted first).
 */
function foldSql(hourly: Rollup): string {
  const dims = hourly.dims.map((d) => DIMENSION_COLUMN[d]);
  const keys = ['h.hour', ...dims.map((d) => `m.${d}`)].join(', ');
  return `INSERT INTO ${hourly.table} (account_id, bucket, ${dims.join(', ')}, shard, count)
    SELECT $1, ${keys}, 0, sum(m.count) FROM unnest($2::timestamptz[]) AS h(hour)
      JOIN ${minuteSourceOf(hourly).table} m ON m.account_id = $1 AND m.bucket >= h.hour AND m.bucket < h.hour + interval '1 hour'
     GROUP BY ${keys} ORDER BY ${keys}`;
}

const FOLD_SQL = new Map(HOURLY_ROLLUPS.map((hourly) => [hourly, foldSql(hourly)]));

/** Fields of the GraphQL Event type and the columns each needs. */
export const FIELD_COLUMNS: Record<string, string[]> = {
  id: ['id'],
  eventTime: ['event_time'],
  receivedAt: ['received_at'],
  action: ['action_id', 'action', 'template_value'],
  actionName: ['action'],
  templateValue: ['template_value'],
  service: ['action_id', 'service_prefix'],
  objectType: ['object_type'],
  verb: ['verb'],
  correlationId: ['correlation_id'],
  dataEvent: ['data_event'],
  initiator: ['initiator_id', 'initiator_name', 'initiator_authn_id', 'initiator_authn_name', 'initiator_type_uri', 'credential_type', 'host_address', 'address_type', 'agent'],
  target: ['target_id', 'target_name', 'target_alias', 'target_type_uri', 'target_resource_group_id', 'target_host_address'],
  observer: ['observer_name'],
  outcome: ['outcome'],
  reason: ['reason_code', 'reason_type', 'reason_for_failure'],
  severity: ['severity'],
  location: ['location'],
  message: ['message'],
  requestData: ['request_data'],
  responseData: ['response_data'],
  logSourceCRN: ['log_source_crn'],
  saveServiceCopy: ['save_service_copy'],
};

/** For nested fields: the columns of each sub-field, by its GraphQL name (a query rarely wants all of them). */
export const SUBFIELD_COLUMNS: Record<string, Record<string, string[]>> = {
  initiator: {
    iamId: ['initiator_id'],
    name: ['initiator_name'],
    authnId: ['initiator_authn_id'],
    authnName: ['initiator_authn_name'],
    typeURI: ['initiator_type_uri'],
    credential: ['credential_type'],
    host: ['host_address', 'address_type', 'agent'],
  },
  target: {
    crn: ['target_id'],
    name: ['target_name'],
    alias: ['target_alias'],
    typeURI: ['target_type_uri'],
    resourceGroupId: ['target_resource_group_id'],
    host: ['target_host_address'],
  },
  reason: { reasonCode: ['reason_code'], reasonType: ['reason_type'], reasonForFailure: ['reason_for_failure'] },
};

export const ALL_COLUMNS = [...new Set(['account_id', 'action_id', ...Object.values(FIELD_COLUMNS).flat()])];

/**
 * Builds a (possibly partial) record from a row; only the selected columns are read. The
 * nested parts (initiator, target, reason, observer) are built only when a column of theirs
 * was selected: a page of 500 events rarely asks for all of them.
 */
export function rowToRecord(r: Record<string, any>): EventRecord {
  return {
    accountId: r.account_id,
    id: r.id,
    eventTime: r.event_time_ms !== undefined ? new Date(Math.round(r.event_time_ms)) : r.event_time,
    receivedAt: r.received_at_ms !== undefined ? new Date(Math.round(r.received_at_ms)) : r.received_at,
    actionId: r.action_id,
    action: r.action,
    actionName: r.action,
    templateValue: r.template_value ?? null,
    servicePrefix: r.service_prefix,
    objectType: r.object_type,
    verb: r.verb,
    correlationId: r.correlation_id ?? null,
    dataEvent: r.data_event,
    initiator: selected(r, INITIATOR_COLUMNS) ? initiatorOf(r) : (undefined as never),
    target: selected(r, TARGET_COLUMNS) ? targetOf(r) : (undefined as never),
    observer: r.observer_name !== undefined ? { name: r.observer_name } : (undefined as never),
    outcome: r.outcome,
    reason: selected(r, REASON_COLUMNS) ? { reasonCode: r.reason_code ?? null, reasonType: r.reason_type ?? null, reasonForFailure: r.reason_for_failure ?? null } : (undefined as never),
    severity: r.severity,
    location: r.location,
    message: r.message,
    requestData: r.request_data ?? null,
    responseData: r.response_data ?? null,
    logSourceCRN: r.log_source_crn ?? null,
    saveServiceCopy: r.save_service_copy,
  };
}

const INITIATOR_COLUMNS = FIELD_COLUMNS.initiator!;
const TARGET_COLUMNS = FIELD_COLUMNS.target!;
const REASON_COLUMNS = FIELD_COLUMNS.reason!;

function selected(r: Record<string, any>, columns: string[]): boolean {
  for (const c of columns) if (r[c] !== undefined) return true;
  return false;
}

function initiatorOf(r: Record<string, any>): EventRecord['initiator'] {
  return {
    id: r.initiator_id ?? null,
    name: r.initiator_name ?? null,
    authnId: r.initiator_authn_id ?? null,
    authnName: r.initiator_authn_name ?? null,
    typeURI: r.initiator_type_uri ?? null,
    credential: { type: r.credential_type ?? null },
    host: { address: r.host_address ?? null, addressType: r.address_type ?? null, agent: r.agent ?? null },
  };
}

function targetOf(r: Record<string, any>): EventRecord['target'] {
  return {
    id: r.target_id ?? null,
    name: r.target_name ?? null,
    alias: r.target_alias ?? null,
    typeURI: r.target_type_uri ?? null,
    resourceGroupId: r.target_resource_group_id ?? null,
    host: { address: r.target_host_address ?? null },
  };
}

/**
 * The select list for `columns`. Times come as epoch milliseconds: turning a number into a
 * Date costs far less than parsing PostgreSQL's text timestamps on every row. As float8
 * (date_part), which costs PostgreSQL a quarter of numeric's extract(); the times are whole
 * milliseconds, so rowToRecord rounds away the float's last digit.
 */
export function selectList(columns: string[]): string {
  return columns
    .map((c) => (c === 'event_time' || c === 'received_at' ? `date_part('epoch', e.${c}) * 1000 AS ${c}_ms` : `e.${c}`))
    .join(', ');
}

export interface KeysetCursor {
  eventTime: Date;
  id: string;
}

export interface PageQuery {
  where: string;
  params: SqlParams;
  /** Newest first (the default) or oldest first. */
  newestFirst: boolean;
  /** Rows strictly beyond this cursor in the direction of reading. */
  after: KeysetCursor | null;
  /** Read backwards from the end (Relay `last`/`before`). */
  backwards: boolean;
  limit: number;
  columns: string[];
}

/**
 * Locks an account's chain head for the rest of the transaction (creating it at the first
 * event) and returns it. Whatever extends a chain takes this lock first.
 */
export async function lockChain(client: pg.PoolClient, accountId: string): Promise<{ seq: number; head: Buffer }> {
  const { rows } = await client.query(
    `INSERT INTO event_chains AS c (account_id, head) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET account_id = c.account_id RETURNING seq, head`,
    [accountId, Buffer.alloc(32)],
  );
  return { seq: Number(rows[0].seq), head: rows[0].head as Buffer };
}

/**
 * Names for the statements of a few query shapes, so that each connection parses a shape
 * once, and plans it once where PostgreSQL keeps a generic plan (a stats statement of a week
 * of hours took it 0.5-0.9 ms to plan; a page query 60-100 µs, more than it took to run).
 * The first `max` distinct texts get a name; later ones run unnamed, so a stream of new
 * shapes cannot grow the statements every connection keeps.
 */
function statementNames(prefix: string, max: number) {
  const names = new Map<string, string>();
  return {
    nameOf(text: string): string | undefined {
      let name = names.get(text);
      if (name === undefined && names.size < max) names.set(text, (name = `${prefix}-${names.size + 1}`));
      return name;
    },
  };
}

/**
 * `prepared`: the ingest statement, the page queries and the stats statements are named
 * (prepared) statements, which each connection parses and plans once. Not on PGlite: over its socket, a
 * first execution that fails (an id stored meanwhile) comes back without the statement's
 * ParseComplete, so `pg` would prepare the name again on that connection and fail (42P05).
 */
export function createEventsStore(pool: pg.Pool, { prepared = true }: { prepared?: boolean } = {}) {
  const statsStatements = statementNames('stats', 64);
  const pageStatements = statementNames('page', 128);
  return {
    pool,

    /**
     * Stores a batch of new events of one account (RECORD_SQL): the events, their links,
     * counts and routing. `events` in chain order, with their canonical contents (UTF-8, one
     * after the other, and each one's size) and content hashes (hex); a batch's events share
     * their receipt time. Returns the chain position of the last. Fails on an id stored
     * already (unique violation of events_pkey), or with SQLSTATE STALE_ROUTING when
     * `routing` was decided at an old routing version.
     */
    async record(accountId: string, events: EventRecord[], contents: { bytes: Buffer; lengths: number[] }, contentHashes: string[], routing: BatchRouting): Promise<number> {
      const order = events.map((_, i) => i).sort((a, b) => (events[a]!.id < events[b]!.id ? -1 : events[a]!.id > events[b]!.id ? 1 : 0));
      const binary = binaryArrays(
        order.length,
        BINARY_COLUMNS.map(([, , kind, value]) => ({ kind: kind as BinaryKind, value: (row: number) => value(events[order[row]!]!, contentHashes[order[row]!]!) })),
      );
      let next = 0;
      const values: unknown[] = ARRAY_COLUMNS.map(([, , kind, value]) => (kind === 'enum' ? arrayLiteral(order.map((i) => value(events[i]!, '') as string | null)) : binary[next++]));
      const { deliveries, drops } = routing;
      values.push(
        accountId,
        binaryArray('text', events.map((e) => e.id)),
        // In UTF-8, as one binary parameter (pg sends a Buffer as bytes), sliced in PostgreSQL.
        contents.bytes,
        binaryArray('int', contents.lengths),
        events[0]!.receivedAt.toISOString(),
        routing.version,
        arrayLiteral(deliveries.map((d) => d.eventId)),
        arrayLiteral(deliveries.map((d) => d.targetId)),
        arrayLiteral(deliveries.map((d) => d.routeId)),
        arrayLiteral(deliveries.map((d) => d.reason)),
        binaryArray('text', drops.map((d) => d.location)),
        binaryArray('text', drops.map((d) => d.action)),
        binaryArray('bigint', drops.map((d) => d.count)),
        binaryArray('time', hoursOf(events)),
      );
      for (const rollup of INGEST_ROLLUPS) {
        const added = rollupAdditions(rollup, events);
        values.push(binaryArray('time', added.buckets), ...added.dims.map((values, d) => dimensionArray(rollup.dims[d]!, values)), binaryArray('bigint', added.counts));
      }
      // Parsing and planning its ten steps cost PostgreSQL about 3 µs per event of a batch of 500.
      const { rows } = await pool.query({ name: prepared ? 'record-events' : undefined, text: RECORD_SQL, values });
      return Number(rows[0].seq);
    },

    async headSequence(accountId: string): Promise<number> {
      const { rows } = await pool.query('SELECT seq FROM event_chains WHERE account_id = $1', [accountId]);
      return rows[0] ? Number(rows[0].seq) : 0;
    },

    /**
     * Matching events past `afterSeq` up to the head read first: every event at or below a
     * head that is visible is committed (positions are handed out under a lock held to
     * commit), so nothing between is skipped.
     */
    async tail(accountId: string, condition: { where: string; params: unknown[] }, afterSeq: number, limit: number): Promise<{ head: number; events: Array<{ seq: number; event: EventRecord }> }> {
      const head = await this.headSequence(accountId);
      if (head <= afterSeq) return { head, events: [] };
      const n = condition.params.length;
      const { rows } = await pool.query(
        `SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')}, l.seq FROM event_links l
           JOIN events e ON e.account_id = l.account_id AND e.id = l.event_id
          WHERE l.account_id = $${n + 4} AND l.seq > $${n + 1} AND l.seq <= $${n + 2} AND ${condition.where}
          ORDER BY l.seq LIMIT $${n + 3}`,
        [...condition.params, afterSeq, head, limit, accountId],
      );
      return { head, events: rows.map((r) => ({ seq: Number(r.seq), event: rowToRecord(r) })) };
    },

    /** Stored events with these ids, with their content hash. */
    async findWithHashes(accountId: string, ids: string[]): Promise<Map<string, { record: EventRecord; hash: Buffer }>> {
      const { rows } = await pool.query(`SELECT ${ALL_COLUMNS.join(', ')}, content_hash FROM events WHERE account_id = $1 AND id = ANY($2::text[])`, [accountId, ids]);
      return new Map(rows.map((r) => [r.id as string, { record: rowToRecord(r), hash: r.content_hash as Buffer }]));
    },

    async page(q: PageQuery): Promise<EventRecord[]> {
      // Reading backwards flips the order; the caller restores it.
      const descending = q.newestFirst !== q.backwards;
      const conditions = [q.where];
      if (q.after) {
        const t = q.params.add(q.after.eventTime);
        const id = q.params.add(q.after.id);
        conditions.push(`(e.event_time, e.id) ${descending ? '<' : '>'} (${t}, ${id})`);
      }
      const dir = descending ? 'DESC' : 'ASC';
      const text = `SELECT ${selectList(q.columns)} FROM events e WHERE ${conditions.join(' AND ')}
               ORDER BY e.event_time ${dir}, e.id ${dir} LIMIT ${q.params.add(q.limit, '::int')}`;
      const { rows } = await pool.query({ name: prepared ? pageStatements.nameOf(text) : undefined, text, values: q.params.values });
      return rows.map(rowToRecord);
    },

    async get(accountId: string, id: string, columns: string[]): Promise<EventRecord | null> {
      const { rows } = await pool.query(`SELECT ${selectList(columns)} FROM events e WHERE e.account_id = $1 AND e.id = $2`, [accountId, id]);
      return rows[0] ? rowToRecord(rows[0]) : null;
    },

    /** Exact count up to `cap`; null beyond it. */
    async countUpTo(where: string, params: SqlParams, cap: number): Promise<number | null> {
      const { rows } = await pool.query({
        text: `SELECT count(*)::int AS n FROM (SELECT 1 FROM events e WHERE ${where} LIMIT ${params.add(cap + 1, '::int')}) x`,
        values: params.values,
      });
      const n = rows[0].n as number;
      return n > cap ? null : n;
    },

    /** The planner's estimate of the matching rows. */
    async estimate(where: string, params: SqlParams): Promise<number> {
      const { rows } = await pool.query({ text: `EXPLAIN (FORMAT JSON) SELECT 1 FROM events e WHERE ${where}`, values: params.values });
      const plan = rows[0]['QUERY PLAN'];
      return Math.round((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan['Plan Rows']);
    },

    /** Folds shards of `rollup`'s buckets before `before` into shard 0; returns the rows folded. */
    async compactRollup(rollup: Rollup, before: Date, limit: number): Promise<number> {
      const { rows } = await pool.query(COMPACT_SQL.get(rollup)!, [before, limit]);
      return rows[0].n as number;
    },

    /** Accounts with pending hours (rollups.ts) before `before`. */
    async accountsWithPendingHours(before: Date): Promise<string[]> {
      const { rows } = await pool.query('SELECT DISTINCT account_id FROM rollup_pending_hours WHERE hour < $1', [before]);
      return rows.map((r) => r.account_id as string);
    },

    /**
     * Folds up to `limit` of the account's pending hours before `before`, oldest first: each
     * per-hour rollup's rows of those hours are recomputed from its per-minute rollup, and the
     * hours taken off the list, in one transaction. Returns how many it folded. Under the
     * chain lock, which ingest holds while it adds to the per-minute rollups and lists its
     * hours: every batch is counted here whole or lists its hours again after this commits.
     */
    async foldHours(accountId: string, before: Date, limit: number): Promise<number> {
      return inTransaction(pool, async (client) => {
        await lockChain(client, accountId);
        const { rows } = await client.query(
          `DELETE FROM rollup_pending_hours WHERE account_id = $1
              AND hour IN (SELECT hour FROM rollup_pending_hours WHERE account_id = $1 AND hour < $2 ORDER BY hour LIMIT $3)
           RETURNING hour`,
          [accountId, before, limit],
        );
        const hours = rows.map((r) => r.hour as Date);
        for (const hourly of hours.length ? HOURLY_ROLLUPS : []) {
          await client.query(`DELETE FROM ${hourly.table} WHERE account_id = $1 AND bucket = ANY($2::timestamptz[])`, [accountId, hours]);
          await client.query(FOLD_SQL.get(hourly)!, [accountId, hours]);
        }
        return hours.length;
      });
    },

    /** Runs a statement the stats planner built. */
    async statsQuery(text: string, params: SqlParams): Promise<Array<Record<string, any>>> {
      return (await pool.query({ name: prepared ? statsStatements.nameOf(text) : undefined, text, values: params.values })).rows;
    },

    /** Streams matching events in time order with constant memory. */
    async stream(where: string, params: SqlParams, onRow: (record: EventRecord) => Promise<void> | void): Promise<number> {
      const client = await pool.connect();
      let count = 0;
      try {
        const stream = client.query(new QueryStream(`SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')} FROM events e WHERE ${where} ORDER BY e.event_time, e.id`, params.values, { batchSize: 500 }));
        for await (const row of stream) {
          await onRow(rowToRecord(row as Record<string, unknown>));
          count++;
        }
        return count;
      } finally {
        client.release();
      }
    },
  };
}

export type EventsStore = ReturnType<typeof createEventsStore>;
