// Faults: clients record events in a loop while PostgreSQL is restarted several times (a
// clean shutdown, a crash, a clean shutdown). During each outage requests fail with a coded
// error, quickly (no hang, no crash); within 5 s after the database is back the gateway
// serves again by itself; every event whose mutation returned success is in the database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

let pg: PrivatePostgres;
let gw: TestGateway;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  gw = await startTestGateway(
    'security_faults',
    { DATABASE_CONNECT_TIMEOUT_MS: '1000', DELIVERY_WORKER: 'false', RATE_LIMIT_PER_SECOND: '100000' },
    { env: { DATABASE_URL: pg.url }, url: pg.url, drop: async () => undefined },
  );
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await pg?.destroy();
});

interface Outcome {
  id: string;
  ok: boolean;
  code: string | null;
  ms: number;
  at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('survives PostgreSQL restarts: coded errors meanwhile, back within 5 s, no acknowledged event lost', async () => {
  const outcomes: Outcome[] = [];
  let running = true;
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      const id = `fault-${n}-${i}`;
      const started = Date.now();
      let ok = false;
      let code: string | null = null;
      try {
        const res = await fetch(gw.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...gw.bearer(gw.adminKey) },
          body: JSON.stringify({
            query: 'mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }',
            variables: { i: { id, action: 'audit-log.vsi.reboot', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-f', typeURI: 'USER' }, outcome: 'SUCCESS', location: 'us-south' } },
          }),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await res.json()) as { data?: { recordEvent?: { event: { id: string } } } | null; errors?: Array<{ extensions?: { code?: string } }> };
        ok = body.data?.recordEvent?.event.id === id;
        code = ok ? null : (body.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`);
      } catch (error) {
        code = (error as Error).name === 'TimeoutError' ? 'HANG' : `FETCH ${(error as Error).message}`;
      }
      outcomes.push({ id, ok, code, ms: Date.now() - started, at: Date.now() });
      if (!ok) await sleep(50);
    }
  };
  const clients = Array.from({ length: 4 }, (_, n) => client(n));

  const successesSince = (t: number) => outcomes.filter((o) => o.ok && o.at > t).length;
  const recoveries: number[] = [];
  const outageErrors: Outcome[] = [];
  try {
    for (const mode of ['fast', 'immediate', 'fast'] as const) {
      const phase = Date.now();
      // Traffic flows...
      await waitFor(() => successesSince(phase) >= 20, 20_000);
      // ...the database goes away...
      const down = Date.now();
      await pg.stop(mode);
      await waitFor(() => outcomes.filter((o) => !o.ok && o.at > down).length >= 4, 20_000);
      await sleep(1000);
      outageErrors.push(...outcomes.filter((o) => !o.ok && o.at > down));
      // ...and comes back: the gateway serves again without being told.
      await pg.start();
      const up = Date.now();
      await waitFor(() => outcomes.some((o) => o.ok && o.at > up), 15_000);
      recoveries.push(outcomes.find((o) => o.ok && o.at > up)!.at - up);
    }
  } finally {
    running = false;
    await Promise.all(clients);
  }

  // During the outages: coded errors, answered quickly.
  expect(outageErrors.length).toBeGreaterThan(10);
  const codes = new Set(outageErrors.map((o) => o.code));
  expect([...codes].filter((c) => !['SERVICE_UNAVAILABLE', 'TIMEOUT'].includes(c!)), JSON.stringify([...codes])).toEqual([]);
  expect(Math.max(...outageErrors.map((o) => o.ms))).toBeLessThan(10_000);
  // Back within 5 s of each restart.
  expect(recoveries.every((ms) => ms <= 5000), JSON.stringify(recoveries)).toBe(true);
  // Every acknowledged event is stored.
  const acknowledged = outcomes.filter((o) => o.ok).map((o) => o.id);
  const { rows } = await gw.gateway.db.pool.query('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::text[])', [acknowledged]);
  expect(rows[0].n).toBe(acknowledged.length);
  console.log(
    `faults (${pg.kind}): ${outcomes.length} requests, ${acknowledged.length} acknowledged and all stored, ${outageErrors.length} refused during outages (${[...codes].join(', ')}), ` +
      `slowest refusal ${Math.max(...outageErrors.map((o) => o.ms))} ms, back after ${recoveries.join(' / ')} ms`,
  );
}, 180_000);

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}
