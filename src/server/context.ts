// What every resolver receives: the domain managers (created once per gateway, bound to its
// database) and this request's identity and logger.
import { createCatalogLoaders, type CatalogLoaders } from '../catalog/catalog.loaders.js';
import type { CatalogManager } from '../catalog/catalog.manager.js';
import type { Principal } from '../auth/principal.js';
import { createEventsLoaders, type EventsLoaders } from '../events/events.loaders.js';
import type { EventsManager } from '../events/events.manager.js';
import { createRoutingLoaders, type RoutingLoaders } from '../routing/routing.loaders.js';
import type { RoutingManager } from '../routing/routing.manager.js';
import type { KeysManager } from '../auth/keys.manager.js';
import { createIntegrityLoaders, type IntegrityLoaders } from '../integrity/integrity.loaders.js';
import type { IntegrityManager } from '../integrity/integrity.manager.js';
import type { Logger } from '../logging/logger.js';
import type { TailManager } from '../tail/tail.manager.js';

export interface Managers {
  catalog: CatalogManager;
  events: EventsManager;
  routing: RoutingManager;
  keys: KeysManager;
  integrity: IntegrityManager;
  tail: TailManager;
}

export interface Loaders {
  catalog: CatalogLoaders;
  events: EventsLoaders;
  routing: RoutingLoaders;
  integrity: IntegrityLoaders;
}

export interface RequestContext extends Managers {
  requestId: string;
  log: Logger;
  /** The account and role the request acts for (role null: no key; see auth/access.ts). */
  principal: Principal;
  /** Per-request DataLoaders (a fresh cache for every request). */
  loaders: Loaders;
  /** Drops the DataLoaders' caches: a subscription does it before each event it sends. */
  resetLoaders(): void;
  /** The WebSocket connection a subscription runs on. */
  connection?: { slowConsumer(notice: string): void };
}

/** A request's context; its DataLoaders are made on first use (most requests need none). */
export function createRequestContext(
  managers: Managers,
  request: { requestId: string; log: Logger; principal: Principal; connection?: RequestContext['connection'] },
): RequestContext {
  let loaders: Loaders | undefined;
  return {
    ...managers,
    ...request,
    get loaders(): Loaders {
      return (loaders ??= {
        catalog: createCatalogLoaders(managers.catalog),
        events: createEventsLoaders(managers.catalog),
        routing: createRoutingLoaders(managers.routing, managers.events, request.principal.accountId),
        integrity: createIntegrityLoaders(managers.integrity, request.principal.accountId),
      });
    },
    resetLoaders() {
      loaders = undefined;
    },
  };
}
