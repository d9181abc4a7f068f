// One request must not stall the gateway: globs are matched without backtracking, names are
// bounded before anything looks them up, and the search for hints is bounded, so each of
// these inputs is answered at once with a coded error while another account's queries go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/catalog/naming.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let reader: string;
let quiet: string;

beforeAll(async () => {
  gw = await startTestGateway('security_stalls', { DELIVERY_WORKER: 'false', RATE_LIMIT_PER_SECOND: '10000' });
  reader = await gw.createKey('writer');
  quiet = await gw.createKey('reader', 'quiet-account');
});
afterAll(async () => {
  await gw?.stop();
});

/** Sends `query` and returns its answer and how long it took. */
async function timed(query: string, variables: Record<string, unknown> | undefined, key: string) {
  const started = performance.now();
  const res = await gw.gql(query, variables, gw.bearer(key));
  return { res, ms: performance.now() - started };
}

/**
 * Runs `attack` while another account sends a simple query in a loop; returns the slowest of
 * those answers. On a quiet machine they take a few milliseconds; a stalled event loop would
 * hold them for as long as the attack runs.
 */
async function quietWhile<T>(attack: () => Promise<T>): Promise<{ attack: T; slowest: number }> {
  let done = false;
  let slowest = 0;
  const loop = (async () => {
    while (!done) {
      const { res, ms } = await timed('{ events(first: 20) { edges { node { id } } } }', undefined, quiet);
      expect(res.body.errors).toBeUndefined();
      slowest = Math.max(slowest, ms);
    }
  })();
  try {
    return { attack: await attack(), slowest };
  } finally {
    done = true;
    await loop;
  }
}

describe('globs', () => {
  it('match without backtracking: a pathological glob is answered in milliseconds', async () => {
    for (const glob of ['******q', `${'*a'.repeat(40)}*q`, `${'*'.repeat(150)}.list`, '*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*z']) {
      const { attack, slowest } = await quietWhile(() => timed('query($a: [String!]) { events(filter: { actions: $a }, first: 1) { totalCount } }', { a: [glob] }, reader));
      const { res, ms } = attack;
      const error = res.body.errors?.[0];
      if (error) expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.actions[0]' });
      expect(ms, glob).toBeLessThan(2000);
      expect(slowest, `another account's query while ${glob} ran`).toBeLessThan(2000);
    }
  });

  it('match what the regular expressions they replace matched', () => {
    const names = ['pm-20.wml_model.list', 'iam-am.policy.create', 'a.b', 'a..b', 'aaaa', 'wdp.scheduling.schedule.delete.multiple', ''];
    const globs = ['*', '**', 'a*', '*b', 'a*b', '*.*', 'pm-20.*.list', '*a*a*', 'a**a', '*.delete.*', 'iam-am.*.create', 'a.b', '*.multiple', 'wdp.*.*.delete*'];
    const regex = (glob: string) => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    for (const glob of globs) for (const name of names) expect(globMatcher(glob)(name), `${glob} ~ ${name}`).toBe(regex(glob).test(name));
  });
});

describe('long names', () => {
  it('in a filter are refused before any lookup or hint search', async () => {
    const { attack, slowest } = await quietWhile(() =>
      timed('query($a: [String!], $s: [String!], $l: [String!]) { events(filter: { actions: $a, services: $s, locations: $l }, first: 1) { totalCount } }', { a: ['x'.repeat(1_000_000)], s: ['s'.repeat(300)], l: ['l'.repeat(300)] }, reader),
    );
    const error = attack.res.body.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((error?.extensions?.issues as Array<{ field: string }>).map((i) => i.field).sort()).toEqual(['filter.actions[0]', 'filter.locations[0]', 'filter.services[0]']);
    expect(JSON.stringify(attack.res.body)).not.toContain('xxxxxxxxxx');
    expect(attack.ms).toBeLessThan(3000);
    expect(slowest).toBeLessThan(3000);
  });

  it('in 1,000 events are refused at once, nothing written', async () => {
    const event = (action: string) => ({ action, eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1' }, outcome: 'SUCCESS', location: 'us-south' });
    const before = (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
    for (const action of ['a'.repeat(5000), `${'b'.repeat(150)}.thing.create`]) {
      const { attack, slowest } = await quietWhile(() => timed('mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', { i: Array.from({ length: 1000 }, () => event(action)) }, reader));
      const error = attack.res.body.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect((error?.extensions?.issues as unknown[]).length).toBe(1000);
      expect(attack.ms, action.slice(0, 20)).toBeLessThan(5000);
      expect(slowest).toBeLessThan(5000);
    }
    expect((await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence).toBe(before);
  });
});
