// The database work of one GraphQL operation. Every connection an operation takes from the
// pool is taken in its scope (AsyncLocalStorage follows the operation through its
// resolvers, DataLoaders and Prisma), which gives two guarantees:
//  - an abandoned operation (TIMEOUT) stops its statements: the ones running are cancelled
//    in PostgreSQL (pg_cancel_backend, on a connection of its own, so it never waits for the
//    pool it is freeing) and the ones not started never start;
//  - one account cannot hold the database: at most `perAccount` of its operations hold
//    connections at once (the others wait their turn while other accounts' work goes on),
//    each at most `perOperation` of them (thirty aliases of a heavy query run a few at a
//    time, not on thirty connections). An operation that holds a connection already (a
//    transaction, say) takes more, up to its own limit, without waiting for its account's
//    turn again, so it never waits for itself.
// Work outside an operation (upkeep, deliveries, the live tail's reads) is not scoped.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { ErrorCode } from '../errors/codes.js';
import { GatewayError } from '../errors/errors.js';

export interface WorkLimits {
  /** An account's operations holding connections at once. */
  perAccount: number;
  /** Connections one operation holds at once. */
  perOperation: number;
}

interface WorkScope {
  accountId: string;
  signal: AbortSignal;
  /** Connections the operation holds now, those being taken from the pool, and all asked for and not given yet. */
  clients: Set<pg.PoolClient>;
  taking: number;
  pending: number;
  /** Whether it has its account's turn (taken with its first connection, given back with its last). */
  hasTurn: boolean;
  /** Waiters for one of its own connections to come back. */
  waiting: Waiters;
  watchingAbort: boolean;
}

/** Wake-ups in arrival order; a waiter that gives up leaves the line. */
class Waiters {
  private readonly line: Array<() => void> = [];
  get length(): number {
    return this.line.length;
  }
  /** Resolves when woken or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const at = this.line.indexOf(wake);
        if (at >= 0) this.line.splice(at, 1);
        resolve();
      };
      this.line.push(wake);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
  wakeOne(): void {
    this.line.shift()?.();
  }
}

const scopes = new AsyncLocalStorage<WorkScope>();

/** Runs `fn` as the operation's database work: its connections are counted, limited and cancelled with `signal`. */
export function runInWorkScope<T>(accountId: string, signal: AbortSignal, fn: () => T): T {
  return scopes.run({ accountId, signal, clients: new Set(), taking: 0, pending: 0, hasTurn: false, waiting: new Waiters(), watchingAbort: false }, fn);
}

/**
 * Runs `fn` outside any operation's scope: for work one operation starts and others share
 * (a cache every request reads), which must not wait for that operation's turn, nor be
 * cancelled with it.
 */
export function outsideWorkScope<T>(fn: () => T): T {
  return scopes.exit(fn);
}

function abandoned(): GatewayError {
  return new GatewayError(ErrorCode.TIMEOUT, 'the operation was abandoned before this query ran');
}

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: Error | boolean) => void) => void;

/**
 * A pg pool whose connections, when taken inside a work scope, follow the scope's limits
 * and are cancelled with it. Everything else is pg's pool as it is.
 */
export class ScopedPool extends pg.Pool {
  /** Per account: operations that have their turn, and those waiting for one. */
  private readonly turns = new Map<string, { holders: number; waiting: Waiters }>();
  private limits: WorkLimits = { perAccount: Number.MAX_SAFE_INTEGER, perOperation: Number.MAX_SAFE_INTEGER };
  /** Cancels what a backend runs (null where nothing can: the embedded database's one connection is the busy one). */
  private cancelBackend: ((pid: number) => Promise<unknown>) | null = null;

  configureWork(limits: WorkLimits, cancelBackend: ((pid: number) => Promise<unknown>) | null): void {
    this.limits = limits;
    this.cancelBackend = cancelBackend;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const scope = scopes.getStore();
    if (!scope) return callback ? super.connect(callback) : super.connect();
    const taken = this.connectIn(scope);
    if (!callback) return taken;
    taken.then(
      (client) => callback(undefined, client, (release) => client.release(release)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  private turnsOf(accountId: string) {
    let turns = this.turns.get(accountId);
    if (!turns) this.turns.set(accountId, (turns = { holders: 0, waiting: new Waiters() }));
    return turns;
  }

  private async connectIn(scope: WorkScope): Promise<pg.PoolClient> {
    const turns = this.turnsOf(scope.accountId);
    // Counted as soon as asked for: the requests of one tick see each other.
    scope.pending++;
    let woken = false;
    try {
      // A free turn goes to whoever waits for it first, not to a newcomer.
      while (!scope.hasTurn && (turns.holders >= this.limits.perAccount || (turns.waiting.length > 0 && !woken))) {
        if (scope.signal.aborted) throw abandoned();
        await turns.waiting.wait(scope.signal);
        woken = true;
      }
      if (!scope.hasTurn) {
        scope.hasTurn = true;
        turns.holders++;
      }
      while (scope.clients.size + scope.taking >= this.limits.perOperation) {
        if (scope.signal.aborted) throw abandoned();
        await scope.waiting.wait(scope.signal);
      }
      if (scope.signal.aborted) throw abandoned();
      scope.taking++;
      let client: pg.PoolClient;
      try {
        client = await super.connect();
      } finally {
        scope.taking--;
      }
      if (scope.signal.aborted) {
        client.release();
        throw abandoned();
      }
      scope.clients.add(client);
      this.watchAbort(scope);
      const release = client.release.bind(client);
      client.release = (error?: Error | boolean) => {
        scope.clients.delete(client);
        release(error);
        this.handBack(scope);
      };
      return client;
    } finally {
      scope.pending--;
      if (!scope.clients.size) this.handBack(scope);
    }
  }

  /** A connection of `scope` came back (or was not had): wake one of its waiters, and give its account's turn back when it holds none. */
  private handBack(scope: WorkScope): void {
    scope.waiting.wakeOne();
    if (!scope.hasTurn || scope.clients.size || scope.pending) return;
    scope.hasTurn = false;
    const turns = this.turnsOf(scope.accountId);
    turns.holders--;
    turns.waiting.wakeOne();
    if (turns.holders === 0 && turns.waiting.length === 0) this.turns.delete(scope.accountId);
  }

  /** When the operation is abandoned, the statements its connections run are cancelled. */
  private watchAbort(scope: WorkScope): void {
    if (scope.watchingAbort || !this.cancelBackend) return;
    scope.watchingAbort = true;
    scope.signal.addEventListener(
      'abort',
      () => {
        for (const client of scope.clients) {
          const pid = (client as pg.PoolClient & { processID?: number }).processID;
          if (pid) void this.cancelBackend!(pid).catch(() => undefined);
        }
      },
      { once: true },
    );
  }
}
