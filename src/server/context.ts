// What every resolver receives: the domain managers (created once per gateway, bound to its
// database) and this request's identity and logger.
import type { CatalogLoaders } from '../catalog/catalog.loaders.js';
import type { CatalogManager } from '../catalog/catalog.manager.js';
import type { Logger } from '../logging/logger.js';

export interface Managers {
  catalog: CatalogManager;
}

export interface Loaders {
  catalog: CatalogLoaders;
}

export interface RequestContext extends Managers {
  requestId: string;
  log: Logger;
  /** Per-request DataLoaders (a fresh cache for every request). */
  loaders: Loaders;
}
