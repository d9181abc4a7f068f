// The catalog's domain layer: every rule about services, actions and locations lives here,
// and GraphQL, the importer and the CLI all go through it.
import type { Logger } from '../logging/logger.js';
import type { CatalogStore } from './catalog.store.js';
import { KNOWN_LOCATIONS, type LocationRecord } from './locations.data.js';

export interface CatalogManagerDeps {
  store: CatalogStore;
  log: Logger;
}

export function createCatalogManager({ store }: CatalogManagerDeps) {
  return {
    listLocations(): Promise<LocationRecord[]> {
      return store.listLocations();
    },

    /** Reference data every database needs; idempotent, run at each start. */
    async ensureReferenceData(): Promise<void> {
      await store.upsertLocations(KNOWN_LOCATIONS);
    },
  };
}

export type CatalogManager = ReturnType<typeof createCatalogManager>;
