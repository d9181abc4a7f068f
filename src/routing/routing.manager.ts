// The routing domain: targets, routes and settings with their consistency rules, the
// routing of recorded events (deliveries written with the events), explain and
// coverage, and the delivery queue's operations. GraphQL and any tool go through here.
import { randomUUID } from 'node:crypto';
import type { CatalogManager } from '../catalog/catalog.manager.js';
import type { CatalogSnapshot } from '../catalog/catalog.cache.js';
import { GLOBAL_LOCATION } from '../catalog/locations.data.js';
import { globMatcher, globProblem } from '../catalog/naming.js';
import { inChunks } from '../database/chunks.js';
import { conflictOnRace } from '../errors/database-errors.js';
import { ConflictError, IssueList, NotFoundError, UserInputError } from '../errors/errors.js';
import { isSerial, isUuid, requireUuidIfGiven } from '../errors/ids.js';
import { Outcome, Severity } from '../events/event.enums.js';
import type { EventFilter } from '../events/event-filter.js';
import type { EventInput, EventRecord } from '../events/event.model.js';
import type { BatchRouting, EventsManager, Router } from '../events/events.manager.js';
import type { Logger } from '../logging/logger.js';
import type { AuditRecorder } from '../audit/audit-trail.js';
import type { Principal } from '../auth/principal.js';
import { evaluateRouting, type RoutingConfig, type RoutingDecision, type RuleSpec } from './evaluate.js';
import type { DeliveryRecord, DeliveryStatus, RouteRecord, RoutingStore, SettingsRecord, TargetRecord } from './routing.store.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { OutboundPolicy } from './outbound.js';
import { checkTargetSettings, type CheckedSettings, type TargetSettingsInput, type WebhookConfig } from './target-config.js';
import { holdsPlainSecrets, sealTargetSecrets } from './target-secrets.js';

export interface RoutingLimits {
  routesPerAccount: number;
  rulesPerRoute: number;
  locationsPerRule: number;
  targetsPerRule: number;
  /** The source system allows two default targets. */
  defaultTargets: number;
  replayMaxEvents: number;
}

export const DEFAULT_LIMITS: RoutingLimits = {
  routesPerAccount: 10,
  rulesPerRoute: 30,
  locationsPerRule: 8,
  targetsPerRule: 3,
  defaultTargets: 2,
  replayMaxEvents: 100_000,
};

export interface RuleInput {
  locations: string[];
  targetIds: string[];
  actionPatterns?: string[] | null;
  minSeverity?: Severity | null;
  outcomes?: Outcome[] | null;
}

export interface CreateTargetInput extends TargetSettingsInput {
  name: string;
  region: string;
}

export interface TargetPatch extends TargetSettingsInput {
  name?: string | null;
  region?: string | null;
}

export interface SettingsPatch {
  defaultTargetIds?: string[] | null;
  permittedTargetRegions?: string[] | null;
  metadataRegionPrimary?: string | null;
  metadataRegionBackup?: string | null;
  privateApiEndpointOnly?: boolean | null;
}

export interface CoverageGap {
  action: string;
  location: string;
  /** Some severity/outcome combinations are routed, others not. */
  partial: boolean;
  unrouted: Array<{ severity: Severity; outcome: Outcome }>;
}

export interface RoutingManagerDeps {
  store: RoutingStore;
  catalog: CatalogManager;
  events: EventsManager;
  log: Logger;
  limits?: Partial<RoutingLimits>;
  /** Records each change in the gateway's audit trail, in the change's transaction. */
  audit: AuditRecorder;
  /** Called after every write transaction (the audit trail moves its records then). */
  onWrite?: () => Promise<unknown>;
  /** Seals targets' secrets and header values before they are stored. */
  secrets: SecretBox;
  /** Where webhook targets may point. */
  outbound: OutboundPolicy;
}

const NAME_MAX = 256;
const SEVERITIES = [Severity.NORMAL, Severity.WARNING, Severity.CRITICAL];
const OUTCOMES = [Outcome.SUCCESS, Outcome.PENDING, Outcome.FAILURE];
/** Batches of drops added to the counters per statement (see foldDrops). */
const DROP_BATCHES_PER_STATEMENT = 1000;

/** A deliveries filter's ids, before SQL: a target id is a uuid, an event id at most 128 characters. */
function checkDeliveryFilter(filter: { targetId?: string | null; eventId?: string | null }): void {
  requireUuidIfGiven('filter.targetId', filter.targetId, 'a target');
  if (filter.eventId !== null && filter.eventId !== undefined && (filter.eventId.length === 0 || filter.eventId.length > 128)) {
    throw new UserInputError({ field: 'filter.eventId', reason: 'must be an event id (1 to 128 characters)' });
  }
}

export function createRoutingManager({ store, catalog, events, log, limits: overrides, audit, onWrite, secrets, outbound }: RoutingManagerDeps) {
  const limits: RoutingLimits = { ...DEFAULT_LIMITS, ...overrides };
  /** Routing configuration per account, with the routing version it was read at. */
  const configs = new Map<string, { version: number | null; config: RoutingConfig }>();
  const listeners = new Set<() => void>();

  function checkName(issues: IssueList, field: string, name: string | null | undefined) {
    if (name === undefined || name === null) return;
    if (!name.trim()) issues.add(field, 'must not be blank');
    else if (name.length > NAME_MAX) issues.add(field, `must be at most ${NAME_MAX} characters`);
    else if (/[\u0000-\u001f]/.test(name)) issues.add(field, 'must not contain control characters');
  }

  function checkRegion(issues: IssueList, field: string, region: string, settings: SettingsRecord, snapshot: CatalogSnapshot) {
    const known = snapshot.locationCodes;
    if (region === GLOBAL_LOCATION || !known.has(region)) {
      issues.add(field, `must be a region code (${[...known].filter((c) => c !== GLOBAL_LOCATION).sort().join(', ')})`);
    } else if (settings.permittedTargetRegions.length && !settings.permittedTargetRegions.includes(region)) {
      issues.add(field, `region "${region}" is not permitted; the settings permit ${settings.permittedTargetRegions.join(', ')}`);
    }
  }

  /** A webhook URL that points inside (checked before the change's transaction: it may resolve a name). */
  async function checkDestination(issues: IssueList, at: string, settings: CheckedSettings | null) {
    if (settings?.kind !== 'webhook') return;
    const problem = await outbound.problem((settings.config as WebhookConfig).url);
    if (problem) issues.add(`${at}.webhook.url`, problem);
  }

  /** A routing change: one transaction, then the audit trail is told. */
  async function write<T>(fn: (tx: Parameters<Parameters<RoutingStore['transaction']>[0]>[0]) => Promise<T>): Promise<T> {
    try {
      return await store.transaction(fn);
    } finally {
      await onWrite?.();
    }
  }

  /** Turns a unique-key or reference race lost to a concurrent change into CONFLICT. */
  function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return conflictOnRace(what, fn, 'refers to a target that was removed, or is still referenced; reload and retry');
  }


  /** Checks rules inside a transaction; `snapshot` is read before it (PGlite has one connection). */
  async function checkRules(accountId: string, rules: RuleInput[], db: Parameters<RoutingStore['existingTargetIds']>[0], snapshot: CatalogSnapshot): Promise<RuleSpec[]> {
    const issues = new IssueList();
    if (rules.length === 0) issues.add('input.rules', 'must have at least one rule');
    if (rules.length > limits.rulesPerRoute) issues.add('input.rules', `must have at most ${limits.rulesPerRoute} rules (the limit per route)`);
    const allTargets = [...new Set(rules.flatMap((r) => r.targetIds).filter((id) => isUuid(id)))];
    const existing = await store.existingTargetIds(db, accountId, allTargets);
    const checked = rules.map((rule, i): RuleSpec => {
      const at = `input.rules[${i}]`;
      if (rule.locations.length === 0) issues.add(`${at}.locations`, 'must name at least one location (or *)');
      if (rule.locations.length > limits.locationsPerRule) issues.add(`${at}.locations`, `must have at most ${limits.locationsPerRule} locations (the limit per rule)`);
      for (const l of rule.locations) {
        if (l !== '*' && !snapshot.locationCodes.has(l)) issues.add(`${at}.locations`, `unknown location "${l}"; use known codes, "${GLOBAL_LOCATION}" or "*"`);
      }
      if (rule.targetIds.length === 0) issues.add(`${at}.targetIds`, 'must name at least one target');
      if (rule.targetIds.length > limits.targetsPerRule) issues.add(`${at}.targetIds`, `must have at most ${limits.targetsPerRule} targets (the limit per rule)`);
      if (new Set(rule.targetIds).size !== rule.targetIds.length) issues.add(`${at}.targetIds`, 'must not repeat a target');
      for (const id of rule.targetIds) if (!existing.has(id)) issues.add(`${at}.targetIds`, `target "${id}" does not exist in this account`);
      for (const pattern of rule.actionPatterns ?? []) {
        const problem = globProblem(pattern);
        if (problem) issues.add(`${at}.actionPatterns`, `"${pattern}" ${problem}`);
        else {
          if (!snapshot.actionIdsMatching(globMatcher(pattern)).length) issues.add(`${at}.actionPatterns`, `"${pattern}" matches no catalog action`);
        }
      }
      return {
        locations: [...new Set(rule.locations)],
        targetIds: rule.targetIds,
        actionPatterns: [...new Set(rule.actionPatterns ?? [])],
        minSeverity: rule.minSeverity ?? null,
        outcomes: [...new Set(rule.outcomes ?? [])],
      };
    });
    issues.throwIfAny();
    return checked;
  }

  async function requireTarget(db: Parameters<RoutingStore['findTarget']>[0], accountId: string, id: string): Promise<TargetRecord> {
    const target = isUuid(id) ? await store.findTarget(db, accountId, id) : null;
    if (!target) throw new NotFoundError('target', id);
    return target;
  }

  async function requireRoute(db: Parameters<RoutingStore['findRoute']>[0], accountId: string, id: string): Promise<RouteRecord> {
    const route = isUuid(id) ? await store.findRoute(db, accountId, id) : null;
    if (!route) throw new NotFoundError('route', id);
    return route;
  }

  /**
   * The account's routing version (null: no routing yet) and configuration: as last read
   * here, or with `fresh` at the current version (the configuration read again only when
   * the version moved).
   */
  async function routingOf(accountId: string, fresh: boolean): Promise<{ version: number | null; config: RoutingConfig }> {
    const held = configs.get(accountId);
    if (held && !fresh) return held;
    const version = await store.routingVersion(accountId);
    if (held && held.version === version) return held;
    const routing = { version, config: version === null ? { routes: [], defaultTargetIds: [] } : await store.loadRoutingConfig(accountId) };
    configs.set(accountId, routing);
    return routing;
  }

  function decide(config: RoutingConfig, e: { location: string; action: string; actionId?: number; severity: Severity; outcome: Outcome }, catalogAction: string | null, explain = false): RoutingDecision {
    return evaluateRouting(config, { location: e.location, action: e.action, catalogAction, severity: e.severity, outcome: e.outcome }, explain);
  }

  /**
   * How events about to be stored are routed: their deliveries, and drop counts. Decided at
   * the routing version last read for the account; the statement that stores them checks
   * that it is still the current one (else this runs again with `fresh`).
   */
  const routeBatch: Router = async (accountId, stored, snapshot, fresh) => {
    const { version, config } = await routingOf(accountId, fresh);
    const routing: BatchRouting = { version, deliveries: [], drops: [] };
    const drops = new Map<string, BatchRouting['drops'][number]>();
    for (const e of stored) {
      const decision = decide(config, e, snapshot.actionsById.get(e.actionId)?.name ?? null);
      for (const targetId of decision.targetIds) {
        const routeId = decision.via.get(targetId) ?? null;
        routing.deliveries.push({ eventId: e.id, targetId, routeId, reason: routeId ? 'route' : 'default_targets' });
      }
      if (decision.dropped) {
        const key = `${e.location}\u0000${e.action}`;
        const drop = drops.get(key);
        if (drop) drop.count++;
        else drops.set(key, { location: e.location, action: e.action, count: 1 });
      }
    }
    routing.drops = [...drops.values()];
    return { routing, afterCommit: routing.deliveries.length ? () => listeners.forEach((wake) => wake()) : undefined };
  };

  events.routeWith(routeBatch);

  return {
    limits,

    /** Called (after commit) when new deliveries are queued in this process. */
    onDeliveriesQueued(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    // ---- targets -----------------------------------------------------------------------

    listTargets: (accountId: string) => store.listTargets(accountId),
    targetsByIds: (ids: readonly string[]) => store.targetsByIds(ids),

    async getTarget(accountId: string, id: string): Promise<TargetRecord | null> {
      return isUuid(id) ? store.findTarget(store.prisma, accountId, id) : null;
    },

    async createTarget(actor: Principal, input: CreateTargetInput): Promise<TargetRecord> {
      const { accountId } = actor;
      const issues = new IssueList();
      checkName(issues, 'input.name', input.name);
      const settings = checkTargetSettings(input, 'input', undefined, true);
      await checkDestination(issues, 'input', settings);
      const snapshot = await catalog.snapshot();
      const id = randomUUID();
      const sealed = sealTargetSecrets(secrets, id, settings.config, settings.secret ?? null);
      return guard(`target "${input.name}"`, () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          checkRegion(issues, 'input.region', input.region, await store.getSettings(tx, accountId), snapshot);
          issues.throwIfAny();
          if (await store.targetNameTaken(tx, accountId, input.name)) throw new ConflictError(`a target named "${input.name}" already exists`, { field: 'input.name' });
          const target = await store.createTarget(tx, { id, accountId, name: input.name, region: input.region, type: settings.kind, ...sealed });
          await audit(tx, { actor, action: 'target.create', subject: { id: target.id, name: target.name, type: 'target' }, request: input });
          return target;
        }),
      );
    },

    async updateTarget(actor: Principal, id: string, patch: TargetPatch): Promise<TargetRecord> {
      const { accountId } = actor;
      const issues = new IssueList();
      checkName(issues, 'input.patch.name', patch.name);
      const snapshot = await catalog.snapshot();
      return guard(`target "${patch.name ?? id}"`, () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          const target = await requireTarget(tx, accountId, id);
          const hasSettings = ['cloudObjectStorage', 'eventStreams', 'cloudLogs', 'webhook'].some((k) => patch[k as keyof TargetSettingsInput]);
          const settings = hasSettings ? checkTargetSettings(patch, 'input.patch', target.type, false) : null;
          await checkDestination(issues, 'input.patch', settings);
          if (patch.region) checkRegion(issues, 'input.patch.region', patch.region, await store.getSettings(tx, accountId), snapshot);
          issues.throwIfAny();
          if (patch.name && (await store.targetNameTaken(tx, accountId, patch.name, id))) throw new ConflictError(`a target named "${patch.name}" already exists`, { field: 'input.patch.name' });
          await audit(tx, { actor, action: 'target.update', subject: { id, name: patch.name ?? target.name, type: 'target' }, request: { id, patch } });
          return store.updateTarget(tx, id, {
            ...(patch.name ? { name: patch.name } : {}),
            ...(patch.region ? { region: patch.region } : {}),
            ...(settings ? sealTargetSecrets(secrets, id, settings.config, settings.secret) : {}),
          });
        }),
      );
    },

    /** Seals the secrets and header values an older version stored in plain text (at start); how many targets it changed. */
    async sealStoredSecrets(): Promise<number> {
      let sealed = 0;
      for (const t of await store.allTargetSecrets(store.pool)) {
        if (!holdsPlainSecrets(t.config, t.secret)) continue;
        const next = sealTargetSecrets(secrets, t.id, t.config, t.secret, true);
        await store.replaceTargetSecrets(store.pool, t.id, next.config, next.secret);
        sealed++;
      }
      if (sealed) log.warn({ targets: sealed }, 'sealed target secrets stored in plain text by an earlier version');
      return sealed;
    },

    async deleteTarget(actor: Principal, id: string): Promise<TargetRecord> {
      const { accountId } = actor;
      return guard(`target ${id}`, () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          const target = await requireTarget(tx, accountId, id);
          const refs = await store.targetReferrers(tx, id);
          if (refs.routes.length || refs.defaultTarget) {
            const referrers = [
              ...refs.routes.map((r) => `route "${r.name}" (rule${r.rules.length > 1 ? 's' : ''} ${r.rules.join(', ')})`),
              ...(refs.defaultTarget ? ['the default targets of the settings'] : []),
            ];
            throw new ConflictError(`target "${target.name}" is still used by ${referrers.join(' and ')}`, { referrers });
          }
          await store.deleteTarget(tx, id);
          await audit(tx, { actor, action: 'target.delete', subject: { id, name: target.name, type: 'target' }, request: { id } });
          return target;
        }),
      );
    },

    // ---- routes ------------------------------------------------------------------------

    listRoutes: (accountId: string) => store.listRoutes(accountId),

    async getRoute(accountId: string, id: string): Promise<RouteRecord | null> {
      return isUuid(id) ? store.findRoute(store.prisma, accountId, id) : null;
    },

    async createRoute(actor: Principal, input: { name: string; rules: RuleInput[] }): Promise<RouteRecord> {
      const { accountId } = actor;
      const issues = new IssueList();
      checkName(issues, 'input.name', input.name);
      issues.throwIfAny();
      const snapshot = await catalog.snapshot();
      return guard(`route "${input.name}"`, () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          const rules = await checkRules(accountId, input.rules, tx, snapshot);
          if ((await store.countRoutes(tx, accountId)) >= limits.routesPerAccount) {
            throw new ConflictError(`the account has ${limits.routesPerAccount} routes, the most allowed; delete one first`, { limit: limits.routesPerAccount });
          }
          if (await store.routeNameTaken(tx, accountId, input.name)) throw new ConflictError(`a route named "${input.name}" already exists`, { field: 'input.name' });
          const id = await store.createRoute(tx, accountId, input.name);
          await store.replaceRules(tx, id, rules);
          await audit(tx, { actor, action: 'route.create', subject: { id, name: input.name, type: 'route' }, request: input });
          return (await store.findRoute(tx, accountId, id))!;
        }),
      );
    },

    /** Replaces the rules (and the name); refused when `expectedVersion` is not current. */
    async updateRoute(actor: Principal, input: { id: string; expectedVersion?: number | null; name?: string | null; rules?: RuleInput[] | null }): Promise<RouteRecord> {
      const { accountId } = actor;
      const issues = new IssueList();
      checkName(issues, 'input.name', input.name);
      issues.throwIfAny();
      const snapshot = await catalog.snapshot();
      return guard(`route "${input.name ?? input.id}"`, () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          const route = await requireRoute(tx, accountId, input.id);
          const rules = input.rules ? await checkRules(accountId, input.rules, tx, snapshot) : null;
          if (input.name && (await store.routeNameTaken(tx, accountId, input.name, route.id))) throw new ConflictError(`a route named "${input.name}" already exists`, { field: 'input.name' });
          const expected = input.expectedVersion ?? null;
          if (!(await store.bumpRoute(tx, route.id, expected, input.name ?? undefined))) {
            const current = (await store.findRoute(tx, accountId, route.id))?.version;
            throw new ConflictError(`route "${route.name}" was changed meanwhile: version ${current} is current, not ${expected}; reload it and apply your change again`, {
              field: 'input.expectedVersion',
              currentVersion: current,
            });
          }
          if (rules) await store.replaceRules(tx, route.id, rules);
          await audit(tx, { actor, action: 'route.update', subject: { id: route.id, name: input.name ?? route.name, type: 'route' }, request: input });
          return (await store.findRoute(tx, accountId, route.id))!;
        }),
      );
    },

    async deleteRoute(actor: Principal, id: string): Promise<RouteRecord> {
      const { accountId } = actor;
      return write(async (tx) => {
        await store.touchAccount(tx, accountId);
        const route = await requireRoute(tx, accountId, id);
        await store.deleteRoute(tx, id);
        await audit(tx, { actor, action: 'route.delete', subject: { id, name: route.name, type: 'route' }, request: { id } });
        return route;
      });
    },

    // ---- settings ----------------------------------------------------------------------

    getSettings: (accountId: string) => store.getSettings(store.prisma, accountId),

    async updateSettings(actor: Principal, patch: SettingsPatch): Promise<SettingsRecord> {
      const { accountId } = actor;
      const snapshot = await catalog.snapshot();
      return guard('settings', () =>
        write(async (tx) => {
          await store.touchAccount(tx, accountId);
          const current = await store.getSettings(tx, accountId);
          const next: SettingsRecord = {
            accountId,
            defaultTargetIds: patch.defaultTargetIds ?? current.defaultTargetIds,
            permittedTargetRegions: patch.permittedTargetRegions ? [...new Set(patch.permittedTargetRegions)] : current.permittedTargetRegions,
            metadataRegionPrimary: patch.metadataRegionPrimary !== undefined ? patch.metadataRegionPrimary : current.metadataRegionPrimary,
            metadataRegionBackup: patch.metadataRegionBackup !== undefined ? patch.metadataRegionBackup : current.metadataRegionBackup,
            privateApiEndpointOnly: patch.privateApiEndpointOnly ?? current.privateApiEndpointOnly,
          };
          const issues = new IssueList();
          const regions = new Set([...snapshot.locationCodes].filter((c) => c !== GLOBAL_LOCATION));
          if (next.defaultTargetIds.length > limits.defaultTargets) issues.add('input.defaultTargetIds', `must have at most ${limits.defaultTargets} targets`);
          if (new Set(next.defaultTargetIds).size !== next.defaultTargetIds.length) issues.add('input.defaultTargetIds', 'must not repeat a target');
          const existing = await store.existingTargetIds(tx, accountId, next.defaultTargetIds.filter((id) => isUuid(id)));
          for (const id of next.defaultTargetIds) if (!existing.has(id)) issues.add('input.defaultTargetIds', `target "${id}" does not exist in this account`);
          for (const r of next.permittedTargetRegions) if (!regions.has(r)) issues.add('input.permittedTargetRegions', `unknown region "${r}"`);
          for (const [field, value] of [['input.metadataRegionPrimary', next.metadataRegionPrimary], ['input.metadataRegionBackup', next.metadataRegionBackup]] as const) {
            if (value !== null && !regions.has(value)) issues.add(field, `unknown region "${value}"`);
          }
          if (next.metadataRegionPrimary && next.metadataRegionPrimary === next.metadataRegionBackup) issues.add('input.metadataRegionBackup', 'must differ from the primary metadata region');
          issues.throwIfAny();
          if (next.permittedTargetRegions.length) {
            const outside = await store.targetsOutsideRegions(tx, accountId, next.permittedTargetRegions);
            if (outside.length) {
              throw new ConflictError(`targets in other regions exist: ${outside.map((t) => `"${t.name}" (${t.region})`).join(', ')}; move or delete them first`, {
                field: 'input.permittedTargetRegions',
                targets: outside.map((t) => t.name),
              });
            }
          }
          await store.saveSettings(tx, next);
          await audit(tx, { actor, action: 'settings.update', subject: { id: accountId, name: 'routing settings', type: 'settings' }, request: patch });
          return next;
        }),
      );
    },

    // ---- evaluation --------------------------------------------------------------------

    /** What routing does with an event: the rule each route matched, or why none did. */
    async explain(accountId: string, subject: { event?: EventInput | null; eventId?: string | null }): Promise<{ event: EventRecord; decision: RoutingDecision }> {
      if (!!subject.event === !!subject.eventId) throw new UserInputError({ field: 'input', reason: 'give exactly one of event and eventId' });
      const event = subject.event
        ? await events.prepareEvent(accountId, subject.event)
        : await events.getEvent(accountId, subject.eventId!, ['id', 'event_time', 'action_id', 'action', 'location', 'severity', 'outcome', 'service_prefix']);
      if (!event) throw new NotFoundError('event', subject.eventId!);
      const { config } = await routingOf(accountId, true);
      const snapshot = await catalog.snapshot();
      return { event, decision: decide(config, event, snapshot.actionsById.get(event.actionId)?.name ?? null, true) };
    },

    /** Catalog actions and locations whose events would reach no target. */
    async coverage(accountId: string): Promise<{ pairs: number; covered: number; gaps: CoverageGap[] }> {
      const snapshot = await catalog.snapshot();
      const { config } = await routingOf(accountId, true);
      const everywhere = [...snapshot.locationCodes];
      const gaps: CoverageGap[] = [];
      let pairs = 0;
      for (const action of [...snapshot.actionsById.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const locations = action.service.locations.size ? [...action.service.locations, GLOBAL_LOCATION] : everywhere;
        for (const location of [...new Set(locations)].sort()) {
          pairs++;
          const unrouted: CoverageGap['unrouted'] = [];
          for (const severity of SEVERITIES) {
            for (const outcome of OUTCOMES) {
              const decision = evaluateRouting(config, { location, action: action.name, catalogAction: action.name, severity, outcome });
              if (!decision.targetIds.length) unrouted.push({ severity, outcome });
            }
          }
          if (unrouted.length) gaps.push({ action: action.name, location, partial: unrouted.length < SEVERITIES.length * OUTCOMES.length, unrouted });
        }
      }
      return { pairs, covered: pairs - gaps.length, gaps };
    },

    drops: (accountId: string) => store.listDrops(accountId),

    /** Adds the drops ingest wrote per batch to the counters (routingDrops reads both); returns the batches added. */
    foldDrops: (): Promise<number> => inChunks(DROP_BATCHES_PER_STATEMENT, () => store.foldDropBatches(DROP_BATCHES_PER_STATEMENT)),

    // ---- deliveries --------------------------------------------------------------------

    async listDeliveries(accountId: string, filter: { statuses?: DeliveryStatus[] | null; targetId?: string | null; eventId?: string | null }, page: { afterId: string | null; limit: number }): Promise<DeliveryRecord[]> {
      checkDeliveryFilter(filter);
      if (page.afterId !== null && !isSerial(page.afterId)) throw new UserInputError({ field: 'after', reason: 'is not a cursor of this list; pass a cursor returned by it' });
      return store.listDeliveries(accountId, filter, page);
    },

    async countDeliveries(accountId: string, filter: { statuses?: DeliveryStatus[] | null; targetId?: string | null; eventId?: string | null }): Promise<number> {
      checkDeliveryFilter(filter);
      return store.countDeliveries(accountId, filter);
    },

    async redeliver(actor: Principal, ids: string[]): Promise<string[]> {
      const { accountId } = actor;
      const issues = new IssueList();
      if (ids.length === 0 || ids.length > 1000) issues.add('input.ids', 'must list 1 to 1000 deliveries');
      ids.forEach((id, i) => {
        if (!isSerial(id)) issues.add(`input.ids[${i}]`, 'is not a delivery id');
      });
      issues.throwIfAny();
      const queued = await store.redeliver(accountId, ids);
      const missing = ids.filter((id) => !queued.includes(id));
      if (missing.length === ids.length) throw new NotFoundError('delivery', missing[0]!);
      listeners.forEach((wake) => wake());
      // Recorded right after (the queue is written with plain SQL, outside Prisma's transaction).
      await write((tx) => audit(tx, { actor, action: 'delivery.redeliver', subject: { id: queued.length === 1 ? queued[0]! : `${queued.length} deliveries`, type: 'delivery' }, request: { ids: queued } }));
      return queued;
    },

    /** Queues the past events a filter selects for a target (a new one, typically). */
    async replayToTarget(actor: Principal, targetId: string, filter: EventFilter | null): Promise<number> {
      const { accountId } = actor;
      const target = await requireTarget(store.prisma, accountId, targetId);
      const { where, params } = await events.filterWhere(accountId, filter);
      const count = await store.countForReplay(where, params, limits.replayMaxEvents);
      if (count > limits.replayMaxEvents) {
        throw new UserInputError({ field: 'input.filter', reason: `selects more than ${limits.replayMaxEvents} events; narrow the time range or the conditions` });
      }
      const queued = await store.replay(accountId, target.id, where, params);
      log.info({ accountId, targetId, queued }, 'replay queued');
      listeners.forEach((wake) => wake());
      await write((tx) => audit(tx, { actor, action: 'delivery.replay', subject: { id: target.id, name: target.name, type: 'target' }, request: { targetId, filter, queued } }));
      return queued;
    },
  };
}

export type RoutingManager = ReturnType<typeof createRoutingManager>;
