// Verification that is never a timeout: verifyEvents is bounded (VERIFY_MAX_EVENTS, refused
// beyond with the way out), a whole chain is verified in the background with progress and a
// verdict to query, and a long range is walked in segments in worker threads, each break
// still found at its exact position.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegrityManager } from '../../src/integrity/integrity.manager.js';
import { createIntegrityStore } from '../../src/integrity/integrity.store.js';
import { loadSigner } from '../../src/integrity/signer.js';
import { createLogger } from '../../src/logging/logger.js';
import { serverUrl } from '../support/database.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let head: number;
const sql = (text: string, params: unknown[] = []) => gw.gateway.db.pool.query(text, params);
const RUN = 'id status from to total checked eventsPerSecond startedAt finishedAt error result { ok checked firstBroken { sequence eventId kind } }';

async function tamper<T>(seqs: number[], fn: () => Promise<T>): Promise<T> {
  const ids = (await sql("SELECT event_id FROM event_links WHERE account_id = 'local' AND seq = ANY($1::bigint[]) ORDER BY seq", [seqs])).rows.map((r) => r.event_id);
  const saved = (await sql("SELECT id, message FROM events WHERE account_id = 'local' AND id = ANY($1)", [ids])).rows;
  await sql("UPDATE events SET message = 'tampered' WHERE account_id = 'local' AND id = ANY($1)", [ids]);
  try {
    return await fn();
  } finally {
    for (const r of saved) await sql("UPDATE events SET message = $1 WHERE account_id = 'local' AND id = $2", [r.message, r.id]);
  }
}

beforeAll(async () => {
  gw = await startTestGateway('integrity_jobs', { DELIVERY_WORKER: 'false', VERIFY_MAX_EVENTS: '40' });
  const inputs = Array.from({ length: 60 }, (_, i) => ({
    id: `job-${i}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 60_000 + i).toISOString(),
    initiator: { id: 'IBMid-1' },
    outcome: 'SUCCESS',
    location: 'us-south',
  }));
  const res = await gw.gql('mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', { i: inputs });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  head = (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

describe('verifyEvents', () => {
  it('checks at most VERIFY_MAX_EVENTS per call and says what to do beyond', async () => {
    const res = await gw.gql('{ verifyEvents { ok } }');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    expect(res.body.errors?.[0]?.message).toContain('startChainVerification');
    expect((await gw.gql('{ verifyEvents(from: 1, to: 40) { ok checked } }')).body.data!.verifyEvents).toEqual({ ok: true, checked: 40 });
  });
});

describe('startChainVerification', () => {
  const start = async (input?: Record<string, unknown>) => {
    const res = await gw.gql(`mutation($input: StartChainVerificationInput) { startChainVerification(input: $input) { verification { ${RUN} } } }`, { input });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return res.body.data!.startChainVerification.verification;
  };
  const until = (id: string) =>
    eventually(async () => {
      const run = (await gw.gql(`query($id: ID!) { chainVerification(id: $id) { ${RUN} } }`, { id })).body.data!.chainVerification;
      return run.status !== 'RUNNING' && run;
    });

  it('verifies the whole chain in the background, with progress and a verdict to query', async () => {
    const started = await start();
    expect(started).toMatchObject({ status: 'RUNNING', from: 1, to: head, total: head, result: null });
    const done = await until(started.id);
    expect(done).toMatchObject({ status: 'DONE', checked: head, error: null, result: { ok: true, checked: head, firstBroken: null } });
    expect(done.eventsPerSecond).toBeGreaterThan(0);
    expect(new Date(done.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(done.startedAt).getTime());
    const list = (await gw.gql(`{ chainVerifications { id status } }`)).body.data!.chainVerifications;
    expect(list[0]).toEqual({ id: started.id, status: 'DONE' });
  });

  it('reports the first break as its verdict', async () => {
    const done = await tamper([33], async () => until((await start()).id));
    expect(done).toMatchObject({ status: 'DONE', result: { ok: false, checked: 32, firstBroken: { sequence: 33, kind: 'HASH_MISMATCH' } } });
  });

  it('refuses what it cannot do, with coded errors', async () => {
    const res = await gw.gql('mutation { startChainVerification(input: { from: 10, to: 5 }) { verification { id } } }');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    for (const id of ['7b0b0c8e-0000-4000-8000-000000000000', 'not-an-id']) {
      const missing = await gw.gql('query($id: ID!) { chainVerification(id: $id) { id } }', { id });
      expect(missing.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    }
    // Another account sees none of this account's verifications.
    const other = await gw.createKey('reader', 'other-account');
    const list = await gw.gql('{ chainVerifications { id } }', undefined, gw.bearer(other));
    expect(list.body.data!.chainVerifications).toEqual([]);
  });
});

describe.skipIf(!serverUrl)('segments in worker threads', () => {
  // The manager as the gateway builds it, with segments of 10 events so that 60 make several.
  const manager = () =>
    createIntegrityManager({
      store: createIntegrityStore(gw.gateway.db.pool),
      signer: () => loadSigner({ pem: null, file: path.join(gw.database.env.DATA_DIR!, 'checkpoint-ed25519.pem') }).signer,
      checkpointLog: null,
      log: createLogger('silent'),
      maxVerify: 1_000_000,
      workers: { count: 4, minSegment: 10, connection: { connectionString: gw.database.url!, statementTimeoutMs: 30_000, prepared: false } },
    });

  it('reach the verdict of one walk: every event checked, the first break at its position', async () => {
    const integrity = manager();
    const progress: number[] = [];
    const { done } = await integrity.startVerification('local', {}, { onProgress: (checked) => progress.push(checked) });
    expect(await done).toMatchObject({ ok: true, checked: head, firstBroken: null });
    expect(progress.at(-1)).toBe(head);
    // Breaks in the second and the last segment: the earlier one is the verdict.
    const broken = await tamper([25, 55], async () => (await integrity.startVerification('local', {})).done);
    expect(broken).toMatchObject({ ok: false, checked: 24, firstBroken: { sequence: 25, kind: 'HASH_MISMATCH' } });
    // The link a segment would start from is missing: the segment before it finds the gap.
    const before = Math.ceil(head / 4); // the last position of the first segment
    const link = (await sql("SELECT * FROM event_links WHERE account_id = 'local' AND seq = $1", [before])).rows[0];
    await sql("DELETE FROM event_links WHERE account_id = 'local' AND seq = $1", [before]);
    try {
      const missing = await (await integrity.startVerification('local', {})).done;
      expect(missing).toMatchObject({ ok: false, checked: before - 1, firstBroken: { sequence: before, kind: 'MISSING' } });
    } finally {
      await sql('INSERT INTO event_links (account_id, seq, event_id, hash) VALUES ($1, $2, $3, $4)', [link.account_id, link.seq, link.event_id, link.hash]);
    }
  });
});
