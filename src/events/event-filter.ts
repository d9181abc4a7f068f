// The event filter: one definition for queries, stats, export and the live tail. It is
// checked against the catalog once (unknown services, actions and locations are refused
// with hints), then compiled to SQL with bound parameters, or evaluated in memory.
import { IssueList } from '../errors/errors.js';
import { HINTED_ISSUES, type CatalogSnapshot } from '../catalog/catalog.cache.js';
import { GLOBAL_LOCATION } from '../catalog/locations.data.js';
import { globMatcher, globProblem, globToLike, MAX_NAME_LENGTH } from '../catalog/naming.js';
import { SEVERITY_RANK, type CredentialType, type InitiatorType, type Outcome, type Severity } from './event.enums.js';
import type { EventRecord } from './event.model.js';

export interface EventCondition {
  services?: string[] | null;
  /** Exact names, prefixes (`iam-am.policy`) or `*` globs. */
  actions?: string[] | null;
  objectType?: string | null;
  verb?: string | null;
  outcomes?: Outcome[] | null;
  minSeverity?: Severity | null;
  locations?: string[] | null;
  initiator?: { id?: string | null; name?: string | null; typeURI?: InitiatorType | null; credentialType?: CredentialType | null; hostAddress?: string | null } | null;
  target?: { id?: string | null; name?: string | null; typeURI?: string | null } | null;
  correlationId?: string | null;
  dataEvent?: boolean | null;
  reasonCode?: { min?: number | null; max?: number | null } | null;
  /** Case-insensitive text in the message. */
  text?: string | null;
  anyOf?: EventCondition[] | null;
  not?: EventCondition | null;
}

export interface EventFilter extends EventCondition {
  from?: Date | null;
  to?: Date | null;
}

/** One action spec, resolved: the action ids it can match and, when needed, a name test. */
interface ActionMatch {
  ids: number[];
  /** When the ids alone would match too much: a LIKE pattern (globs, prefixes) or the one
   * concrete name of a template action to compare with. */
  narrow: { like: string } | { name: string } | null;
  test: (name: string) => boolean;
}

/** A condition checked against the catalog, ready for SQL or for memory. */
export interface CheckedCondition {
  source: EventCondition;
  actionMatches: ActionMatch[] | null;
  serviceActionIds: number[] | null;
  anyOf: CheckedCondition[] | null;
  not: CheckedCondition | null;
}

export interface CheckedFilter extends CheckedCondition {
  from: Date;
  to: Date | null;
}

export const DEFAULT_RANGE_MS = 7 * 24 * 3600 * 1000;
const MAX_DEPTH = 4;
const MAX_NODES = 64;
const MAX_LIST = 100;
const MAX_TEXT = 512;

/** Validates a filter against the catalog; throws BAD_USER_INPUT listing every problem. */
export function checkFilter(filter: EventFilter | null | undefined, catalog: CatalogSnapshot, now = new Date(), field = 'filter'): CheckedFilter {
  const f = filter ?? {};
  const issues = new IssueList();
  const from = f.from ?? new Date(now.getTime() - DEFAULT_RANGE_MS);
  const to = f.to ?? null;
  if (to && to <= from) issues.add(`${field}.to`, 'must be after from');
  let nodes = 0;

  const check = (c: EventCondition, path: string, depth: number): CheckedCondition => {
    nodes++;
    if (depth > MAX_DEPTH) issues.add(path, `nests anyOf/not more than ${MAX_DEPTH} levels deep`);
    if (nodes > MAX_NODES) issues.add(path, `has more than ${MAX_NODES} conditions`);
    for (const key of ['services', 'actions', 'outcomes', 'locations'] as const) {
      const list = c[key];
      if (list && list.length > MAX_LIST) issues.add(`${path}.${key}`, `must have at most ${MAX_LIST} entries`);
      if (list && list.length === 0) issues.add(`${path}.${key}`, 'must not be empty (omit it to match all)');
    }
    // Names are bounded before anything looks them up (or repeats them in a message).
    for (const key of ['services', 'actions', 'locations'] as const) {
      c[key]?.forEach((name, i) => {
        if (name.length > MAX_NAME_LENGTH) issues.add(`${path}.${key}[${i}]`, `must be at most ${MAX_NAME_LENGTH} characters`);
      });
    }
    if (issues.size) return { source: c, actionMatches: null, serviceActionIds: null, anyOf: null, not: null };
    for (const [key, value] of [
      ['text', c.text], ['objectType', c.objectType], ['verb', c.verb], ['correlationId', c.correlationId],
      ['initiator.id', c.initiator?.id], ['initiator.name', c.initiator?.name], ['initiator.hostAddress', c.initiator?.hostAddress],
      ['target.id', c.target?.id], ['target.name', c.target?.name], ['target.typeURI', c.target?.typeURI],
    ] as const) {
      if (typeof value === 'string' && (value.length === 0 || value.length > MAX_TEXT)) issues.add(`${path}.${key}`, `must be 1 to ${MAX_TEXT} characters`);
      else if (typeof value === 'string' && value.includes('\u0000')) issues.add(`${path}.${key}`, 'must not contain NUL characters');
    }
    const rc = c.reasonCode;
    if (rc && rc.min !== null && rc.min !== undefined && rc.max !== null && rc.max !== undefined && rc.min > rc.max) {
      issues.add(`${path}.reasonCode`, 'min must not exceed max');
    }
    let serviceActionIds: number[] | null = null;
    if (c.services?.length) {
      serviceActionIds = [];
      c.services.forEach((prefix, i) => {
        const service = catalog.servicesByPrefix.get(prefix);
        if (!service) return issues.add(`${path}.services[${i}]`, `unknown service "${prefix}"`);
        for (const a of catalog.actionsById.values()) if (a.service.id === service.id) serviceActionIds!.push(a.id);
      });
    }
    let actionMatches: ActionMatch[] | null = null;
    if (c.actions?.length) {
      actionMatches = c.actions.map((spec, i) => resolveActionSpec(spec, catalog, issues, `${path}.actions[${i}]`));
    }
    c.locations?.forEach((code, i) => {
      if (!catalog.locationCodes.has(code)) issues.add(`${path}.locations[${i}]`, `unknown location "${code}"; use a known code or "${GLOBAL_LOCATION}"`);
    });
    if (c.anyOf && c.anyOf.length === 0) issues.add(`${path}.anyOf`, 'must not be empty');
    return {
      source: c,
      actionMatches,
      serviceActionIds,
      anyOf: c.anyOf?.length ? c.anyOf.map((sub, i) => check(sub, `${path}.anyOf[${i}]`, depth + 1)) : null,
      not: c.not ? check(c.not, `${path}.not`, depth + 1) : null,
    };
  };

  const checked = check(f, field, 0);
  issues.throwIfAny();
  return { ...checked, from, to };
}

function resolveActionSpec(spec: string, catalog: CatalogSnapshot, issues: IssueList, field: string): ActionMatch {
  const empty: ActionMatch = { ids: [], narrow: null, test: () => false };
  if (spec.includes('*')) {
    const problem = globProblem(spec);
    if (problem) {
      issues.add(field, problem);
      return empty;
    }
    const test = globMatcher(spec);
    const ids = catalog.actionIdsMatching(test);
    if (!ids.length) issues.add(field, `"${spec}" matches no catalog action`);
    return { ids, narrow: { like: globToLike(spec) }, test };
  }
  const resolved = catalog.resolve(spec);
  if (resolved) {
    if (resolved.templateValue !== null) return { ids: [resolved.action.id], narrow: { name: spec }, test: (n) => n === spec };
    // An exact name; for a template name, every concrete name of it.
    const template = resolved.action.templateVariable;
    return { ids: [resolved.action.id], narrow: null, test: template ? (n) => catalog.resolve(n)?.action.id === resolved.action.id : (n) => n === spec };
  }
  // A prefix: `iam-am` or `iam-am.policy` means every action under it.
  const glob = `${spec}.*`;
  const test = globMatcher(glob);
  const ids = globProblem(glob) ? [] : catalog.actionIdsMatching(test);
  if (!ids.length) {
    issues.add(field, `"${spec}" is no catalog action, and no action name starts with "${spec}."`, undefined, issues.size < HINTED_ISSUES ? catalog.closestNames(spec) : []);
    return empty;
  }
  return { ids, narrow: { like: globToLike(glob) }, test };
}

// ---- SQL -------------------------------------------------------------------------------

/** Collects bound parameters; `add` returns the placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    // Dates as ISO strings: the same text parameter pg would send, without its local-time
    // formatting (about 3 µs per date, on every page request).
    this.values.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.values.length}${cast}`;
  }
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The SQL condition for `c` on table alias `e` (events). Never interpolates input. */
export function conditionSql(c: CheckedCondition, p: SqlParams): string {
  const s = c.source;
  const parts: string[] = [];
  if (c.serviceActionIds) parts.push(`e.action_id = ANY(${p.add(c.serviceActionIds, '::int[]')})`);
  if (c.actionMatches) {
    const alternatives = c.actionMatches.map((m) =>
      m.narrow === null
        ? `e.action_id = ANY(${p.add(m.ids, '::int[]')})`
        : 'name' in m.narrow
          ? `(e.action_id = ANY(${p.add(m.ids, '::int[]')}) AND e.action = ${p.add(m.narrow.name)})`
          : `(e.action_id = ANY(${p.add(m.ids, '::int[]')}) AND e.action LIKE ${p.add(m.narrow.like)} ESCAPE '\\')`,
    );
    parts.push(alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' OR ')})`);
  }
  if (s.objectType) parts.push(`e.object_type = ${p.add(s.objectType)}`);
  if (s.verb) parts.push(`e.verb = ${p.add(s.verb)}`);
  if (s.outcomes?.length) parts.push(`e.outcome = ANY(${p.add(s.outcomes, '::"Outcome"[]')})`);
  if (s.minSeverity) parts.push(`e.severity >= ${p.add(s.minSeverity, '::"Severity"')}`);
  if (s.locations?.length) parts.push(`e.location = ANY(${p.add(s.locations, '::text[]')})`);
  const i = s.initiator;
  if (i?.id) parts.push(`e.initiator_id = ${p.add(i.id)}`);
  if (i?.name) parts.push(`e.initiator_name = ${p.add(i.name)}`);
  if (i?.typeURI) parts.push(`e.initiator_type_uri = ${p.add(i.typeURI, '::"InitiatorType"')}`);
  if (i?.credentialType) parts.push(`e.credential_type = ${p.add(i.credentialType, '::"CredentialType"')}`);
  if (i?.hostAddress) parts.push(`e.host_address = ${p.add(i.hostAddress)}`);
  const t = s.target;
  if (t?.id) parts.push(`e.target_id = ${p.add(t.id)}`);
  if (t?.name) parts.push(`e.target_name = ${p.add(t.name)}`);
  if (t?.typeURI) parts.push(`(e.target_type_uri = ${p.add(t.typeURI)} OR e.target_type_uri LIKE ${p.add(`${escapeLike(t.typeURI)}/%`)} ESCAPE '\\')`);
  if (s.correlationId) parts.push(`e.correlation_id = ${p.add(s.correlationId)}`);
  if (s.dataEvent !== null && s.dataEvent !== undefined) parts.push(`e.data_event = ${p.add(s.dataEvent)}`);
  if (s.reasonCode?.min !== null && s.reasonCode?.min !== undefined) parts.push(`e.reason_code >= ${p.add(s.reasonCode.min, '::int')}`);
  if (s.reasonCode?.max !== null && s.reasonCode?.max !== undefined) parts.push(`e.reason_code <= ${p.add(s.reasonCode.max, '::int')}`);
  if (s.text) parts.push(`e.message ILIKE ${p.add(`%${escapeLike(s.text)}%`)} ESCAPE '\\'`);
  if (c.anyOf) parts.push(`(${c.anyOf.map((sub) => `(${conditionSql(sub, p)})`).join(' OR ')})`);
  // NULL columns make a comparison unknown: "not X" must still keep those events.
  if (c.not) parts.push(`NOT coalesce((${conditionSql(c.not, p)}), false)`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** Account, time range and condition. */
export function filterSql(accountId: string, f: CheckedFilter, p: SqlParams): string {
  const parts = [`e.account_id = ${p.add(accountId)}`, `e.event_time >= ${p.add(f.from)}`];
  if (f.to) parts.push(`e.event_time < ${p.add(f.to)}`);
  const condition = conditionSql(f, p);
  if (condition !== 'TRUE') parts.push(condition);
  return parts.join(' AND ');
}

// ---- memory ----------------------------------------------------------------------------

/** Whether an event matches a checked condition: the same rules as conditionSql. */
export function matchesCondition(e: EventRecord, c: CheckedCondition): boolean {
  const s = c.source;
  if (c.serviceActionIds && !c.serviceActionIds.includes(e.actionId)) return false;
  if (c.actionMatches && !c.actionMatches.some((m) => m.ids.includes(e.actionId) && (m.narrow === null || m.test(e.action)))) return false;
  if (s.objectType && e.objectType !== s.objectType) return false;
  if (s.verb && e.verb !== s.verb) return false;
  if (s.outcomes?.length && !s.outcomes.includes(e.outcome)) return false;
  if (s.minSeverity && SEVERITY_RANK[e.severity] < SEVERITY_RANK[s.minSeverity]) return false;
  if (s.locations?.length && !s.locations.includes(e.location)) return false;
  const i = s.initiator;
  if (i?.id && e.initiator.id !== i.id) return false;
  if (i?.name && e.initiator.name !== i.name) return false;
  if (i?.typeURI && e.initiator.typeURI !== i.typeURI) return false;
  if (i?.credentialType && e.initiator.credential.type !== i.credentialType) return false;
  if (i?.hostAddress && e.initiator.host.address !== i.hostAddress) return false;
  const t = s.target;
  if (t?.id && e.target.id !== t.id) return false;
  if (t?.name && e.target.name !== t.name) return false;
  if (t?.typeURI && !(e.target.typeURI === t.typeURI || e.target.typeURI?.startsWith(`${t.typeURI}/`))) return false;
  if (s.correlationId && e.correlationId !== s.correlationId) return false;
  if (s.dataEvent !== null && s.dataEvent !== undefined && e.dataEvent !== s.dataEvent) return false;
  const code = e.reason.reasonCode;
  if (s.reasonCode?.min !== null && s.reasonCode?.min !== undefined && (code === null || code < s.reasonCode.min)) return false;
  if (s.reasonCode?.max !== null && s.reasonCode?.max !== undefined && (code === null || code > s.reasonCode.max)) return false;
  if (s.text && !e.message.toLowerCase().includes(s.text.toLowerCase())) return false;
  if (c.anyOf && !c.anyOf.some((sub) => matchesCondition(e, sub))) return false;
  if (c.not && matchesCondition(e, c.not)) return false;
  return true;
}

export function matchesFilter(e: EventRecord, f: CheckedFilter): boolean {
  return e.eventTime >= f.from && (!f.to || e.eventTime < f.to) && matchesCondition(e, f);
}
