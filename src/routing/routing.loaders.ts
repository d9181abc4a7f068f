// Per-request DataLoaders for routing's relations: rule and delivery targets, delivered events.
import DataLoader from 'dataloader';
import type { EventRecord } from '../events/event.model.js';
import type { EventsManager } from '../events/events.manager.js';
import type { RoutingManager } from './routing.manager.js';
import type { TargetRecord } from './routing.store.js';

export function createRoutingLoaders(routing: RoutingManager, events: EventsManager, accountId: string) {
  return {
    targetById: new DataLoader<string, TargetRecord | null>(async (ids) => {
      const found = new Map((await routing.targetsByIds(ids)).filter((t) => t.accountId === accountId).map((t) => [t.id, t]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    eventById: new DataLoader<string, EventRecord | null>(async (ids) => {
      const found = await events.eventsByIds(accountId, [...ids]);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}

export type RoutingLoaders = ReturnType<typeof createRoutingLoaders>;
