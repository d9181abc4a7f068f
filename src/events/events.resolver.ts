// Events: record, find, count, aggregate. Thin: arguments in, one manager call, result out.
import type { GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ActionType } from '../catalog/action.type.js';
import { ServiceType } from '../catalog/service.type.js';
import { UserInputError } from '../errors/errors.js';
import type { RequestContext } from '../server/context.js';
import { decodeCursor, encodeCursor } from '../server/relay.js';
import { selectedFields } from '../server/selection.js';
import { EventConnection, EventType, RecordEventPayload, RecordEventsPayload } from './event.type.js';
import { EventFilterInput, EventInputType, EventOrder, StatsDimensionEnum, StatsIntervalEnum } from './event.inputs.js';
import type { EventInput } from './event.model.js';
import { FIELD_COLUMNS, SUBFIELD_COLUMNS, type KeysetCursor } from './events.store.js';
import { EventStatsType, type StatsSource } from './stats.type.js';

/** Per selection: the field's nodes as the compiled plan passes them (the same array on every request). */
const columnsCache = new WeakMap<object, string[]>();

/**
 * The columns a selection of Event fields needs: id and time always (cursors), and for
 * nested objects only the sub-fields asked for. Directives are not looked at (a field
 * under @skip is read anyway), so the answer depends on the document alone.
 */
function columnsFor(info: GraphQLResolveInfo, ...paths: string[][]): string[] {
  const cached = columnsCache.get(info.fieldNodes);
  if (cached) return cached;
  const columns = new Set(['id', 'event_time', 'action_id']);
  for (const field of selectedFields(info, ...paths)) {
    const nested = SUBFIELD_COLUMNS[field];
    if (!nested) {
      for (const c of FIELD_COLUMNS[field] ?? []) columns.add(c);
      continue;
    }
    const subfields = selectedFields(info, ...paths.map((p) => [...p, field]));
    for (const sub of subfields) for (const c of nested[sub] ?? []) columns.add(c);
  }
  const list = [...columns];
  columnsCache.set(info.fieldNodes, list);
  return list;
}

/** Per selection: whether it asks for edges (cursors per event) or only for nodes. */
const edgesCache = new WeakMap<object, boolean>();

function edgesSelected(info: GraphQLResolveInfo): boolean {
  let wanted = edgesCache.get(info.fieldNodes);
  if (wanted === undefined) {
    wanted = selectedFields(info, []).has('edges');
    edgesCache.set(info.fieldNodes, wanted);
  }
  return wanted;
}

const cursorOf = (e: { eventTime: Date; id: string }) => encodeCursor('event', `${e.eventTime.getTime()}:${e.id}`);

function parseCursor(cursor: string | null, field: string): KeysetCursor | null {
  const raw = decodeCursor('event', cursor, field);
  if (raw === null) return null;
  const at = raw.indexOf(':');
  const ms = Number(raw.slice(0, at));
  if (at < 1 || !Number.isSafeInteger(ms)) throw new UserInputError({ field, reason: 'is not a cursor of this list; pass a cursor returned by it' });
  return { eventTime: new Date(ms), id: raw.slice(at + 1) };
}

@Resolver()
export class EventsResolver {
  @Query(() => EventConnection, { description: 'Events matching a filter, newest first by default; at most 500 per page.' })
  async events(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => EventFilterInput, { nullable: true }) filter: EventFilterInput | null,
    @Arg('orderBy', () => EventOrder, { defaultValue: EventOrder.NEWEST_FIRST }) orderBy: EventOrder,
    @Arg('first', () => Int, { nullable: true, description: '1 to 500; default 50.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('last', () => Int, { nullable: true }) last: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
  ): Promise<EventConnection> {
    const accountId = ctx.principal.accountId;
    const page = await ctx.events.listEvents(accountId, {
      filter,
      newestFirst: orderBy === EventOrder.NEWEST_FIRST,
      first,
      after: parseCursor(after, 'after'),
      last,
      before: parseCursor(before, 'before'),
      columns: columnsFor(info, ['edges', 'node'], ['nodes']),
    });
    let counted: Promise<{ count: number; exact: boolean }> | null = null;
    const count = () => (counted ??= ctx.events.countEvents(accountId, page.filter));
    const lastEvent = page.events.at(-1);
    const firstEvent = page.events[0];
    return Object.assign(new EventConnection(), {
      nodes: page.events,
      // A cursor per event only when the client asks for edges (most ask for nodes).
      edges: edgesSelected(info) ? page.events.map((node) => ({ cursor: cursorOf(node), node })) : [],
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: firstEvent ? cursorOf(firstEvent) : null,
        endCursor: lastEvent ? cursorOf(lastEvent) : null,
      },
      count: async () => (await count()).count,
      countIsExact: async () => (await count()).exact,
    });
  }

  @Query(() => EventType, { nullable: true })
  event(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg('id', () => String) id: string): Promise<EventType | null> {
    return ctx.events.getEvent(ctx.principal.accountId, id, columnsFor(info, [])) as Promise<EventType | null>;
  }

  @Query(() => EventStatsType, {
    description:
      'Counts per group and time bucket; exact, from rollups when the grouping and filter allow. Without `filter.from` the range is the last 24 hours for MINUTE, the last 7 days for HOUR and DAY; at most 10,000 buckets.',
  })
  async eventStats(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => EventFilterInput, { nullable: true }) filter: EventFilterInput | null,
    @Arg('groupBy', () => [StatsDimensionEnum], { defaultValue: [] }) groupBy: StatsDimensionEnum[],
    @Arg('interval', () => StatsIntervalEnum, { defaultValue: StatsIntervalEnum.HOUR }) interval: StatsIntervalEnum,
    @Arg('top', () => Int, { nullable: true, description: 'How many groups (by count), 1 to 100; default 10.' }) top: number | null,
  ): Promise<EventStatsType> {
    const result = await ctx.events.eventStats(ctx.principal.accountId, { filter, groupBy, interval, top });
    const keyNames = { SERVICE: 'service', ACTION: 'action', OUTCOME: 'outcome', SEVERITY: 'severity', LOCATION: 'location', INITIATOR: 'initiator', TARGET_TYPE: 'targetType' } as const;
    return {
      ...result,
      interval: result.interval as StatsIntervalEnum,
      groupBy: result.groupBy as StatsDimensionEnum[],
      source: result.source as StatsSource,
      groups: result.groups.map((g) => ({
        ...g,
        key: Object.fromEntries(Object.entries(g.key).map(([d, v]) => [keyNames[d as keyof typeof keyNames], v])),
      })),
    };
  }

  @Mutation(() => RecordEventPayload, { description: 'Records one event. Retrying with the same id and content returns the stored event.' })
  async recordEvent(@Ctx() ctx: RequestContext, @Arg('input', () => EventInputType) input: EventInputType): Promise<RecordEventPayload> {
    const result = await ctx.events.recordEvent(ctx.principal.accountId, input as EventInput);
    return { event: result.events[0]!, created: result.created[0]!, warnings: result.warnings };
  }

  @Mutation(() => RecordEventsPayload, { description: 'Records up to 1000 events, all or nothing; a refused batch lists every bad item with its index.' })
  async recordEvents(@Ctx() ctx: RequestContext, @Arg('inputs', () => [EventInputType]) inputs: EventInputType[]): Promise<RecordEventsPayload> {
    const result = await ctx.events.recordEvents(ctx.principal.accountId, inputs as EventInput[]);
    const createdCount = result.created.filter(Boolean).length;
    return { events: result.events, createdCount, duplicateCount: result.events.length - createdCount, warnings: result.warnings };
  }
}

@Resolver(() => EventType)
export class EventFieldsResolver {
  @FieldResolver(() => ActionType, { name: 'action', description: 'The catalog action (the template, for a concrete name of one).' })
  async catalogAction(@Root() event: EventType, @Ctx() ctx: RequestContext): Promise<ActionType> {
    return (await ctx.loaders.events.actionById.load(event.actionId)) as ActionType;
  }

  @FieldResolver(() => ServiceType, { description: 'The service that emitted the event.' })
  async service(@Root() event: EventType & { servicePrefix: string }, @Ctx() ctx: RequestContext): Promise<ServiceType> {
    return (await ctx.loaders.events.serviceByPrefix.load(event.servicePrefix)) as ServiceType;
  }
}

type Args = Record<string, any>;

/**
 * The events API's busiest fields read their arguments as GraphQL coerced them. type-graphql
 * would first copy every input object into an instance of its input class, which only
 * class-validator needs (the gateway does not use it: the events manager checks every
 * field): for a batch of events about 7 µs of CPU per event and as much garbage as the
 * inputs themselves, for an event filter about 10 µs per request. The schema is unchanged;
 * only these fields' resolve functions are swapped after it is built.
 */
export function withPlainArguments(schema: GraphQLSchema): GraphQLSchema {
  const resolver = new EventsResolver();
  const plain = (type: GraphQLObjectType | null | undefined, name: string, argNames: string[], resolve: (args: Args, ctx: RequestContext, info: GraphQLResolveInfo) => unknown) => {
    const field = type!.getFields()[name]!;
    // The decorated method declares the arguments; a change there must be made here too.
    const declared = field.args.map((a) => a.name).sort().join(', ');
    if (declared !== [...argNames].sort().join(', ')) throw new Error(`${name} takes (${declared}) but withPlainArguments passes (${argNames.join(', ')})`);
    field.resolve = (_root, args, ctx, info) => resolve(args, ctx as RequestContext, info);
  };
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  plain(query, 'events', ['filter', 'orderBy', 'first', 'after', 'last', 'before'], (a, ctx, info) => resolver.events(ctx, info, a.filter, a.orderBy, a.first, a.after, a.last, a.before));
  plain(query, 'eventStats', ['filter', 'groupBy', 'interval', 'top'], (a, ctx) => resolver.eventStats(ctx, a.filter, a.groupBy, a.interval, a.top));
  plain(mutation, 'recordEvent', ['input'], (a, ctx) => resolver.recordEvent(ctx, a.input));
  plain(mutation, 'recordEvents', ['inputs'], (a, ctx) => resolver.recordEvents(ctx, a.inputs));
  return schema;
}
