// The events domain: recording events (checked against the catalog, idempotent, all or
// nothing per batch) and reading them (filters, keyset pages, counts, stats, streams).
import type { CatalogManager } from '../catalog/catalog.manager.js';
import { HINTED_ISSUES, type CatalogSnapshot } from '../catalog/catalog.cache.js';
import { GLOBAL_LOCATION } from '../catalog/locations.data.js';
import { MAX_NAME_LENGTH } from '../catalog/naming.js';
import { classifyDatabaseError } from '../errors/database-errors.js';
import { ConflictError, IssueList, UserInputError } from '../errors/errors.js';
import { UNPAIRED_SURROGATE } from '../errors/unicode.js';
import type { Logger } from '../logging/logger.js';
import { hash } from 'node:crypto';
import { canonicalEvent, contentsWriter } from './canonical.js';
import { Outcome } from './event.enums.js';
import { checkFilter, filterSql, SqlParams, type CheckedFilter, type EventFilter } from './event-filter.js';
import { uuidv7 } from './event-id.js';
import type { EventInput, EventRecord, JsonValue } from './event.model.js';
import { STALE_ROUTING, type BatchRouting, type EventsStore, type KeysetCursor } from './events.store.js';
import { defaultSeverity } from './severity.js';
import { HOUR_MS, ROLLUPS } from './rollups.js';
import { inChunks } from '../database/chunks.js';
import { assembleStats, buildStatsSql, MAX_TOP, type StatsDimension, type StatsInterval, type StatsResult } from './stats.js';

export const MAX_BATCH = 1000;
export const MAX_PAGE = 500;
export const MAX_JSON_BYTES = 64 * 1024;
/** Events a batch checks between two turns of the event loop. */
const YIELD_EVERY = 100;
/**
 * Times a batch is written before giving up: each retry follows a concurrent change (ids
 * stored meanwhile, which are then sorted out; the routing changed, which is read again).
 */
const MAX_WRITES = 4;
/** Rollup rows folded per statement (see compactRollups). */
const COMPACT_CHUNK = 5000;
/** Pending hours folded per transaction (see foldHourRollups): the chain lock is held meanwhile. */
const FOLD_CHUNK = 24;
export const MAX_FUTURE_MS = 5 * 60_000;
const EARLIEST = Date.UTC(1990, 0, 1);

/** How deep request and response data may nest (PostgreSQL and the hashing recurse). */
export const MAX_JSON_DEPTH = 32;

/** Text jsonb refuses. (Requests over HTTP are checked before, see errors/unicode.ts; the audit trail and the generator come here directly.) */
function jsonStringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (!text.isWellFormed()) return UNPAIRED_SURROGATE;
  return null;
}

/** Why a JSON value cannot be stored (too deep, a NUL or unpaired surrogate that jsonb refuses), or null. */
function jsonProblem(root: unknown): string | null {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = jsonStringProblem(value);
      if (problem) return problem;
    } else if (value && typeof value === 'object') {
      if (depth > MAX_JSON_DEPTH) return `must not nest more than ${MAX_JSON_DEPTH} levels deep`;
      for (const [k, v] of Object.entries(value)) {
        const problem = jsonStringProblem(k);
        if (problem) return problem;
        stack.push([v, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * Every string field of an event: its path, its bound (characters) and how to read it.
 * Written out one accessor per field: ingest reads every field of every event, and one
 * accessor shared by all paths (`input[a]?.[b]`) made each read a generic lookup.
 */
const MAX_LOCATION_LENGTH = 64;

/** eventStats without `from`: the last day of minutes, the last week of hours or days (as events). */
const STATS_DEFAULT_RANGE_MS: Record<StatsInterval, number> = { MINUTE: 24 * 3600 * 1000, HOUR: 7 * 24 * 3600 * 1000, DAY: 7 * 24 * 3600 * 1000 };

const BOUNDED_FIELDS: Array<{ path: string; max: number; get: (input: any) => unknown }> = [
  { path: 'id', max: 128, get: (i) => i.id },
  { path: 'correlationId', max: 128, get: (i) => i.correlationId },
  { path: 'initiator.id', max: 256, get: (i) => i.initiator?.id },
  { path: 'initiator.name', max: 256, get: (i) => i.initiator?.name },
  { path: 'initiator.authnId', max: 256, get: (i) => i.initiator?.authnId },
  { path: 'initiator.authnName', max: 256, get: (i) => i.initiator?.authnName },
  { path: 'initiator.host.address', max: 256, get: (i) => i.initiator?.host?.address },
  { path: 'initiator.host.agent', max: 1024, get: (i) => i.initiator?.host?.agent },
  { path: 'target.id', max: 512, get: (i) => i.target?.id },
  { path: 'target.name', max: 256, get: (i) => i.target?.name },
  { path: 'target.alias', max: 256, get: (i) => i.target?.alias },
  { path: 'target.typeURI', max: 256, get: (i) => i.target?.typeURI },
  { path: 'target.resourceGroupId', max: 256, get: (i) => i.target?.resourceGroupId },
  { path: 'target.host.address', max: 256, get: (i) => i.target?.host?.address },
  { path: 'observer.name', max: 128, get: (i) => i.observer?.name },
  { path: 'reason.reasonType', max: 256, get: (i) => i.reason?.reasonType },
  { path: 'reason.reasonForFailure', max: 2048, get: (i) => i.reason?.reasonForFailure },
  { path: 'message', max: 4096, get: (i) => i.message },
  { path: 'logSourceCRN', max: 512, get: (i) => i.logSourceCRN },
];

/** The default message of each catalog action (made once per snapshot's action). */
const DEFAULT_MESSAGES = new WeakMap<object, string>();

/** `<service name>: <action description>` (the name given when the action has no description). */
function defaultMessage(action: { description: string | null; service: { displayName: string } }, name: string): string {
  let message = DEFAULT_MESSAGES.get(action);
  if (message === undefined) {
    const described = action.description?.replace(/\.\s*$/, '');
    if (!described) return `${action.service.displayName}: ${name}`;
    DEFAULT_MESSAGES.set(action, (message = `${action.service.displayName}: ${described}`));
  }
  return message;
}

/** Control characters but tab, line feed and carriage return. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface EventWarning {
  index: number;
  field: string;
  message: string;
}

export interface RecordResult {
  events: EventRecord[];
  /** Per input: true when stored now, false when it was already stored (a retry). */
  created: boolean[];
  warnings: EventWarning[];
}

export type { BatchRouting } from './events.store.js';

/**
 * Decides how the events about to be stored are routed (the routing module registers it):
 * at the routing version it last read for the account, or with `fresh` at the current one.
 * Returns the decisions and what to do once they are committed.
 */
export type Router = (accountId: string, events: EventRecord[], snapshot: CatalogSnapshot, fresh: boolean) => Promise<{ routing: BatchRouting; afterCommit?: () => void }>;

export interface EventsManagerDeps {
  store: EventsStore;
  catalog: CatalogManager;
  log: Logger;
  /** Exact totalCount up to this many events, an estimate beyond. */
  countCap?: number;
}

export interface PageArgs {
  filter?: EventFilter | null;
  newestFirst: boolean;
  first?: number | null;
  after?: KeysetCursor | null;
  last?: number | null;
  before?: KeysetCursor | null;
  columns: string[];
}

export interface EventPage {
  events: EventRecord[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  filter: CheckedFilter;
}

export function createEventsManager({ store, catalog, log, countCap = 10_000 }: EventsManagerDeps) {
  let router: Router = async () => {
    throw new Error('events are recorded before the routing module registered its router');
  };
  /** Told, after each commit, the account and the position of its last new event. */
  const committed = new Set<(accountId: string, seq: number) => void>();

  /** Checks a bounded string field; its name (`at` + `path`) is made only for a problem. */
  function checkString(issues: IssueList, at: string, path: string, value: string, index: number | undefined, max: number) {
    let problem: string | null = null;
    if (value.length === 0) problem = 'must not be empty (omit it instead)';
    else if (value.length > max) problem = `must be at most ${max} characters`;
    else if (CONTROL_CHARACTERS.test(value)) problem = 'must not contain control characters';
    else if (!value.isWellFormed()) problem = UNPAIRED_SURROGATE;
    if (problem) issues.add(`${at}${path}`, problem, index);
  }

  function jsonValue(issues: IssueList, at: string, name: string, value: unknown, index: number | undefined): JsonValue | null {
    if (value === null || value === undefined) return null;
    const field = `${at}${name}`;
    // Depth first: serialising (here, and for the content hash) recurses.
    const problem = jsonProblem(value);
    if (problem) {
      issues.add(field, problem, index);
      return null;
    }
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > MAX_JSON_BYTES) issues.add(field, `must be at most ${MAX_JSON_BYTES / 1024} KiB as JSON`, index);
    return value as JsonValue;
  }

  /** Checks one input and builds the event to store; problems go to `issues`. */
  function normalise(input: EventInput, index: number | undefined, at: string, accountId: string, snapshot: CatalogSnapshot, now: Date, issues: IssueList, warnings: EventWarning[]): EventRecord | null {
    const before = issues.size;
    for (const field of BOUNDED_FIELDS) {
      const value = field.get(input);
      if (value !== null && value !== undefined) checkString(issues, at, field.path, value as string, index, field.max);
    }
    // Bounded before any lookup: a long name is refused as such, and hints are searched for
    // the first few unknown names of a batch only (each search costs an edit distance per catalog name).
    const resolved = input.action.length > MAX_NAME_LENGTH ? null : snapshot.resolve(input.action);
    if (input.action.length > MAX_NAME_LENGTH) issues.add(`${at}action`, `must be at most ${MAX_NAME_LENGTH} characters (an action name)`, index);
    else if (!resolved) {
      const hints = issues.size < HINTED_ISSUES ? snapshot.closestNames(input.action) : [];
      issues.add(`${at}action`, `unknown action "${input.action}"${hints.length ? `; did you mean ${hints.map((h) => `"${h}"`).join(', ')}?` : ''}`, index, hints);
    }
    const time = input.eventTime instanceof Date ? input.eventTime.getTime() : Number.NaN;
    if (!Number.isFinite(time)) issues.add(`${at}eventTime`, 'is required (an RFC 3339 date-time)', index);
    else if (time > now.getTime() + MAX_FUTURE_MS) issues.add(`${at}eventTime`, 'is more than 5 minutes in the future', index);
    else if (time < EARLIEST) issues.add(`${at}eventTime`, 'is before 1990', index);
    if (!input.initiator?.id) issues.add(`${at}initiator.id`, 'is required (the IBM ID, service ID or profile ID that acted)', index);
    if (!snapshot.locationCodes.has(input.location)) {
      issues.add(`${at}location`, input.location.length > MAX_LOCATION_LENGTH ? `must be at most ${MAX_LOCATION_LENGTH} characters (a location code)` : `unknown location "${input.location}"; use a known code or "${GLOBAL_LOCATION}"`, index);
    } else if (resolved) {
      const declared = resolved.action.service.locations;
      if (declared.size && input.location !== GLOBAL_LOCATION && !declared.has(input.location)) {
        issues.add(`${at}location`, `service "${resolved.action.service.prefix}" generates events only in ${[...declared].sort().join(', ')} (or ${GLOBAL_LOCATION})`, index);
      }
    }
    const code = input.reason?.reasonCode;
    if (code !== null && code !== undefined && (code < 100 || code > 599)) issues.add(`${at}reason.reasonCode`, 'must be an HTTP status code (100 to 599)', index);
    if (resolved && input.target?.typeURI) {
      const problem = typeUriProblem(input.target.typeURI, resolved.action.service.prefix, resolved.objectType);
      if (problem) issues.add(`${at}target.typeURI`, problem, index);
    }
    const requestData = jsonValue(issues, at, 'requestData', input.requestData, index);
    const responseData = jsonValue(issues, at, 'responseData', input.responseData, index);
    if (issues.size > before || !resolved) return null;

    const action = resolved.action;
    if (action.deprecated) warnings.push({ index: index ?? 0, field: `${at}action`, message: `action "${action.name}" is deprecated` });
    const failure = input.outcome === Outcome.FAILURE;
    return {
      accountId,
      id: input.id ?? uuidv7(now.getTime()),
      eventTime: new Date(time),
      receivedAt: now,
      actionId: action.id,
      action: input.action,
      actionName: input.action,
      templateValue: resolved.templateValue,
      servicePrefix: action.service.prefix,
      objectType: resolved.objectType,
      verb: action.verb,
      correlationId: input.correlationId ?? null,
      dataEvent: input.dataEvent ?? false,
      initiator: {
        id: input.initiator.id ?? null,
        name: input.initiator.name ?? null,
        authnId: input.initiator.authnId ?? null,
        authnName: input.initiator.authnName ?? null,
        typeURI: input.initiator.typeURI ?? null,
        credential: { type: input.initiator.credential?.type ?? null },
        host: {
          address: input.initiator.host?.address ?? null,
          addressType: input.initiator.host?.addressType ?? null,
          agent: input.initiator.host?.agent ?? null,
        },
      },
      target: {
        id: input.target?.id ?? null,
        name: input.target?.name ?? null,
        alias: input.target?.alias ?? null,
        typeURI: input.target?.typeURI ?? null,
        resourceGroupId: input.target?.resourceGroupId ?? null,
        host: { address: input.target?.host?.address ?? null },
      },
      observer: { name: input.observer?.name ?? 'ActivityTracker' },
      outcome: input.outcome,
      reason: { reasonCode: code ?? null, reasonType: input.reason?.reasonType ?? null, reasonForFailure: input.reason?.reasonForFailure ?? null },
      severity: input.severity ?? defaultSeverity(code, input.outcome),
      location: input.location,
      message: input.message ?? `${defaultMessage(action, input.action)}${failure ? ' failure' : ''}`,
      requestData,
      responseData,
      logSourceCRN: input.logSourceCRN ?? null,
      saveServiceCopy: input.saveServiceCopy ?? false,
    };
  }

  /** Records a batch: all or nothing; retries of stored events return the stored ones. */
  async function record(accountId: string, inputs: EventInput[], batch: boolean): Promise<RecordResult> {
    const issues = new IssueList();
    if (inputs.length === 0) issues.add('inputs', 'must contain at least one event');
    if (inputs.length > MAX_BATCH) issues.add('inputs', `must contain at most ${MAX_BATCH} events (got ${inputs.length})`);
    issues.throwIfAny();
    const now = new Date();
    const snapshot = await catalog.snapshotKnowing(inputs.map((i) => i.action));
    const warnings: EventWarning[] = [];
    const records: EventRecord[] = [];
    // Serialised once: the content hash (idempotent retries) hashes it, and PostgreSQL
    // hashes it into the chain link.
    const canonical = contentsWriter(inputs.length);
    const hashes: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      // A large batch lets the other requests' database answers in between: the connections
      // they hold would otherwise wait for the whole batch to be checked.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const record = normalise(inputs[i]!, batch ? i : undefined, batch ? `inputs[${i}].` : 'input.', accountId, snapshot, now, issues, warnings);
      if (!record || issues.size) continue;
      records.push(record);
      hashes.push(hash('sha256', canonical.add(canonicalEvent(record)), 'hex'));
    }
    issues.throwIfAny();

    // The same id twice in one batch: one event if the content is the same, else refused.
    const firstIndex = new Map<string, number>();
    const unique: number[] = [];
    records.forEach((e, i) => {
      const seen = firstIndex.get(e.id);
      if (seen === undefined) {
        firstIndex.set(e.id, i);
        unique.push(i);
      } else if (hashes[seen] !== hashes[i]) {
        issues.add(`inputs[${i}].id`, `"${e.id}" appears twice in this batch with different content (also item ${seen})`, i);
      }
    });
    issues.throwIfAny();

    // Written in one statement (see EventsStore.record); done again after a concurrent
    // change: ids stored meanwhile (a retry, a concurrent batch) are compared with what is
    // stored and left out, a routing change is read again.
    const stored = new Map<string, EventRecord>();
    let toStore = unique;
    let freshRouting = false;
    for (let write = 1; toStore.length; write++) {
      const events = toStore.map((i) => records[i]!);
      try {
        const { routing, afterCommit } = await router(accountId, events, snapshot, freshRouting);
        const seq = await store.record(accountId, events, canonical.contents(toStore), toStore.map((i) => hashes[i]!), routing);
        afterCommit?.();
        committed.forEach((tell) => tell(accountId, seq));
        break;
      } catch (error) {
        const fault = classifyDatabaseError(error);
        if (fault?.kind === 'foreign_key') throw new ConflictError('the catalog changed while these events were recorded (an action was removed); retry');
        const storedMeanwhile = fault?.kind === 'unique' && fault.constraint === 'events_pkey';
        const routingChanged = (error as { code?: unknown }).code === STALE_ROUTING;
        if (write === MAX_WRITES || !(storedMeanwhile || routingChanged)) throw error;
        if (routingChanged) freshRouting = true;
        if (storedMeanwhile) toStore = await leaveOutStored(accountId, toStore, records, hashes, batch, stored);
      }
    }
    return {
      events: records.map((e) => stored.get(e.id) ?? e),
      created: records.map((e, i) => !stored.has(e.id) && firstIndex.get(e.id) === i),
      warnings,
    };
  }

  /**
   * The ids of `toStore` found stored are retries when the content is the same (the stored
   * event goes to `stored`), else refused; returns the rest.
   */
  async function leaveOutStored(accountId: string, toStore: number[], records: EventRecord[], hashes: string[], batch: boolean, stored: Map<string, EventRecord>): Promise<number[]> {
    const found = await store.findWithHashes(accountId, toStore.map((i) => records[i]!.id));
    const conflicts: Array<{ index: number; field: string; reason: string }> = [];
    for (const i of toStore) {
      const id = records[i]!.id;
      const existing = found.get(id);
      if (!existing) continue;
      if (existing.hash.toString('hex') === hashes[i]) stored.set(id, existing.record);
      else conflicts.push({ index: i, field: batch ? `inputs[${i}].id` : 'input.id', reason: `event "${id}" is already stored with other content; events are immutable` });
    }
    if (conflicts.length) {
      throw new ConflictError(
        conflicts.length === 1 ? `${batch ? `item ${conflicts[0]!.index}: ` : ''}${conflicts[0]!.reason}` : `${conflicts.length} events are already stored with other content; first: item ${conflicts[0]!.index}`,
        { field: conflicts[0]!.field, issues: conflicts },
      );
    }
    return toStore.filter((i) => !found.has(records[i]!.id));
  }

  async function check(filter: EventFilter | null | undefined, field = 'filter'): Promise<CheckedFilter> {
    const names = [...(filter?.actions ?? [])];
    return checkFilter(filter, names.length ? await catalog.snapshotKnowing(names) : await catalog.snapshot(), new Date(), field);
  }

  return {
    /** Registers how new events are routed (the routing module). */
    routeWith(route: Router): void {
      router = route;
    },

    /** Listens for committed batches in this process (the live tail); returns the unsubscribe. */
    onCommitted(listener: (accountId: string, seq: number) => void): () => void {
      committed.add(listener);
      return () => committed.delete(listener);
    },

    /** The position of the account's last event (0: none). */
    async headSequence(accountId: string): Promise<number> {
      return store.headSequence(accountId);
    },

    /**
     * Events of the account past position `afterSeq` that match a filter's condition (from
     * filterWhere), in chain order, at most `limit`; and the head they were read up to.
     */
    async tail(accountId: string, condition: { where: string; params: unknown[] }, afterSeq: number, limit: number): Promise<{ head: number; events: Array<{ seq: number; event: EventRecord }> }> {
      return store.tail(accountId, condition, afterSeq, limit);
    },

    recordEvent(accountId: string, input: EventInput): Promise<RecordResult> {
      return record(accountId, [input], false);
    },

    recordEvents(accountId: string, inputs: EventInput[]): Promise<RecordResult> {
      return record(accountId, inputs, true);
    },

    checkFilter: check,

    /** An event as it would be stored (checked and completed), without storing it. */
    async prepareEvent(accountId: string, input: EventInput): Promise<EventRecord> {
      const issues = new IssueList();
      const snapshot = await catalog.snapshotKnowing([input.action]);
      const event = normalise(input, undefined, 'input.event.', accountId, snapshot, new Date(), issues, []);
      issues.throwIfAny();
      return event!;
    },

    /** The SQL condition (over `events e`) and parameters of a filter for this account. */
    async filterWhere(accountId: string, filter: EventFilter | null | undefined): Promise<{ where: string; params: unknown[] }> {
      const params = new SqlParams();
      const where = filterSql(accountId, await check(filter), params);
      return { where, params: params.values };
    },

    /** Stored events by id (all fields). */
    async eventsByIds(accountId: string, ids: string[]): Promise<Map<string, EventRecord>> {
      const found = await store.findWithHashes(accountId, ids);
      return new Map([...found].map(([id, { record }]) => [id, record]));
    },

    async getEvent(accountId: string, id: string, columns: string[]): Promise<EventRecord | null> {
      return store.get(accountId, id, columns);
    },

    /** One page in (eventTime, id) order; page 10,000 costs what page 1 costs. */
    async listEvents(accountId: string, args: PageArgs): Promise<EventPage> {
      if (args.first !== null && args.first !== undefined && args.last !== null && args.last !== undefined) {
        throw new UserInputError({ field: 'last', reason: 'cannot be combined with first' });
      }
      const backwards = args.last !== null && args.last !== undefined;
      const size = backwards ? args.last! : (args.first ?? 50);
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw new UserInputError({ field: backwards ? 'last' : 'first', reason: `must be between 1 and ${MAX_PAGE}` });
      const filter = await check(args.filter);
      const params = new SqlParams();
      const where = filterSql(accountId, filter, params);
      const rows = await store.page({
        where,
        params,
        newestFirst: args.newestFirst,
        after: backwards ? (args.before ?? null) : (args.after ?? null),
        backwards,
        limit: size + 1,
        columns: args.columns,
      });
      const more = rows.length > size;
      const events = rows.slice(0, size);
      if (backwards) events.reverse();
      return {
        events,
        hasNextPage: backwards ? !!args.before : more,
        hasPreviousPage: backwards ? more : !!args.after,
        filter,
      };
    },

    /** Exact up to the cap, then exact from the rollups when they can tell, else estimated. */
    async countEvents(accountId: string, filter: CheckedFilter): Promise<{ count: number; exact: boolean }> {
      const params = new SqlParams();
      const where = filterSql(accountId, filter, params);
      const exact = await store.countUpTo(where, params, countCap);
      if (exact !== null) return { count: exact, exact: true };
      const request = { accountId, filter, groupBy: [], interval: 'DAY' as const, top: 1, now: new Date() };
      const built = buildStatsSql(request);
      if (built.source === 'ROLLUPS') return { count: assembleStats(request, await store.statsQuery(built.text, built.params), built).total, exact: true };
      const again = new SqlParams();
      return { count: Math.max(countCap + 1, await store.estimate(filterSql(accountId, filter, again), again)), exact: false };
    },

    async eventStats(accountId: string, args: { filter?: EventFilter | null; groupBy: StatsDimension[]; interval: StatsInterval; top?: number | null }): Promise<StatsResult> {
      const top = args.top ?? 10;
      if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) throw new UserInputError({ field: 'top', reason: `must be between 1 and ${MAX_TOP}` });
      if (new Set(args.groupBy).size !== args.groupBy.length) throw new UserInputError({ field: 'groupBy', reason: 'must not repeat a dimension' });
      // Without a start, the range follows the interval: a week of minutes is more buckets than a question may have.
      const from = args.filter?.from ?? new Date(Date.now() - STATS_DEFAULT_RANGE_MS[args.interval]);
      const filter = await check({ ...args.filter, from });
      const request = { accountId, filter, groupBy: args.groupBy, interval: args.interval, top, now: new Date() };
      const built = buildStatsSql(request);
      return assembleStats(request, await store.statsQuery(built.text, built.params), built);
    },

    /**
     * Recomputes the per-hour rollups of every pending hour that ended before `now`'s hour
     * (rollups.ts) from the per-minute ones. The hour in progress stays pending while ingest
     * adds to it; readers take a pending hour from the per-minute rollups. Returns the hours
     * folded.
     */
    async foldHourRollups(now = new Date()): Promise<number> {
      const before = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
      let folded = 0;
      for (const accountId of await store.accountsWithPendingHours(before)) {
        folded += await inChunks(FOLD_CHUNK, () => store.foldHours(accountId, before, FOLD_CHUNK));
      }
      return folded;
    },

    /**
     * Folds the rollups' writer shards (rows of databases written before ingest counted under
     * the chain lock) into one row per key, for buckets that ended more than a minute ago.
     * Returns the rows folded.
     */
    async compactRollups(now = new Date()): Promise<number> {
      let folded = 0;
      for (const rollup of ROLLUPS) {
        const before = new Date(now.getTime() - rollup.grainMs - 60_000);
        folded += await inChunks(COMPACT_CHUNK, () => store.compactRollup(rollup, before, COMPACT_CHUNK));
      }
      return folded;
    },

    /** Streams matching events oldest first; returns how many. */
    async exportEvents(accountId: string, filter: EventFilter | null, onEvent: (e: EventRecord) => Promise<void> | void): Promise<number> {
      const checked = await check(filter);
      const params = new SqlParams();
      return store.stream(filterSql(accountId, checked, params), params, onEvent);
    },

    log,
  };
}

/**
 * target.typeURI is `serviceName/objectType[/attribute]`: it must start with the action's
 * service and object type (`cloud-object-storage/object/multipart` for object type
 * `object-multipart`: a `/` in the URI may stand for a `-` of the object type).
 */
export function typeUriProblem(typeUri: string, service: string, objectType: string): string | null {
  for (const form of new Set([service, service.replace(/\./g, '/')])) {
    if (!typeUri.startsWith(`${form}/`)) continue;
    const rest = typeUri.slice(form.length + 1);
    const dashed = rest.replace(/\//g, '-');
    if (rest === objectType || rest.startsWith(`${objectType}/`) || dashed === objectType || dashed.startsWith(`${objectType}-`)) return null;
  }
  return `must start with "${service}/${objectType}" (the action's service and object type)`;
}

export type EventsManager = ReturnType<typeof createEventsManager>;
