// SQL for events, through the gateway's `pg` pool: the ingest batch, keyset pages, counts,
// stats and streaming. Prisma cannot express these efficiently (bulk insert from arrays,
// row-value keyset conditions, rollup upserts, cursors), so they are written by hand, with
// bound parameters only.
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import type { EventRecord } from './event.model.js';
import { DIMENSION_COLUMN, ROLLUPS, rollupAdditions, type Rollup, type RollupDimension } from './rollups.js';
import { SqlParams } from './event-filter.js';

/** A new event's place in its account's chain (see the event_links table). */
export interface NewEventLink {
  seq: number;
  eventId: string;
  /** The link, in hex. */
  hash: string;
}

/** The channel a committed batch is announced on (live tail in every gateway process). */
export const EVENTS_CHANNEL = 'audit_events_recorded';

/**
 * The columns of `events`, in insert order, with their array cast for unnest() and each
 * value's text form (null: SQL NULL). Ingest sends every column as one array literal built
 * here: `pg` would build the same literal from JavaScript values, but generically (two
 * regular-expression replacements per element, dates in local time), which took about 7 µs
 * of CPU per event.
 */
const INSERT_COLUMNS: Array<[column: string, cast: string, text: (e: EventRecord, contentHash: string) => string | null]> = [
  ['account_id', 'text[]', (e) => e.accountId],
  ['id', 'text[]', (e) => e.id],
  ['event_time', 'timestamptz[]', (e) => e.eventTime.toISOString()],
  ['received_at', 'timestamptz[]', (e) => e.receivedAt.toISOString()],
  ['action_id', 'int[]', (e) => String(e.actionId)],
  ['action', 'text[]', (e) => e.action],
  ['template_value', 'text[]', (e) => e.templateValue],
  ['service_prefix', 'text[]', (e) => e.servicePrefix],
  ['object_type', 'text[]', (e) => e.objectType],
  ['verb', 'text[]', (e) => e.verb],
  ['correlation_id', 'text[]', (e) => e.correlationId],
  ['data_event', 'bool[]', (e) => (e.dataEvent ? 't' : 'f')],
  ['initiator_id', 'text[]', (e) => e.initiator.id],
  ['initiator_name', 'text[]', (e) => e.initiator.name],
  ['initiator_authn_id', 'text[]', (e) => e.initiator.authnId],
  ['initiator_authn_name', 'text[]', (e) => e.initiator.authnName],
  ['initiator_type_uri', '"InitiatorType"[]', (e) => e.initiator.typeURI],
  ['credential_type', '"CredentialType"[]', (e) => e.initiator.credential.type],
  ['host_address', 'text[]', (e) => e.initiator.host.address],
  ['address_type', '"AddressType"[]', (e) => e.initiator.host.addressType],
  ['agent', 'text[]', (e) => e.initiator.host.agent],
  ['target_id', 'text[]', (e) => e.target.id],
  ['target_name', 'text[]', (e) => e.target.name],
  ['target_alias', 'text[]', (e) => e.target.alias],
  ['target_type_uri', 'text[]', (e) => e.target.typeURI],
  ['target_resource_group_id', 'text[]', (e) => e.target.resourceGroupId],
  ['target_host_address', 'text[]', (e) => e.target.host.address],
  ['observer_name', 'text[]', (e) => e.observer.name],
  ['outcome', '"Outcome"[]', (e) => e.outcome],
  ['reason_code', 'int[]', (e) => (e.reason.reasonCode === null ? null : String(e.reason.reasonCode))],
  ['reason_type', 'text[]', (e) => e.reason.reasonType],
  ['reason_for_failure', 'text[]', (e) => e.reason.reasonForFailure],
  ['severity', '"Severity"[]', (e) => e.severity],
  ['location', 'text[]', (e) => e.location],
  ['message', 'text[]', (e) => e.message],
  ['request_data', 'jsonb[]', (e) => (e.requestData === null ? null : JSON.stringify(e.requestData))],
  ['response_data', 'jsonb[]', (e) => (e.responseData === null ? null : JSON.stringify(e.responseData))],
  ['log_source_crn', 'text[]', (e) => e.logSourceCRN],
  ['save_service_copy', 'bool[]', (e) => (e.saveServiceCopy ? 't' : 'f')],
  // bytea's hex input form.
  ['content_hash', 'bytea[]', (_e, contentHash) => `\\x${contentHash}`],
];

/** The columns of `events` an event is stored in, in the order of eventColumnText. */
export const EVENT_COLUMNS = INSERT_COLUMNS.map(([column]) => column);

/** An event's columns as PostgreSQL reads them from text (null: SQL NULL); the benchmark's raw side inserts these. */
export function eventColumnText(event: EventRecord, contentHash: string): Array<string | null> {
  return INSERT_COLUMNS.map(([, , text]) => text(event, contentHash));
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

const COPY_SPECIALS = /[\\\t\n\r]/;
const COPY_SPECIALS_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Columns whose text form never holds a character COPY escapes: times, numbers, booleans, enums. */
const PLAIN_TYPES = new Set(['timestamptz[]', 'int[]', 'bool[]', '"InitiatorType"[]', '"CredentialType"[]', '"AddressType"[]', '"Outcome"[]', '"Severity"[]']);

/** Per column of INSERT_COLUMNS: its text in COPY's format (escaped unless its type needs none). */
const COPY_COLUMNS = INSERT_COLUMNS.map(([column, cast, text]): ((e: EventRecord, contentHash: string) => string) => {
  if (column === 'content_hash') return (_e, contentHash) => `\\\\x${contentHash}`;
  if (PLAIN_TYPES.has(cast)) return (e, contentHash) => text(e, contentHash) ?? '\\N';
  return (e, contentHash) => {
    const v = text(e, contentHash);
    return v === null ? '\\N' : COPY_SPECIALS.test(v) ? v.replace(COPY_SPECIALS_ALL, (c) => COPY_ESCAPES[c]!) : v;
  };
});

/**
 * Rows in COPY's text format: a line per event, its columns' text forms separated by tabs,
 * with backslash, tab, newline and carriage return escaped; \N is null.
 */
function copyText(events: EventRecord[], contentHashes: string[], order: number[]): string {
  let out = '';
  for (const i of order) {
    const event = events[i]!;
    const hash = contentHashes[i]!;
    out += COPY_COLUMNS[0]!(event, hash);
    for (let j = 1; j < COPY_COLUMNS.length; j++) out += `\t${COPY_COLUMNS[j]!(event, hash)}`;
    out += '\n';
  }
  return out;
}

/** Stores new events by COPY; fails on an id stored already (or by a concurrent batch that commits). */
const COPY_SQL = `COPY events (${EVENT_COLUMNS.join(', ')}) FROM STDIN`;

/** Stores new events; fails on an id stored already (or by a concurrent batch that commits). */
const INSERT_SQL = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
    SELECT * FROM unnest(${INSERT_COLUMNS.map(([, cast], i) => `$${i + 1}::${cast}`).join(', ')})`;

/** Stores new events and returns their ids; an id stored already is skipped. */
const INSERT_SKIPPING_SQL = `${INSERT_SQL}
    ON CONFLICT (account_id, id) DO NOTHING
    RETURNING id`;

/** The array cast of each rollup dimension's column. */
const DIMENSION_CAST: Record<RollupDimension, string> = {
  service: 'text[]',
  outcome: '"Outcome"[]',
  severity: '"Severity"[]',
  location: 'text[]',
  dataEvent: 'bool[]',
};

/** Parameters of LINK_SQL before the rollups' columns. */
const LINK_PARAMS = 6;

/**
 * One statement puts a batch in its account's chain, under the chain lock: the links, the
 * head, the batch's counts added to every rollup, and the announcement to the live tails
 * (delivered at commit). The rollups are written here because the chain lock orders the
 * account's batches: a key's row takes no lock wait and needs no writer shards (every key
 * includes the account). Rows are added in key order, the order compaction takes them in.
 */
function linkSql(): string {
  let n = LINK_PARAMS;
  const rollups = ROLLUPS.map((rollup, i) => {
    const dims = rollup.dims.map((d) => DIMENSION_COLUMN[d]);
    const key = ['account_id', 'bucket', ...dims].join(', ');
    const arrays = [`$${++n}::timestamptz[]`, ...rollup.dims.map((d) => `$${++n}::${DIMENSION_CAST[d]}`), `$${++n}::bigint[]`];
    const names = ['bucket', ...dims, 'count'];
    return `r${i} AS (
      INSERT INTO ${rollup.table} AS c (${key}, shard, count)
      SELECT $1::text, ${['bucket', ...dims].join(', ')}, 0, count FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})
      ORDER BY ${['bucket', ...dims].join(', ')}
      ON CONFLICT (${key}, shard) DO UPDATE SET count = c.count + EXCLUDED.count)`;
  });
  return `WITH linked AS (
      INSERT INTO event_links (account_id, seq, event_id, hash)
      SELECT $1::text, * FROM unnest($2::bigint[], $3::text[], $4::bytea[])),
    head AS (UPDATE event_chains SET seq = $5::bigint, head = $6::bytea, updated_at = now() WHERE account_id = $1::text),
    ${rollups.join(',\n    ')}
  SELECT pg_notify('${EVENTS_CHANNEL}', $1::text || ':' || $5::bigint)`;
}

const LINK_SQL = linkSql();

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

/** For nested fields: the columns of each sub-field (a query rarely wants all of them). */
export const SUBFIELD_COLUMNS: Record<string, Record<string, string[]>> = {
  initiator: {
    id: ['initiator_id'],
    name: ['initiator_name'],
    authnId: ['initiator_authn_id'],
    authnName: ['initiator_authn_name'],
    typeURI: ['initiator_type_uri'],
    credential: ['credential_type'],
    host: ['host_address', 'address_type', 'agent'],
  },
  target: {
    id: ['target_id'],
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
    eventTime: r.event_time_ms !== undefined ? new Date(r.event_time_ms) : r.event_time,
    receivedAt: r.received_at_ms !== undefined ? new Date(r.received_at_ms) : r.received_at,
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
 * Date costs far less than parsing PostgreSQL's text timestamps on every row.
 */
function selectList(columns: string[]): string {
  return columns
    .map((c) => (c === 'event_time' || c === 'received_at' ? `(extract(epoch from e.${c}) * 1000)::float8 AS ${c}_ms` : `e.${c}`))
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

export interface EventsStoreOptions {
  /**
   * New events go by COPY, which costs PostgreSQL less per row than an INSERT, where the
   * server takes COPY FROM STDIN (PGlite does not; there they go by INSERT).
   */
  copy: boolean;
}

export function createEventsStore(pool: pg.Pool, options: EventsStoreOptions) {
  return {
    pool,

    /** Runs `fn` in a transaction on one connection. */
    async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * Locks the account's chain head for the rest of the transaction (creating it at the
     * first event) and returns it: every batch of the account takes its positions in turn.
     */
    async lockChain(client: pg.PoolClient, accountId: string): Promise<{ seq: number; head: Buffer }> {
      return lockChain(client, accountId);
    },

    /**
     * Stores new events of one account, before the chain lock (concurrent batches do it at
     * the same time). Rows go in id order, so two batches sharing ids wait for each other in
     * one order and never deadlock. Returns the ids stored. An id stored before, or by a
     * concurrent batch that committed, fails the statement (unique violation of events_pkey),
     * or with `skipStored` is skipped.
     */
    async insert(client: pg.PoolClient, events: EventRecord[], contentHashes: string[], skipStored: boolean): Promise<Set<string>> {
      const order = events.map((_, i) => i).sort((a, b) => (events[a]!.id < events[b]!.id ? -1 : events[a]!.id > events[b]!.id ? 1 : 0));
      if (!skipStored && options.copy) {
        const copy = client.query(copyFrom(COPY_SQL));
        copy.end(copyText(events, contentHashes, order));
        await finished(copy);
        return new Set(events.map((e) => e.id));
      }
      const params = INSERT_COLUMNS.map(([, , text]) => arrayLiteral(order.map((i) => text(events[i]!, contentHashes[i]!))));
      if (!skipStored) {
        await client.query({ text: INSERT_SQL, values: params });
        return new Set(events.map((e) => e.id));
      }
      const { rows } = await client.query<{ id: string }>({ text: INSERT_SKIPPING_SQL, values: params });
      return new Set(rows.map((r) => r.id));
    },

    /**
     * Under the chain lock: links the events stored now (`links`, in order) into the
     * account's chain, moves its head and counts the events in the rollups.
     */
    async linkAndCount(client: pg.PoolClient, accountId: string, links: NewEventLink[], stored: EventRecord[]): Promise<void> {
      const last = links.at(-1)!;
      const values: unknown[] = [
        accountId,
        arrayLiteral(links.map((l) => String(l.seq))),
        arrayLiteral(links.map((l) => l.eventId)),
        arrayLiteral(links.map((l) => `\\x${l.hash}`)),
        last.seq,
        Buffer.from(last.hash, 'hex'),
      ];
      for (const rollup of ROLLUPS) {
        const added = rollupAdditions(rollup, stored);
        values.push(arrayLiteral(added.buckets), ...added.dims.map(arrayLiteral), arrayLiteral(added.counts));
      }
      await client.query({ text: LINK_SQL, values });
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
    async findWithHashes(client: pg.PoolClient | pg.Pool, accountId: string, ids: string[]): Promise<Map<string, { record: EventRecord; hash: Buffer }>> {
      const { rows } = await client.query(`SELECT ${ALL_COLUMNS.join(', ')}, content_hash FROM events WHERE account_id = $1 AND id = ANY($2::text[])`, [accountId, ids]);
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
      const { rows } = await pool.query({
        text: `SELECT ${selectList(q.columns)} FROM events e WHERE ${conditions.join(' AND ')}
               ORDER BY e.event_time ${dir}, e.id ${dir} LIMIT ${q.params.add(q.limit, '::int')}`,
        values: q.params.values,
      });
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

    /** Runs a statement the stats planner built. */
    async statsQuery(text: string, params: SqlParams): Promise<Array<Record<string, any>>> {
      return (await pool.query({ text, values: params.values })).rows;
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
