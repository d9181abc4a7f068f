// What every resolver receives: the domain managers (created once per gateway, bound to its
// database) and this request's identity and logger.
import type { CatalogManager } from '../catalog/catalog.manager.js';
import type { Logger } from '../logging/logger.js';

export interface Managers {
  catalog: CatalogManager;
}

export interface RequestContext extends Managers {
  requestId: string;
  log: Logger;
}
