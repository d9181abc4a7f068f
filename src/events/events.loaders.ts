// Per-request DataLoaders for the relations of events. Actions and services come from the
// catalog snapshot in memory, so a page of events costs no extra query for them.
import DataLoader from 'dataloader';
import type { CatalogManager } from '../catalog/catalog.manager.js';
import type { Action, Service } from '../catalog/catalog.store.js';

export function createEventsLoaders(catalog: CatalogManager) {
  return {
    actionById: new DataLoader<number, Action | null>(async (ids) => {
      const snapshot = await catalog.snapshot();
      return ids.map((id) => snapshot.actionsById.get(id)?.record ?? null);
    }),
    serviceByPrefix: new DataLoader<string, Service | null>(async (prefixes) => {
      const snapshot = await catalog.snapshot();
      return prefixes.map((p) => snapshot.servicesByPrefix.get(p)?.record ?? null);
    }),
  };
}

export type EventsLoaders = ReturnType<typeof createEventsLoaders>;
