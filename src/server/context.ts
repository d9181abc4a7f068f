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
import type { LogSource } from '../logging/request-log.js';
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
  connection?: SubscriberConnection;
}

/** What a subscription knows of its WebSocket connection. */
export interface SubscriberConnection {
  slowConsumer(notice: string): void;
  /** Bytes sent that the subscriber has not shown it read (its last pong answered a ping sent after them). */
  unread(): number;
  /** Resolves when the subscriber next shows it read (a pong), or after `ms`. */
  read(ms: number): Promise<void>;
}

/** What the HTTP and WebSocket fronts know of a request when they make its context. */
export interface ContextRequest {
  requestId: string;
  logs: LogSource;
  principal: Principal;
  connection?: RequestContext['connection'];
}

/**
 * A request's context; its DataLoaders are made on first use (most requests need none). A
 * class, so that every context shares one shape: an object literal with its own getter got a
 * hidden class of its own per request (the getter is a new closure each time), which V8
 * allocates in old space and which made every property read of a context megamorphic.
 */
class Context {
  readonly catalog: CatalogManager;
  readonly events: EventsManager;
  readonly routing: RoutingManager;
  readonly keys: KeysManager;
  readonly integrity: IntegrityManager;
  readonly tail: TailManager;
  readonly requestId: string;
  readonly principal: Principal;
  readonly connection: RequestContext['connection'];
  /** A plain property, not #private: Apollo runs each operation on a copy of the context (same prototype, own properties copied), which has no private fields. */
  private cachedLoaders: Loaders | undefined = undefined;
  private readonly logs: LogSource;

  constructor(managers: Managers, request: ContextRequest) {
    this.catalog = managers.catalog;
    this.events = managers.events;
    this.routing = managers.routing;
    this.keys = managers.keys;
    this.integrity = managers.integrity;
    this.tail = managers.tail;
    this.requestId = request.requestId;
    this.logs = request.logs;
    this.principal = request.principal;
    this.connection = request.connection;
  }

  /** The request's logger, made when something first logs (see RequestLog). */
  get log(): Logger {
    return this.logs.log;
  }

  get loaders(): Loaders {
    return (this.cachedLoaders ??= {
      catalog: createCatalogLoaders(this.catalog),
      events: createEventsLoaders(this.catalog),
      routing: createRoutingLoaders(this.routing, this.events, this.principal.accountId),
      integrity: createIntegrityLoaders(this.integrity, this.principal.accountId),
    });
  }

  resetLoaders(): void {
    this.cachedLoaders = undefined;
  }
}

export function createRequestContext(managers: Managers, request: ContextRequest): RequestContext {
  return new Context(managers, request);
}
