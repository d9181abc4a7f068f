// Tamper evidence: every stored event is linked into its account's hash chain at ingest.
// Tampering through SQL (a changed field, a deleted row, an inserted row, two rows swapped,
// a rewritten chain) is found by verifyEvents at exactly the first broken event; untouched
// ranges verify; an export checked offline (npm run verify) reaches the same verdict. Events
// of an upgraded database (stored before the chain) are chained by npm run chain:adopt.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { canonicalJson, eventContent } from '../../src/events/canonical.js';
import { rowToRecord, ALL_COLUMNS } from '../../src/events/events.store.js';
import { chainLink, GENESIS } from '../../src/integrity/chain.js';
import { serverUrl } from '../support/database.js';
import { runScript } from '../support/processes.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let dir: string;
let head: number;
let firstInput: Record<string, unknown> | undefined;

const VERIFY = `query($from: SafeInt, $to: SafeInt) { verifyEvents(from: $from, to: $to) {
  ok from to checked headSequence checkpointsChecked firstBroken { sequence eventId kind reason } } }`;
const verify = async (range: { from?: number; to?: number } = {}) => {
  const res = await gw.gql(VERIFY, range);
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.verifyEvents;
};
const sql = (text: string, params: unknown[] = []) => gw.gateway.db.pool.query(text, params);
const idAt = async (seq: number) => (await sql("SELECT event_id FROM event_links WHERE account_id = 'local' AND seq = $1", [seq])).rows[0].event_id as string;
/** Events joined with their links (positions), for the statements below. */
const LINKED = 'FROM event_links l JOIN events e ON e.account_id = l.account_id AND e.id = l.event_id';

let n = 0;
function event(overrides: Record<string, unknown> = {}) {
  n++;
  return {
    id: `chain-${n}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 60_000 + n).toISOString(),
    initiator: { id: `IBMid-${n % 3}`, name: 'Zoë Ångström', typeURI: 'USER', credential: { type: 'APIKEY' }, host: { address: '2001:db8::1', addressType: 'IPV6' } },
    target: { id: `crn:v1:bluemix:public:virtual-server:us-south:a/1::vsi:${n}`, name: `vsi-${n}` },
    outcome: n % 4 ? 'SUCCESS' : 'FAILURE',
    reason: { reasonCode: n % 4 ? 200 : 409, reasonType: 'Conflict' },
    location: 'us-south',
    requestData: { size: 1.5, ratio: 0.1 + 0.2, big: 12345678901234567890, nested: { list: [1, 'two', null, true, { 'ключ': '値' }] }, emoji: '🔒' },
    ...overrides,
  };
}

beforeAll(async () => {
  gw = await startTestGateway('integrity_chain', { DELIVERY_WORKER: 'false' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'aqg-chain-'));
  const RECORD = 'mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }';
  for (let batch = 0; batch < 4; batch++) {
    const inputs = Array.from({ length: 8 }, () => event());
    firstInput ??= inputs[0]!;
    const res = await gw.gql(RECORD, { i: inputs });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  }
  // Another account's chain is its own.
  const other = await gw.createKey('writer', 'other');
  await gw.gql(RECORD, { i: [event(), event()] }, gw.bearer(other));
  head = (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

describe('the chain', () => {
  it('gives every event of an account a position, in one order, with gap-free links', async () => {
    const { rows } = await sql(`SELECT l.seq::int AS seq ${LINKED} WHERE l.account_id = 'local' ORDER BY l.seq`);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Every event has its link (and only one: the table's unique key).
    expect((await sql("SELECT count(*)::int AS n FROM events WHERE account_id = 'local'")).rows[0].n).toBe(head);
    const other = await sql(`SELECT l.seq::int AS seq ${LINKED} WHERE l.account_id = 'other' ORDER BY l.seq`);
    expect(other.rows.map((r) => r.seq)).toEqual([1, 2, 3]); // the writer key's audit event, then two
    // A retry of a stored event takes no new position.
    const retry = await gw.gql('mutation($i: EventInput!) { recordEvent(input: $i) { created } }', { i: firstInput });
    expect(retry.body.data!.recordEvent.created).toBe(false);
    expect((await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence).toBe(head);
  });

  it('links each event to the one before: link(n) = SHA-256(link(n-1) ‖ canonical JSON of (n, event))', async () => {
    const { rows } = await sql(`SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')}, l.seq, l.hash ${LINKED} WHERE l.account_id = 'local' ORDER BY l.seq LIMIT 3`);
    let previous: Buffer = GENESIS;
    for (const row of rows) {
      // Written out from the definition (the generic canonical JSON, not ingest's code).
      const record = rowToRecord(row);
      const content = canonicalJson(eventContent(record));
      const link = createHash('sha256').update(previous).update(`{"content":${content},"receivedAt":"${record.receivedAt.toISOString()}","sequence":${row.seq}}`).digest();
      expect(link.equals(row.hash)).toBe(true);
      expect(chainLink(previous, Number(row.seq), record).equals(link)).toBe(true);
      expect(chainLink(previous, Number(row.seq), record, Buffer.from(content)).equals(link)).toBe(true);
      previous = link;
    }
  });

  it("ingest's link function in PostgreSQL equals chainLink, for any content size and text", async () => {
    const { rows } = await sql(`SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')} ${LINKED} WHERE l.account_id = 'local' ORDER BY l.seq LIMIT 4`);
    const receivedAt = new Date('2026-11-21T10:11:12.345Z');
    const messages = ['x'.repeat(10), 'Zoë 値 🔒 \\ "quoted"\n\t', 'y'.repeat(5000), 'z'.repeat(70_000)];
    const records = rows.map((r, i) => ({ ...rowToRecord(r), id: `fn-${i}`, receivedAt, message: messages[i]! }));
    const contents = records.map((r) => Buffer.from(canonicalJson(eventContent(r))));
    // A chain of its own, rolled back: from the genesis link, at positions 1, 2, ...
    const client = await gw.gateway.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT audit_link_batch($1, $2, $3, $4, $5)', ['chain-fn-test', records.map((r) => r.id), Buffer.concat(contents), contents.map((c) => c.length), receivedAt.toISOString()]);
      const links = await client.query("SELECT seq, hash FROM event_links WHERE account_id = 'chain-fn-test' ORDER BY seq");
      let previous: Buffer = GENESIS;
      const expected = records.map((r, i) => (previous = chainLink(previous, i + 1, r)).toString('hex'));
      expect(links.rows.map((l) => (l.hash as Buffer).toString('hex'))).toEqual(expected);
      expect((await client.query("SELECT seq, head FROM event_chains WHERE account_id = 'chain-fn-test'")).rows[0]).toEqual({ seq: '4', head: Buffer.from(expected[3]!, 'hex') });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('verifies an untouched chain, whole or in part', async () => {
    expect(await verify()).toEqual({ ok: true, from: 1, to: head, checked: head, headSequence: head, checkpointsChecked: 0, firstBroken: null });
    expect(await verify({ from: 5, to: 20 })).toMatchObject({ ok: true, from: 5, to: 20, checked: 16 });
    expect((await gw.gql(VERIFY, { from: 0 })).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
  });

  it('signs checkpoints of the head, exportable with the public key, and gives each event its proof', async () => {
    const res = await gw.gql('mutation { checkpointEventChain { checkpoint { sequence hash keyId signature signedAt } } }');
    const checkpoint = res.body.data!.checkpointEventChain.checkpoint;
    expect(checkpoint).toMatchObject({ sequence: head, keyId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const chain = await gw.gql('{ eventChain { headSequence headHash checkpoints { sequence hash } publicKeys { keyId publicKey algorithm } } }');
    expect(chain.body.data!.eventChain).toMatchObject({ headSequence: head, headHash: checkpoint.hash, checkpoints: [{ sequence: head, hash: checkpoint.hash }] });
    expect(chain.body.data!.eventChain.publicKeys).toEqual([{ keyId: checkpoint.keyId, publicKey: expect.stringContaining('BEGIN PUBLIC KEY'), algorithm: 'Ed25519' }]);
    // The checkpoint went to the log outside the database as it was made.
    const log = (await readFile(path.join(gw.database.env.DATA_DIR!, 'checkpoints.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1)).toEqual({ type: 'checkpoint', account: 'local', sequence: head, hash: checkpoint.hash, signedAt: checkpoint.signedAt, keyId: checkpoint.keyId, signature: checkpoint.signature });

    const id = await idAt(7);
    const proof = await gw.gql(`query($id: String!) { event(id: $id) { proof { sequence hash previousHash checkpoint { sequence } } } }`, { id });
    const expected = (await sql("SELECT encode(hash, 'hex') AS h FROM event_links WHERE account_id = 'local' AND seq IN (6, 7) ORDER BY seq")).rows.map((r) => r.h);
    expect(proof.body.data!.event.proof).toEqual({ sequence: 7, hash: expected[1], previousHash: expected[0], checkpoint: { sequence: head } });
    // Proofs of a page of events come from one query each for links and checkpoints.
    const page = await gw.gql('{ events(first: 5) { nodes { proof { sequence } } } }');
    expect(page.body.data!.events.nodes.every((e: { proof: { sequence: number } }) => e.proof.sequence > 0)).toBe(true);
    // The stored checkpoint, and the same one as the log published it.
    expect((await verify()).checkpointsChecked).toBe(2);
  });
});

/** Runs `tamper`, checks what verifyEvents and the offline verifier say, then `restore`s. */
async function tampered(tamper: () => Promise<unknown>, restore: () => Promise<unknown>) {
  await tamper();
  try {
    const api = await verify();
    const file = path.join(dir, `export-${Date.now()}.ndjson`);
    const lines: string[] = [];
    for await (const line of gw.gateway.managers.integrity.exportChain('local')) lines.push(JSON.stringify(line));
    await writeFile(file, `${lines.join('\n')}\n`);
    const offline = await verifyCli(file);
    return { api, offline };
  } finally {
    await restore();
    expect((await verify()).ok).toBe(true);
  }
}

/** npm run verify on an export, trusting the gateway's public key (as a file, as an auditor holds it). */
async function verifyCli(file: string): Promise<{ code: number; result: any; stdout: string }> {
  const key = path.join(dir, 'gateway-public.pem');
  await writeFile(key, gw.gateway.managers.integrity.publicKeys()[0]!.publicKey);
  const { code, stdout } = await runScript(path.join('src', 'cli', 'verify.ts'), ['--export', file, '--public-key', key, '--json']);
  return { code: code ?? -1, result: JSON.parse(stdout), stdout };
}

describe('tampering through SQL is found at exactly the first broken event', () => {
  it('a changed field', async () => {
    const id = await idAt(9);
    const { rows } = await sql("SELECT message FROM events WHERE account_id = 'local' AND id = $1", [id]);
    const { api, offline } = await tampered(
      () => sql("UPDATE events SET message = 'nothing to see' WHERE account_id = 'local' AND id = $1", [id]),
      () => sql("UPDATE events SET message = $1 WHERE account_id = 'local' AND id = $2", [rows[0].message, id]),
    );
    expect(api).toMatchObject({ ok: false, firstBroken: { sequence: 9, eventId: id, kind: 'HASH_MISMATCH' }, checked: 8 });
    expect(offline.code).toBe(1);
    expect(offline.result.firstBroken).toEqual(api.firstBroken);
  });

  it('a changed payload (request data)', async () => {
    const id = await idAt(12);
    const { api } = await tampered(
      () => sql("UPDATE events SET request_data = jsonb_set(request_data, '{size}', '2') WHERE account_id = 'local' AND id = $1", [id]),
      () => sql("UPDATE events SET request_data = jsonb_set(request_data, '{size}', '1.5') WHERE account_id = 'local' AND id = $1", [id]),
    );
    expect(api.firstBroken).toMatchObject({ sequence: 12, kind: 'HASH_MISMATCH' });
  });

  it('a deleted row, with or without its link', async () => {
    const [gone, next] = [await idAt(14), await idAt(15)];
    for (const withLink of [false, true]) {
      const { api, offline } = await tampered(
        async () => {
          await sql("CREATE TABLE deleted_event AS SELECT * FROM events WHERE account_id = 'local' AND id = $1", [gone]);
          await sql("CREATE TABLE deleted_link AS SELECT * FROM event_links WHERE account_id = 'local' AND seq = 14");
          await sql('DELETE FROM deliveries WHERE event_id IN (SELECT id FROM deleted_event)');
          await sql("DELETE FROM events WHERE account_id = 'local' AND id = $1", [gone]);
          if (withLink) await sql("DELETE FROM event_links WHERE account_id = 'local' AND seq = 14");
        },
        async () => {
          await sql('INSERT INTO events SELECT * FROM deleted_event');
          if (withLink) await sql('INSERT INTO event_links SELECT * FROM deleted_link');
          await sql('DROP TABLE deleted_event, deleted_link');
        },
      );
      expect(api).toMatchObject({ ok: false, firstBroken: { sequence: 14, eventId: next, kind: 'MISSING' }, checked: 13 });
      expect(offline.result.firstBroken).toEqual(api.firstBroken);
    }
  });

  it('an inserted row, outside the chain or past its head', async () => {
    // A copy of event 3 under a new id: what someone with write access to the table can do.
    const rest = ALL_COLUMNS.filter((c) => !['account_id', 'id'].includes(c));
    const third = await idAt(3);
    const copy = async (id: string, seq: number | null) => {
      await sql(`INSERT INTO events (account_id, id, ${rest.join(', ')}, content_hash)
                 SELECT account_id, $1, ${rest.join(', ')}, content_hash FROM events WHERE account_id = 'local' AND id = $2`, [id, third]);
      if (seq) await sql("INSERT INTO event_links SELECT account_id, $1, $2, hash FROM event_links WHERE account_id = 'local' AND seq = 3", [seq, id]);
    };
    const remove = async (id: string) => {
      await sql("DELETE FROM event_links WHERE account_id = 'local' AND event_id = $1", [id]);
      await sql("DELETE FROM events WHERE account_id = 'local' AND id = $1", [id]);
    };

    const outside = await tampered(() => copy('forged-1', null), () => remove('forged-1'));
    expect(outside.api).toMatchObject({ ok: false, firstBroken: { sequence: null, eventId: 'forged-1', kind: 'OUTSIDE_CHAIN' } });
    // The export lists what lies outside the chain, so the offline verifier says the same.
    expect(outside.offline.result.firstBroken).toEqual(outside.api.firstBroken);
    const after = await tampered(() => copy('forged-2', head + 1), () => remove('forged-2'));
    expect(after.api).toMatchObject({ ok: false, firstBroken: { sequence: head + 1, eventId: 'forged-2', kind: 'AFTER_HEAD' } });
    expect(after.offline.result.firstBroken).toEqual(after.api.firstBroken);
  });

  it('two rows swapped', async () => {
    const swap = async () => {
      await sql("UPDATE event_links SET seq = -1 WHERE account_id = 'local' AND seq = 18");
      await sql("UPDATE event_links SET seq = 18 WHERE account_id = 'local' AND seq = 22");
      await sql("UPDATE event_links SET seq = 22 WHERE account_id = 'local' AND seq = -1");
    };
    const wasAt22 = await idAt(22);
    const { api, offline } = await tampered(swap, swap);
    expect(api).toMatchObject({ ok: false, firstBroken: { sequence: 18, eventId: wasAt22, kind: 'HASH_MISMATCH' }, checked: 17 });
    expect(offline.result.firstBroken).toEqual(api.firstBroken);
  });

  it('a chain rewritten from a changed event onwards is caught by the signed checkpoint', async () => {
    // The attacker changes event 20 and recomputes every link after it, so that the chain
    // is consistent in itself; only the checkpoint signed before (at the head) disagrees.
    const saved = (await sql(`SELECT e.id, l.seq, l.hash, e.message ${LINKED} WHERE l.account_id = 'local' AND l.seq >= 20 ORDER BY l.seq`)).rows;
    const rewrite = async () => {
      await sql("UPDATE events SET message = 'rewritten' WHERE account_id = 'local' AND id = $1", [saved[0].id]);
      let previous = (await sql("SELECT hash FROM event_links WHERE account_id = 'local' AND seq = 19")).rows[0].hash as Buffer;
      const { rows } = await sql(`SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')}, l.seq ${LINKED} WHERE l.account_id = 'local' AND l.seq >= 20 ORDER BY l.seq`);
      for (const row of rows) {
        previous = chainLink(previous, Number(row.seq), rowToRecord(row));
        await sql("UPDATE event_links SET hash = $1 WHERE account_id = 'local' AND seq = $2", [previous, row.seq]);
      }
      await sql("UPDATE event_chains SET head = $1 WHERE account_id = 'local'", [previous]);
    };
    const restore = async () => {
      for (const row of saved) {
        await sql("UPDATE event_links SET hash = $1 WHERE account_id = 'local' AND seq = $2", [row.hash, row.seq]);
        await sql("UPDATE events SET message = $1 WHERE account_id = 'local' AND id = $2", [row.message, row.id]);
      }
      await sql("UPDATE event_chains SET head = $1 WHERE account_id = 'local'", [saved.at(-1)!.hash]);
    };
    const { api, offline } = await tampered(rewrite, restore);
    expect(api).toMatchObject({ ok: false, firstBroken: { sequence: head, kind: 'CHECKPOINT_MISMATCH' } });
    expect(offline.result.firstBroken).toMatchObject({ sequence: head, kind: 'CHECKPOINT_MISMATCH' });
  });

  it('a forged checkpoint signature', async () => {
    const { api, offline } = await tampered(
      () => sql("UPDATE chain_checkpoints SET signature = decode(repeat('00', 64), 'hex') WHERE account_id = 'local'"),
      async () => {
        await sql("DELETE FROM chain_checkpoints WHERE account_id = 'local'");
        await gw.gql('mutation { checkpointEventChain { checkpoint { sequence } } }');
      },
    );
    expect(api.firstBroken).toMatchObject({ sequence: head, kind: 'CHECKPOINT_MISMATCH' });
    expect(offline.result.firstBroken).toMatchObject({ sequence: head, kind: 'CHECKPOINT_MISMATCH' });
  });
});

describe('the offline verifier', () => {
  it('agrees with the API on an untouched export, and says so in one line', async () => {
    const file = path.join(dir, 'clean.ndjson');
    const lines: string[] = [];
    for await (const line of gw.gateway.managers.integrity.exportChain('local')) lines.push(JSON.stringify(line));
    await writeFile(file, `${lines.join('\n')}\n`);
    const { code, result } = await verifyCli(file);
    expect(code).toBe(0);
    expect(result).toMatchObject({ ok: true, account: 'local', from: 1, to: head, checked: head, checkpointsChecked: 1, firstBroken: null });
    // The export holds the public key: nothing else is needed.
    expect((await readFile(file, 'utf8')).split('\n')[0]).toContain('BEGIN PUBLIC KEY');
  });
});

describe('checkpoints and exports', () => {
  it('the gateway signs new heads by itself every CHECKPOINT_INTERVAL_MS', async () => {
    const periodic = await startTestGateway('integrity_periodic', { CHECKPOINT_INTERVAL_MS: '200' });
    try {
      await periodic.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', { i: event() });
      const head = (await periodic.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
      const signed = await eventually(async () => {
        const res = await periodic.gql('{ eventChain { checkpoints { sequence } } }');
        return res.body.data!.eventChain.checkpoints.find((c: { sequence: number }) => c.sequence === head);
      });
      expect(signed).toEqual({ sequence: head });
    } finally {
      await periodic.stop();
    }
  });

  it.skipIf(!serverUrl)('npm run chain:export writes the file that npm run verify checks', async () => {
    const file = path.join(dir, 'cli-export.ndjson');
    const { code: exported, stderr } = await runScript(path.join('src', 'cli', 'chain-export.ts'), ['--out', file], gw.database.env);
    expect(exported, stderr).toBe(0);
    expect(stderr).toContain(`wrote ${head} events`);
    const { code, stdout } = await verifyCli(file);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, checked: head });
  });
});

describe('events stored before the chain existed (an upgraded database)', () => {
  it('are appended in receipt order by chain:adopt; a row without a position received later is not', async () => {
    const rest = ALL_COLUMNS.filter((c) => !['account_id', 'id', 'received_at'].includes(c));
    const third = await idAt(3);
    const legacy = (id: string, receivedAt: string) =>
      sql(`INSERT INTO events (account_id, id, received_at, ${rest.join(', ')}, content_hash)
           SELECT account_id, $1, $2::timestamptz, ${rest.join(', ')}, content_hash FROM events WHERE account_id = 'local' AND id = $3`, [id, receivedAt, third]);
    await legacy('legacy-2', '2020-01-02T00:00:00Z');
    await legacy('legacy-1', '2020-01-01T00:00:00Z');
    await legacy('slipped-in', new Date().toISOString());
    expect((await verify()).firstBroken).toMatchObject({ kind: 'OUTSIDE_CHAIN' });

    const run = async () => {
      if (!serverUrl) return gw.gateway.managers.integrity.adoptUnchained();
      // With a server, as an operator would: the command line, beside the running gateway.
      const { code, stdout } = await runScript(path.join('src', 'cli', 'chain-adopt.ts'), [], gw.database.env);
      expect(code).toBe(0);
      return stdout;
    };
    const said = await run();
    if (typeof said === 'string') expect(said).toContain('account local: chained 2 events');
    else expect(said).toEqual([{ accountId: 'local', adopted: 2 }]);

    const head = (await gw.gql('{ eventChain { headSequence } }')).body.data!.eventChain.headSequence;
    expect([await idAt(head - 1), await idAt(head)]).toEqual(['legacy-1', 'legacy-2']);
    // The one received after the chain existed was put there around the gateway.
    expect((await verify()).firstBroken).toMatchObject({ kind: 'OUTSIDE_CHAIN', eventId: 'slipped-in' });
    await sql("DELETE FROM events WHERE account_id = 'local' AND id = 'slipped-in'");
    expect(await verify()).toMatchObject({ ok: true, to: head, checked: head });
  });
});
