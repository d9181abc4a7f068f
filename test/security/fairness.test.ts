// Fair sharing: an abandoned operation cancels its statements and starts no more; one
// account holds at most DATABASE_CONNECTIONS_PER_ACCOUNT operations' connections, each at most
// DATABASE_CONNECTIONS_PER_OPERATION, while another account's work goes on; every root field
// (aliases too) counts against the key's rate, and query cost against the key's and the
// account's budgets. Statements are held in PostgreSQL by a lock the test takes, so what
// runs and what waits is seen in pg_stat_activity.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../support/database.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
let other: string;

/** Backends of the gateway's pool running a statement on the events table (not our own, not the canceller's). */
async function runningOnEvents(): Promise<number> {
  const { rows } = await gw.gateway.db.pool.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'audit-gateway' AND state = 'active' AND query ILIKE '%FROM events e%' AND query NOT ILIKE '%pg_stat_activity%'",
  );
  return rows[0].n;
}

/** Holds an exclusive lock on events (every query of it waits) until the returned function is called. */
async function lockEvents(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: gw.database.url! });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

const QUERY = '{ events(first: 5) { edges { node { id } } } }';

describe.skipIf(!serverUrl)('database work of one account', () => {
  beforeAll(async () => {
    gw = await startTestGateway('security_fairness', {
      DELIVERY_WORKER: 'false',
      EXECUTION_TIMEOUT_MS: '1500',
      DATABASE_CONNECTIONS_PER_ACCOUNT: '1',
      DATABASE_CONNECTIONS_PER_OPERATION: '2',
      RATE_LIMIT_PER_SECOND: '1000',
    });
    writer = await gw.createKey('reader');
    other = await gw.createKey('reader', 'other-account');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('an abandoned operation cancels its statements, and those it had not started never run', async () => {
    const unlock = await lockEvents();
    try {
      // Thirty aliases of the same query: two run (held by the lock), the others wait for them.
      const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: events(first: 5) { edges { node { id } } }`).join(' ');
      const pending = gw.gql(`{ ${aliases} }`, undefined, gw.bearer(writer));
      await eventually(async () => (await runningOnEvents()) === 2, 5000);
      // Never more than the operation's limit, however long it waits.
      await new Promise((r) => setTimeout(r, 300));
      expect(await runningOnEvents()).toBe(2);
      const res = await pending;
      expect(res.body.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
      // Cancelled in PostgreSQL, not left waiting until the statement timeout (30 s).
      await eventually(async () => (await runningOnEvents()) === 0, 5000);
    } finally {
      await unlock();
    }
    // Nothing of it runs after the lock is gone, and the account's connections are free again.
    expect(await runningOnEvents()).toBe(0);
    const after = await gw.gql(QUERY, undefined, gw.bearer(writer));
    expect(after.body.errors).toBeUndefined();
  });

  it("holds one account's excess back while another account's work goes on", async () => {
    const unlock = await lockEvents();
    let answers: Array<Promise<unknown>> = [];
    try {
      answers = Array.from({ length: 4 }, () => gw.gql(QUERY, undefined, gw.bearer(writer)));
      await eventually(async () => (await runningOnEvents()) === 1, 5000);
      // The account's other three wait in the gateway, not on connections.
      await new Promise((r) => setTimeout(r, 200));
      expect(await runningOnEvents()).toBe(1);
      // Another account gets a connection at once.
      answers.push(gw.gql(QUERY, undefined, gw.bearer(other)));
      await eventually(async () => (await runningOnEvents()) === 2, 5000);
    } finally {
      await unlock();
    }
    for (const answer of answers) expect(((await answer) as { body: { errors?: unknown } }).body.errors).toBeUndefined();
  });
});

describe('budgets', () => {
  let budget: TestGateway;
  beforeAll(async () => {
    budget = await startTestGateway('security_budgets', { DELIVERY_WORKER: 'false', RATE_LIMIT_PER_SECOND: '10', QUERY_COST_PER_SECOND: '25', ACCOUNT_QUERY_COST_PER_SECOND: '35' });
  });
  afterAll(async () => {
    await budget?.stop();
  });

  it('count every root field against the rate, aliases included', async () => {
    const key = await budget.createKey('reader', 'aliases');
    const many = Array.from({ length: 12 }, (_, i) => `v${i}: viewer { accountId }`).join(' ');
    const res = await budget.gql(`{ ${many} }`, undefined, budget.bearer(key));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(res.body.errors?.[0]?.message).toContain('aliases included');
  });

  it("spend query cost from the key's budget and the account's, and leave other accounts alone", async () => {
    const first = await budget.createKey('reader', 'spender');
    const second = await budget.createKey('reader', 'spender');
    const outsider = await budget.createKey('reader', 'outsider');
    // Each costs 1 + 50 x (node 1 + id 1) = 101; a key may spend 250 in 10 s, an account 350.
    const query = '{ events(first: 50) { edges { node { id } } } }';
    const send = (key: string) => budget.gql(query, undefined, budget.bearer(key));
    const codes = async (key: string, n: number) => {
      const out: Array<string | null> = [];
      for (let i = 0; i < n; i++) out.push(((await send(key)).body.errors?.[0]?.extensions?.code as string | undefined) ?? null);
      return out;
    };
    expect(await codes(first, 3)).toEqual([null, null, 'RATE_LIMITED']);
    // The account has spent 202 of 350: the second key's first query fits, its second does not.
    expect(await codes(second, 1)).toEqual([null]);
    const refused = await send(second);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'cost budget' });
    expect(refused.body.errors?.[0]?.message).toMatch(/this account spent more than its query cost budget/);
    expect(await codes(outsider, 1)).toEqual([null]);
  });
});
