// Relay cursor connections: opaque cursors, PageInfo, and a connection type per node type.
// totalCount is a method field, so it costs a query only when a client asks for it.
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { UserInputError } from '../errors/errors.js';

@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: PageInfo;
  count: () => Promise<number>;
  /** Whether `count` is exact; lists whose counts are always exact leave it out. */
  countIsExact?: () => Promise<boolean>;
}

export function ConnectionType<T extends object>(name: string, nodeType: ClassType<T>, description?: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description })
  class Connection implements ConnectionShape<T> {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [nodeType], { description: 'The nodes of `edges`, for clients that need no cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    count!: () => Promise<number>;
    countIsExact?: () => Promise<boolean>;

    @Field(() => Int, { description: 'How many items match the filter (computed only when requested).' })
    totalCount(): Promise<number> {
      return this.count();
    }

    @Field(() => Boolean, { description: 'false when totalCount is an estimate (a count beyond the exact-count cap).' })
    async totalCountIsExact(): Promise<boolean> {
      return this.countIsExact ? this.countIsExact() : true;
    }
  }
  return Connection;
}

/** Cursors are opaque to clients: base64url of `<list>:<key>`. */
export function encodeCursor(list: string, key: string): string {
  return Buffer.from(`${list}:${key}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of `list`; a cursor of another list, or garbage, is BAD_USER_INPUT. */
export function decodeCursor(list: string, cursor: string | null | undefined, field = 'after'): string | null {
  if (cursor === null || cursor === undefined) return null;
  const text = /^[A-Za-z0-9_-]{1,2000}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith(`${list}:`)) throw new UserInputError({ field, reason: `is not a cursor of this list; pass a cursor returned by it` });
  return text.slice(list.length + 1);
}

export const DEFAULT_PAGE_SIZE = 50;

/** Checks `first` (1 to max) and returns it. */
export function pageSize(first: number | null | undefined, max: number, field = 'first'): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > max) throw new UserInputError({ field, reason: `must be between 1 and ${max}` });
  return size;
}

/**
 * Builds a connection from `rows` fetched with limit `size + 1` (the extra row only says
 * there is a next page).
 */
export function buildConnection<T, C extends ConnectionShape<T>>(
  type: ClassType<C>,
  rows: T[],
  size: number,
  cursorOf: (row: T) => string,
  hadCursor: boolean,
  count: () => Promise<number>,
): C {
  const nodes = rows.slice(0, size);
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return Object.assign(new type(), {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count,
  });
}

export interface PageRequest<T> {
  /** The list's name inside its cursors (a cursor of another list is refused). */
  list: string;
  first: number | null | undefined;
  after: string | null | undefined;
  max: number;
  /** The sort key of a row, put in its cursor. */
  keyOf: (row: T) => string;
  /** Rows after `after` (exclusive), at most `limit`. */
  fetch: (after: string | null, limit: number) => Promise<T[]>;
  count: () => Promise<number>;
}

/** Checks the arguments, fetches one row more than asked, and builds the connection. */
export async function paginate<T, C extends ConnectionShape<T>>(type: ClassType<C>, request: PageRequest<T>): Promise<C> {
  const size = pageSize(request.first, request.max);
  const key = decodeCursor(request.list, request.after);
  const rows = await request.fetch(key, size + 1);
  return buildConnection(type, rows, size, (row) => encodeCursor(request.list, request.keyOf(row)), key !== null, request.count);
}
