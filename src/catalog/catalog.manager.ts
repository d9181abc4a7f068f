// The catalog's domain layer. Every rule about services, actions and locations lives here;
// the GraphQL API, the importer and the command-line tools all go through it. A check and
// the write it guards run in one transaction, with unique keys and foreign keys as the
// backstop for races.
import { ConflictError, IssueList, NotFoundError, UserInputError } from '../errors/errors.js';
import { classifyDatabaseError, conflictOnRace } from '../errors/database-errors.js';
import type { Logger } from '../logging/logger.js';
import type { AuditRecorder } from '../audit/audit-trail.js';
import { GATEWAY_SERVICE_PREFIX, GATEWAY_SOURCE } from '../audit/gateway-service.js';
import type { Principal } from '../auth/principal.js';
import { createCatalogCache, type CatalogSnapshot } from './catalog.cache.js';
import { findNameClashes, takenExpansions } from './catalog.clashes.js';
import { createCatalogImport, type ImportSummary } from './catalog.import.js';
import type { ParsedDocument } from './importer/parse-document.js';
import type { Action, ActionFilter, CatalogStore, Db, KeysetPage, NewAction, Service, ServiceFilter } from './catalog.store.js';
import { GLOBAL_LOCATION, KNOWN_LOCATIONS, type LocationRecord } from './locations.data.js';
import { MAX_DESCRIPTION, MAX_DISPLAY_NAME, MAX_GROUP, checkActionFields, checkHttp, checkText, templateValuesProblem } from './catalog.rules.js';
import {
  globProblem,
  matchTemplate,
  nameShapeProblem,
  prefixProblem,
  splitName,
} from './naming.js';

export type { Action, Service };

export const MAX_PAGE_SIZE = 500;
export const MAX_ACTIONS_PER_BATCH = 500;

export interface CreateServiceInput {
  prefix: string;
  displayName: string;
  description?: string | null;
  locations?: string[] | null;
}

export interface ServicePatch {
  displayName?: string | null;
  description?: string | null;
}

export interface ActionDefinition {
  name: string;
  service?: string | null;
  description?: string | null;
  group?: string | null;
  httpMethod?: string | null;
  httpPath?: string | null;
  templateValues?: string[] | null;
  deprecated?: boolean | null;
}

export interface ActionPatch {
  description?: string | null;
  group?: string | null;
  httpMethod?: string | null;
  httpPath?: string | null;
  templateValues?: string[] | null;
}

/** An action found by name; for a concrete name of a template, the variable's value. */
export interface ActionMatch {
  name: string;
  action: Action;
  templateValue: string | null;
}

export interface CatalogManagerDeps {
  store: CatalogStore;
  log: Logger;
  /** Records each change in the gateway's audit trail, in the change's transaction. */
  audit: AuditRecorder;
  /** Called after every write transaction (the audit trail moves its records then). */
  onWrite?: () => Promise<unknown>;
}

export function createCatalogManager({ store, log, audit, onWrite }: CatalogManagerDeps) {
  const cache = createCatalogCache(store);
  // Every write goes through here, so the in-memory snapshot never outlives a change.
  const writeStore: CatalogStore = {
    ...store,
    transaction: async (fn) => {
      try {
        return await store.transaction(fn);
      } finally {
        cache.invalidate();
        await onWrite?.();
      }
    },
  };
  const importer = createCatalogImport(writeStore);

  /** Imports a page; a unique-key race lost to another process starting at once is tried again. */
  async function applyRacing(document: ParsedDocument): Promise<ImportSummary> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await importer.apply(document, false);
      } catch (error) {
        if (attempt >= 3 || classifyDatabaseError(error)?.kind !== 'unique') throw error;
      }
    }
  }

  /** The gateway's own service is built in: its audit trail depends on it. */
  function refuseBuiltIn(prefixOrName: string) {
    if (prefixOrName === GATEWAY_SERVICE_PREFIX || prefixOrName.startsWith(`${GATEWAY_SERVICE_PREFIX}.`)) {
      throw new ConflictError(`"${prefixOrName}" belongs to the gateway's built-in service ${GATEWAY_SERVICE_PREFIX}, which records the gateway's own changes; it cannot be changed`);
    }
  }

  // ---- shared checks ------------------------------------------------------------------

  function checkTemplateValues(issues: IssueList, field: string, variable: string | null, values: string[] | null | undefined, index?: number) {
    const problem = templateValuesProblem(variable, values ?? []);
    if (problem) issues.add(field, problem, index);
  }

  async function checkLocationCodes(db: Db, issues: IssueList, field: string, codes: string[]) {
    const known = await store.locationCodes(db);
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length) {
      issues.add(field, `unknown location ${unknown.map((c) => `"${c}"`).join(', ')}; use known codes (${[...known].sort().join(', ')}) or "${GLOBAL_LOCATION}"`);
    }
  }

  function requireService(service: Service | null, prefix: string): Service {
    if (!service) throw new NotFoundError('service', prefix);
    return service;
  }

  /** Maps a unique-key race lost to a concurrent writer into the CONFLICT it is. */
  function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return conflictOnRace(what, fn, 'is referenced by another record that changed concurrently; retry');
  }


  /** Finds an action by its exact name or as a concrete name of a template action. */
  async function resolveAction(name: string, db: Db = store.prisma): Promise<ActionMatch | null> {
    const exact = await store.findAction(name, db);
    if (exact) return { name, action: exact, templateValue: null };
    for (const template of await store.templateCandidates(name, db)) {
      const value = matchTemplate(template.name, template.templateVariable!, name);
      if (value !== null && template.templateValues.includes(value)) return { name, action: template, templateValue: value };
    }
    return null;
  }

  /**
   * Validates a batch of definitions against the services; returns the rows to insert.
   * Every problem is reported with its item index.
   */
  function validateDefinitions(items: ActionDefinition[], services: Service[]): NewAction[] {
    const issues = new IssueList();
    if (items.length === 0) issues.add('actions', 'must contain at least one action');
    if (items.length > MAX_ACTIONS_PER_BATCH) issues.add('actions', `must contain at most ${MAX_ACTIONS_PER_BATCH} actions`);
    issues.throwIfAny();
    const byPrefix = new Map(services.map((s) => [s.prefix, s]));
    const firstIndex = new Map<string, number>();
    const rows: NewAction[] = [];
    items.forEach((item, index) => {
      const at = `actions[${index}].`;
      const shape = nameShapeProblem(item.name);
      if (shape) return issues.add(`${at}name`, shape, index);
      const parts = splitName(item.name, byPrefix.keys());
      if (!parts) {
        return issues.add(`${at}name`, `no service owns a prefix of "${item.name}"; create the service first`, index);
      }
      if (item.service && item.service !== parts.prefix) {
        issues.add(`${at}service`, `is "${item.service}" but "${item.name}" belongs to service "${parts.prefix}" (longest matching prefix)`, index);
      }
      const earlier = firstIndex.get(item.name);
      if (earlier !== undefined) issues.add(`${at}name`, `"${item.name}" appears twice in this batch (also item ${earlier})`, index);
      else firstIndex.set(item.name, index);
      checkActionFields(issues, at, { ...item, templateVariable: parts.templateVariable }, index);
      rows.push({
        name: item.name,
        serviceId: byPrefix.get(parts.prefix)!.id,
        objectType: parts.objectType,
        verb: parts.verb,
        extraSegments: parts.extraSegments,
        templateVariable: parts.templateVariable,
        templateValues: item.templateValues ?? [],
        description: item.description ?? null,
        groupName: item.group ?? null,
        httpMethod: item.httpMethod ?? null,
        httpPath: item.httpPath ?? null,
        deprecated: item.deprecated ?? false,
        sourceDocument: null,
      });
    });
    issues.throwIfAny();
    return rows;
  }

  return {
    resolveAction,

    // ---- reads --------------------------------------------------------------------------

    /** The in-memory catalog for hot paths (at most a few seconds old across processes). */
    snapshot(): Promise<CatalogSnapshot> {
      return cache.get();
    },

    /** A snapshot that has seen `names` if they exist (reloads once when one is unknown). */
    snapshotKnowing(names: Iterable<string>): Promise<CatalogSnapshot> {
      return cache.knowing(names);
    },

    listLocations(): Promise<LocationRecord[]> {
      return store.listLocations();
    },

    getService(prefix: string): Promise<Service | null> {
      return store.findService(prefix);
    },

    servicesByIds: store.servicesByIds,
    locationsByServiceIds: store.locationsByServiceIds,
    actionCountsByServiceIds: store.actionCountsByServiceIds,

    listServices(filter: ServiceFilter, page: KeysetPage): Promise<Service[]> {
      return store.listServices(filter, { ...page, limit: Math.min(page.limit, MAX_PAGE_SIZE + 1) });
    },

    countServices(filter: ServiceFilter): Promise<number> {
      return store.countMatchingServices(filter);
    },

    listActions(filter: ActionFilter, page: KeysetPage): Promise<Action[]> {
      if (filter.pattern) {
        const problem = globProblem(filter.pattern);
        if (problem) throw new UserInputError({ field: 'filter.pattern', reason: problem });
      }
      return store.listActions(filter, { ...page, limit: Math.min(page.limit, MAX_PAGE_SIZE + 1) });
    },

    /** First pages of several services' actions at once (for lists of services). */
    listActionsOfServices(filter: ActionFilter, serviceIds: number[], limit: number): Promise<Action[]> {
      if (filter.pattern) {
        const problem = globProblem(filter.pattern);
        if (problem) throw new UserInputError({ field: 'filter.pattern', reason: problem });
      }
      return store.listActionsOfServices(filter, serviceIds, Math.min(limit, MAX_PAGE_SIZE + 1));
    },

    countActions(filter: ActionFilter): Promise<number> {
      return store.countMatchingActions(filter);
    },

    // ---- services -----------------------------------------------------------------------

    async createService(actor: Principal, input: CreateServiceInput): Promise<Service> {
      const issues = new IssueList();
      const problem = prefixProblem(input.prefix);
      if (problem) issues.add('input.prefix', problem);
      checkText(issues, 'input.displayName', input.displayName, MAX_DISPLAY_NAME, undefined, true);
      checkText(issues, 'input.description', input.description, MAX_DESCRIPTION);
      issues.throwIfAny();
      const locations = [...new Set(input.locations ?? [])];
      return guard(`service "${input.prefix}"`, () =>
        writeStore.transaction(async (tx) => {
          await checkLocationCodes(tx, issues, 'input.locations', locations);
          issues.throwIfAny();
          if (await store.findService(input.prefix, tx)) throw new ConflictError(`service "${input.prefix}" already exists`, { field: 'input.prefix' });
          const service = await store.createService(tx, {
            prefix: input.prefix,
            displayName: input.displayName.trim(),
            description: input.description ?? null,
            sourceDocument: null,
          });
          await store.replaceServiceLocations(tx, service.id, locations);
          await audit(tx, { actor, action: 'service.create', subject: { id: service.prefix, name: service.displayName, type: 'service' }, request: input });
          return service;
        }),
      );
    },

    async updateService(actor: Principal, prefix: string, patch: ServicePatch): Promise<Service> {
      refuseBuiltIn(prefix);
      const issues = new IssueList();
      if (patch.displayName !== undefined) checkText(issues, 'input.patch.displayName', patch.displayName, MAX_DISPLAY_NAME, undefined, true);
      checkText(issues, 'input.patch.description', patch.description, MAX_DESCRIPTION);
      issues.throwIfAny();
      return writeStore.transaction(async (tx) => {
        const service = requireService(await store.findService(prefix, tx), prefix);
        const updated = await store.updateService(tx, service.id, {
          ...(patch.displayName ? { displayName: patch.displayName.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
        });
        await audit(tx, { actor, action: 'service.update', subject: { id: prefix, name: updated.displayName, type: 'service' }, request: { prefix, patch } });
        return updated;
      });
    },

    async deleteService(actor: Principal, prefix: string): Promise<Service> {
      refuseBuiltIn(prefix);
      return guard(`service "${prefix}"`, () =>
        writeStore.transaction(async (tx) => {
          const service = requireService(await store.findService(prefix, tx), prefix);
          const count = await store.countActionsOfService(tx, service.id);
          if (count > 0) {
            throw new ConflictError(`service "${prefix}" has ${count} action${count === 1 ? '' : 's'}; delete them first`, { actionCount: count });
          }
          const deleted = await store.deleteService(tx, service.id);
          await audit(tx, { actor, action: 'service.delete', subject: { id: prefix, name: service.displayName, type: 'service' }, request: { prefix } });
          return deleted;
        }),
      );
    },

    async setServiceLocations(actor: Principal, prefix: string, codes: string[]): Promise<Service> {
      refuseBuiltIn(prefix);
      const locations = [...new Set(codes)];
      return writeStore.transaction(async (tx) => {
        const issues = new IssueList();
        await checkLocationCodes(tx, issues, 'input.locations', locations);
        issues.throwIfAny();
        const service = requireService(await store.findService(prefix, tx), prefix);
        await store.replaceServiceLocations(tx, service.id, locations);
        await audit(tx, { actor, action: 'service-locations.update', subject: { id: prefix, name: service.displayName, type: 'service' }, request: { prefix, locations } });
        return store.updateService(tx, service.id, {});
      });
    },

    // ---- actions ------------------------------------------------------------------------

    async defineActions(actor: Principal, items: ActionDefinition[]): Promise<Action[]> {
      for (const item of items) refuseBuiltIn(item.service ?? item.name);
      return guard('an action of this batch', () =>
        writeStore.transaction(async (tx) => {
          const rows = validateDefinitions(items, await store.allServices(tx));
          const clashes = (await findNameClashes(store, tx, rows)).map((c) => ({ ...c, field: `actions[${c.index}].${c.field}` }));
          if (clashes.length) {
            throw new ConflictError(
              clashes.length === 1 ? `item ${clashes[0]!.index}: ${clashes[0]!.reason}` : `${clashes.length} actions clash with the catalog; first: item ${clashes[0]!.index}: ${clashes[0]!.reason}`,
              { field: clashes[0]!.field, issues: clashes },
            );
          }
          await store.createActions(tx, rows);
          const created = await store.findActionsByNames(tx, rows.map((r) => r.name));
          const order = new Map(rows.map((r, i) => [r.name, i]));
          const services = [...new Set(rows.map((r) => r.name.split('.').slice(0, -2).join('.') || r.name))];
          await audit(tx, {
            actor,
            action: 'action.create',
            subject: { id: rows.length === 1 ? rows[0]!.name : `${rows.length} actions`, name: services.join(', ').slice(0, 256), type: 'action' },
            request: { actions: items },
          });
          return created.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
        }),
      );
    },

    async updateAction(actor: Principal, name: string, patch: ActionPatch): Promise<Action> {
      refuseBuiltIn(name);
      const issues = new IssueList();
      checkText(issues, 'input.patch.description', patch.description, MAX_DESCRIPTION);
      checkText(issues, 'input.patch.group', patch.group, MAX_GROUP);
      checkHttp(issues, 'input.patch.', patch.httpMethod, patch.httpPath);
      issues.throwIfAny();
      return writeStore.transaction(async (tx) => {
        const action = await store.findAction(name, tx);
        if (!action) throw new NotFoundError('action', name);
        if (patch.templateValues !== undefined && patch.templateValues !== null) {
          checkTemplateValues(issues, 'input.patch.templateValues', action.templateVariable, patch.templateValues);
          issues.throwIfAny();
          const taken = await takenExpansions(store, tx, action.name, action.templateVariable!, patch.templateValues.filter((v) => !action.templateValues.includes(v)));
          if (taken.length) {
            throw new ConflictError(`would rename existing action(s) ${taken.map((n) => `"${n}"`).join(', ')}`, { field: 'input.patch.templateValues' });
          }
        }
        await audit(tx, { actor, action: 'action.update', subject: { id: action.name, type: 'action' }, request: { name, patch } });
        return store.updateAction(tx, action.id, {
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.group !== undefined ? { groupName: patch.group } : {}),
          ...(patch.httpMethod !== undefined ? { httpMethod: patch.httpMethod } : {}),
          ...(patch.httpPath !== undefined ? { httpPath: patch.httpPath } : {}),
          ...(patch.templateValues !== undefined && patch.templateValues !== null ? { templateValues: patch.templateValues } : {}),
        });
      });
    },

    async deprecateAction(actor: Principal, name: string, deprecated: boolean): Promise<Action> {
      refuseBuiltIn(name);
      return writeStore.transaction(async (tx) => {
        const action = await store.findAction(name, tx);
        if (!action) throw new NotFoundError('action', name);
        await audit(tx, { actor, action: 'action.deprecate', subject: { id: action.name, type: 'action' }, request: { name, deprecated } });
        return store.updateAction(tx, action.id, { deprecated });
      });
    },

    async deleteAction(actor: Principal, name: string): Promise<Action> {
      refuseBuiltIn(name);
      return guard(`action "${name}"`, () =>
        writeStore.transaction(async (tx) => {
          const action = await store.findAction(name, tx);
          if (!action) throw new NotFoundError('action', name);
          if (await store.actionHasEvents(tx, action.id)) {
            throw new ConflictError(`action "${name}" has recorded events and cannot be deleted; deprecate it instead`);
          }
          await audit(tx, { actor, action: 'action.delete', subject: { id: action.name, type: 'action' }, request: { name } });
          return store.deleteAction(tx, action.id);
        }),
      );
    },

    // ---- import -----------------------------------------------------------------------

    /** Parses and imports one page in one transaction (or only reports, with dryRun). */
    async importDocument(actor: Principal, text: string, source: string, dryRun = false): Promise<ImportSummary> {
      return importer.apply(await importer.parse(text, source), dryRun, async (tx, summary) => {
        await audit(tx, {
          actor,
          action: 'catalog.import',
          subject: { id: source.slice(0, 256), name: summary.document.title, type: 'catalog' },
          request: {
            source,
            services: { added: summary.services.added, updated: summary.services.updated },
            actions: { added: summary.actions.added, updated: summary.actions.updated },
            unchanged: summary.actions.unchanged.length,
          },
        });
      });
    },

    /** Imports pages already parsed (the catalog shipped with the gateway). */
    applyDocument(document: ParsedDocument, dryRun = false): Promise<ImportSummary> {
      return importer.apply(document, dryRun);
    },

    // ---- reference data -----------------------------------------------------------------

    /** Reference data every database needs; idempotent, run at each start. */
    async ensureReferenceData(): Promise<void> {
      await store.upsertLocations(KNOWN_LOCATIONS);
    },

    /**
     * Loads the shipped catalog into a database that has no services yet. Several gateway
     * processes may start at once on an empty database: a page whose import loses that race
     * (a unique key) is imported again, and the second time finds its rows.
     */
    async seedIfEmpty(documents: ParsedDocument[]): Promise<number> {
      // The built-in service (ensured by every tool) does not make the catalog non-empty.
      if ((await store.countServicesNotFrom(GATEWAY_SOURCE)) > 0) return 0;
      let actions = 0;
      for (const document of documents) actions += (await applyRacing(document)).actions.added.length;
      log.info({ actions, documents: documents.length }, `catalog: loaded ${actions} actions from ${documents.length} shipped pages`);
      return actions;
    },

    /** A built-in service (the gateway's own): added, or brought up to date, at each start. */
    async ensureBuiltIn(document: ParsedDocument): Promise<void> {
      const summary = await applyRacing(document);
      if (summary.actions.added.length) log.info({ servicePrefix: document.services[0]?.prefix, actions: summary.actions.added.length }, 'catalog: built-in service added');
    },

  };
}

export type CatalogManager = ReturnType<typeof createCatalogManager>;
