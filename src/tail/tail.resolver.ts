// The live tail over graphql-ws. Thin: the manager makes the stream and each item becomes
// a RecordedEvent; a subscriber cut off for being slow is told so by its connection.
import { Arg, Root, Resolver, Subscription, type SubscribeResolverData } from 'type-graphql';
import { EventFilterInput } from '../events/event.inputs.js';
import type { EventFilter } from '../events/event-filter.js';
import type { EventType } from '../events/event.type.js';
import type { RequestContext } from '../server/context.js';
import type { TailItem } from './tail.manager.js';
import { RecordedEventType } from './tail.types.js';

function subscribe({ args, context }: SubscribeResolverData<unknown, { filter?: EventFilter | null; after?: string | null }, RequestContext>) {
  const ctx = context;
  return ctx.tail.subscribe(ctx.principal, args.filter, args.after, {
    beforeEach: () => ctx.resetLoaders(),
    cutOff: (notice) => ctx.connection?.slowConsumer(notice),
    connection: ctx.connection,
  });
}

@Resolver()
export class TailResolver {
  @Subscription(() => RecordedEventType, {
    subscribe,
    description:
      'Events of the account as they are recorded, matching the same filter as `events`, in the order they were stored. ' +
      'With `after` (a cursor it sent), it first sends every matching event recorded since, then the live ones: no gaps, no repeats.',
  })
  eventRecorded(
    @Root() item: TailItem,
    @Arg('filter', () => EventFilterInput, { nullable: true }) _filter: EventFilterInput | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor.' }) _after: string | null,
  ): RecordedEventType {
    return { cursor: item.cursor, event: item.event as unknown as EventType };
  }
}
