// An in-memory snapshot of the catalog for the hot paths: checking the action of every
// ingested event, turning action and service filters into action ids, resolving
// Event.action. The catalog manager invalidates it on every write in this process; other
// processes see changes within `maxAgeMs`, and an unknown name forces a reload at once.
import { distance } from 'fastest-levenshtein';
import { outsideWorkScope } from '../database/work-scope.js';
import type { Action, CatalogStore, Service } from './catalog.store.js';
import { matchTemplate, MAX_NAME_LENGTH, splitName } from './naming.js';

/** Hints (closestNames) are searched only while a batch or filter has fewer problems than this: each search costs an edit distance per catalog name. */
export const HINTED_ISSUES = 20;

export interface ServiceInfo {
  id: number;
  prefix: string;
  displayName: string;
  /** Where the service generates events; empty: it does not say. */
  locations: ReadonlySet<string>;
  record: Service;
}

export interface ActionInfo {
  id: number;
  name: string;
  service: ServiceInfo;
  objectType: string;
  verb: string;
  templateVariable: string | null;
  templateValues: readonly string[];
  description: string | null;
  deprecated: boolean;
  record: Action;
}

export interface ResolvedAction {
  action: ActionInfo;
  /** The template variable's value when `name` is a concrete name of a template. */
  templateValue: string | null;
  /** The object type of this concrete name (the value, for `<variable>` object types). */
  objectType: string;
}

/** An action as loaded, before it is linked to its service. */
export type ActionRow = Omit<ActionInfo, 'service'> & { serviceId: number };

export class CatalogSnapshot {
  readonly actionsById = new Map<number, ActionInfo>();
  readonly actionsByName = new Map<string, ActionInfo>();
  readonly servicesByPrefix = new Map<string, ServiceInfo>();
  readonly servicesById = new Map<number, ServiceInfo>();
  readonly locationCodes: ReadonlySet<string>;
  private readonly templatesByService = new Map<number, ActionInfo[]>();
  private readonly resolved = new Map<string, ResolvedAction | null>();
  private concreteNames: string[] | null = null;

  constructor(services: ServiceInfo[], actions: ActionRow[], locationCodes: Iterable<string>) {
    for (const s of services) {
      this.servicesByPrefix.set(s.prefix, s);
      this.servicesById.set(s.id, s);
    }
    for (const raw of actions) {
      const { serviceId, ...rest } = raw;
      const action: ActionInfo = { ...rest, service: this.servicesById.get(serviceId)! };
      this.actionsById.set(action.id, action);
      this.actionsByName.set(action.name, action);
      if (action.templateVariable) {
        const list = this.templatesByService.get(serviceId) ?? [];
        list.push(action);
        this.templatesByService.set(serviceId, list);
      }
    }
    this.locationCodes = new Set(locationCodes);
  }

  /** An exact name, or a concrete name of a template action; null when unknown (or longer than a name may be). */
  resolve(name: string): ResolvedAction | null {
    if (name.length > MAX_NAME_LENGTH) return null;
    const cached = this.resolved.get(name);
    if (cached !== undefined) return cached;
    let result: ResolvedAction | null = null;
    const exact = this.actionsByName.get(name);
    if (exact) result = { action: exact, templateValue: null, objectType: exact.objectType };
    else {
      const parts = splitName(name, this.servicesByPrefix.keys());
      const service = parts ? this.servicesByPrefix.get(parts.prefix) : undefined;
      for (const template of (service && this.templatesByService.get(service.id)) || []) {
        const value = matchTemplate(template.name, template.templateVariable!, name);
        if (value !== null && template.templateValues.includes(value)) {
          const objectType = template.objectType === `<${template.templateVariable}>` ? value : template.objectType;
          result = { action: template, templateValue: value, objectType };
          break;
        }
      }
    }
    if (this.resolved.size < 100_000) this.resolved.set(name, result);
    return result;
  }

  /**
   * Up to `count` known names closest to an unknown one (for hints in errors). Bounded work:
   * nothing for a name longer than any action name may be, and the edit distance only to
   * names whose length is within reach (it costs the product of the two lengths).
   */
  closestNames(name: string, count = 3): string[] {
    if (name.length > MAX_NAME_LENGTH) return [];
    const limit = Math.max(3, Math.floor(name.length / 3));
    this.concreteNames ??= [...this.actionsById.values()].flatMap((a) =>
      a.templateVariable ? a.templateValues.map((v) => a.name.replace(`<${a.templateVariable}>`, v)) : [a.name],
    );
    return this.concreteNames
      .filter((known) => Math.abs(known.length - name.length) <= limit)
      .map((known) => ({ known, d: distance(name, known) }))
      .filter((c) => c.d <= limit)
      .sort((a, b) => a.d - b.d || a.known.localeCompare(b.known))
      .slice(0, count)
      .map((c) => c.known);
  }

  /** Ids of actions whose name (or, for templates, one of whose names) matches a glob. */
  actionIdsMatching(test: (name: string) => boolean): number[] {
    const ids: number[] = [];
    for (const action of this.actionsById.values()) {
      if (test(action.name)) ids.push(action.id);
      else if (action.templateVariable && action.templateValues.some((v) => test(action.name.replace(`<${action.templateVariable}>`, v)))) ids.push(action.id);
    }
    return ids;
  }
}

export function createCatalogCache(store: CatalogStore, maxAgeMs = 5_000) {
  let current: { snapshot: CatalogSnapshot; loadedAt: number } | null = null;
  let loading: Promise<CatalogSnapshot> | null = null;

  async function load(): Promise<CatalogSnapshot> {
    const [services, actions, locations, locationCodes] = await Promise.all([
      store.allServices(),
      store.prisma.action.findMany(),
      store.prisma.serviceLocation.findMany(),
      store.locationCodes(),
    ]);
    const byService = new Map<number, Set<string>>();
    for (const l of locations) byService.set(l.serviceId, (byService.get(l.serviceId) ?? new Set()).add(l.locationCode));
    const snapshot = new CatalogSnapshot(
      services.map((s) => ({ id: s.id, prefix: s.prefix, displayName: s.displayName, locations: byService.get(s.id) ?? new Set(), record: s })),
      actions.map((a) => ({
        id: a.id,
        serviceId: a.serviceId,
        name: a.name,
        objectType: a.objectType,
        verb: a.verb,
        templateVariable: a.templateVariable,
        templateValues: a.templateValues,
        description: a.description,
        deprecated: a.deprecated,
        record: a,
      })),
      locationCodes,
    );
    current = { snapshot, loadedAt: Date.now() };
    return snapshot;
  }

  function reload(): Promise<CatalogSnapshot> {
    // Shared by every request that needs it meanwhile: loaded outside the asking one's database work.
    loading ??= outsideWorkScope(load).finally(() => {
      loading = null;
    });
    return loading;
  }

  return {
    /** The current snapshot, reloaded when older than `maxAgeMs`. */
    async get(): Promise<CatalogSnapshot> {
      if (current && Date.now() - current.loadedAt < maxAgeMs) return current.snapshot;
      return reload();
    },
    /** A snapshot that knows `names`, reloading once if one is unknown to the current one. */
    async knowing(names: Iterable<string>): Promise<CatalogSnapshot> {
      const snapshot = await this.get();
      for (const name of names) {
        if (!snapshot.resolve(name) && current && Date.now() - current.loadedAt > 200) return reload();
      }
      return snapshot;
    },
    invalidate(): void {
      current = null;
    },
  };
}

export type CatalogCache = ReturnType<typeof createCatalogCache>;
