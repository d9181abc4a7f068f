// Per-request DataLoaders for the catalog's relations, so that a list of actions or
// services costs one query per relation, not one per item.
import DataLoader from 'dataloader';
import type { Action, CatalogManager, Service } from './catalog.manager.js';
import type { ActionFilter } from './catalog.store.js';
import type { LocationRecord } from './locations.data.js';

export function createCatalogLoaders(catalog: CatalogManager) {
  const byId = <K, V>(rows: V[], key: (v: V) => K) => new Map(rows.map((r) => [key(r), r]));
  let locations: Promise<LocationRecord[]> | null = null;
  return {
    serviceById: new DataLoader<number, Service | null>(async (ids) => {
      const found = byId(await catalog.servicesByIds(ids), (s) => s.id);
      return ids.map((id) => found.get(id) ?? null);
    }),
    locationCodesByServiceId: new DataLoader<number, string[]>(async (ids) => {
      const found = await catalog.locationsByServiceIds(ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    actionCountsByServiceId: new DataLoader<number, { total: number; deprecated: number; templates: number }>(async (ids) => {
      const found = await catalog.actionCountsByServiceIds(ids);
      return ids.map((id) => found.get(id) ?? { total: 0, deprecated: 0, templates: 0 });
    }),
    /**
     * The first page of a service's actions; services asked with the same filter and page
     * size are fetched together. Keyed by `<serviceId>` within one (filter, size) group.
     */
    firstActionsOfService: groupedLoader<{ serviceId: number; filter: ActionFilter; limit: number }, Action[]>(
      (k) => JSON.stringify([k.filter, k.limit]),
      async (keys) => {
        const { filter, limit } = keys[0]!;
        const rows = await catalog.listActionsOfServices(filter, keys.map((k) => k.serviceId), limit);
        return keys.map((k) => rows.filter((r) => r.serviceId === k.serviceId));
      },
    ),
    /** Location records for codes, in the canonical order (regional by code, then global). */
    async locations(codes: string[]): Promise<LocationRecord[]> {
      locations ??= catalog.listLocations();
      const wanted = new Set(codes);
      return (await locations).filter((l) => wanted.has(l.code));
    },
  };
}

/** A DataLoader per group of compatible keys (same filter and page size). */
function groupedLoader<K, V>(groupOf: (key: K) => string, batch: (keys: readonly K[]) => Promise<V[]>) {
  const loaders = new Map<string, DataLoader<K, V, K>>();
  return {
    load(key: K): Promise<V> {
      const group = groupOf(key);
      let loader = loaders.get(group);
      if (!loader) loaders.set(group, (loader = new DataLoader<K, V, K>(batch, { cache: false })));
      return loader.load(key);
    },
  };
}

export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;
export type { Action };
