// Attacks by someone who can write to the database but holds neither the gateway's private
// key nor the files outside the database, carried out through SQL and the project's public
// functions (chainLink, claimBytes): each is found by verifyEvents and by npm run verify
// (on an export, trusting only the public key it is given, with the checkpoint log) at the
// right position, and the gateway refuses to sign a chain so changed.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { ALL_COLUMNS, rowToRecord } from '../../src/events/events.store.js';
import { chainLink } from '../../src/integrity/chain.js';
import { claimBytes, keyIdOf } from '../../src/integrity/signer.js';
import { serverUrl } from '../support/database.js';
import { runScript } from '../support/processes.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let dir: string;
let publicKeyFile: string;
let logFile: string;
/** Positions of the untouched chain, and the checkpoint the gateway signed and published at its head. */
let head: number;
let published: { sequence: number; hash: string; signedAt: string; keyId: string; signature: string };

const VERIFY = `query($against: ChainCheckpointInput) { verifyEvents(against: $against) {
  ok checked headSequence checkpointsChecked firstBroken { sequence eventId kind reason } } }`;
const sql = (text: string, params: unknown[] = []) => gw.gateway.db.pool.query(text, params);
const LINKED = 'FROM event_links l JOIN events e ON e.account_id = l.account_id AND e.id = l.event_id';

async function verifyApi(gateway = gw, against?: unknown) {
  const res = await gateway.gql(VERIFY, { against });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.verifyEvents;
}

const run = ([file, ...args]: string[], env: Record<string, string> = {}) => runScript(file!, args, env);

/** The account's chain exported as it is now, checked offline with the trusted key (and the log). */
async function verifyOffline(options: { log?: boolean } = {}) {
  const file = path.join(dir, `export-${Date.now()}-${Math.random()}.ndjson`);
  const lines: string[] = [];
  for await (const line of gw.gateway.managers.integrity.exportChain('local')) lines.push(JSON.stringify(line));
  await writeFile(file, `${lines.join('\n')}\n`);
  const args = [path.join('src', 'cli', 'verify.ts'), '--export', file, '--public-key', publicKeyFile, '--json', ...(options.log === false ? [] : ['--checkpoints', logFile])];
  const { code, stdout, stderr } = await run(args);
  expect(stderr).toBe('');
  return { code, result: JSON.parse(stdout) };
}

let n = 0;
const event = () => {
  n++;
  return {
    id: `attack-${n}`,
    action: 'audit-log.vsi.reboot',
    eventTime: new Date(Date.now() - 60_000 + n).toISOString(),
    initiator: { id: `IBMid-${n % 3}`, name: 'ana@example.com' },
    outcome: 'SUCCESS',
    location: 'us-south',
  };
};

/** A copy of the tables an attack changes, to put back after it. */
async function snapshot() {
  await sql('DROP TABLE IF EXISTS saved_events, saved_links, saved_chains, saved_checkpoints, saved_deliveries');
  await sql("CREATE TABLE saved_events AS SELECT * FROM events WHERE account_id = 'local'");
  await sql("CREATE TABLE saved_links AS SELECT * FROM event_links WHERE account_id = 'local'");
  await sql("CREATE TABLE saved_chains AS SELECT * FROM event_chains WHERE account_id = 'local'");
  await sql("CREATE TABLE saved_checkpoints AS SELECT * FROM chain_checkpoints WHERE account_id = 'local'");
  await sql("CREATE TABLE saved_deliveries AS SELECT * FROM deliveries WHERE account_id = 'local'");
}

async function restore() {
  await sql("DELETE FROM deliveries WHERE account_id = 'local'");
  await sql("DELETE FROM event_links WHERE account_id = 'local'");
  await sql("DELETE FROM chain_checkpoints WHERE account_id = 'local'");
  await sql("DELETE FROM events WHERE account_id = 'local'");
  await sql('INSERT INTO events SELECT * FROM saved_events');
  await sql('INSERT INTO event_links SELECT * FROM saved_links');
  await sql('INSERT INTO chain_checkpoints SELECT * FROM saved_checkpoints');
  await sql('INSERT INTO deliveries SELECT * FROM saved_deliveries');
  await sql("UPDATE event_chains c SET seq = s.seq, head = s.head FROM saved_chains s WHERE c.account_id = 'local'");
}

/** What the attacker can do with the public chainLink: recompute every link from `seq` on, and the head. */
async function relinkFrom(seq: number) {
  let previous = (await sql("SELECT hash FROM event_links WHERE account_id = 'local' AND seq = $1", [seq - 1])).rows[0].hash as Buffer;
  const { rows } = await sql(`SELECT ${ALL_COLUMNS.map((c) => `e.${c}`).join(', ')}, l.seq ${LINKED} WHERE l.account_id = 'local' AND l.seq >= $1 ORDER BY l.seq`, [seq]);
  for (const row of rows) {
    previous = chainLink(previous, Number(row.seq), rowToRecord(row));
    await sql("UPDATE event_links SET hash = $1 WHERE account_id = 'local' AND seq = $2", [previous, row.seq]);
  }
  await sql("UPDATE event_chains SET head = $1 WHERE account_id = 'local'", [previous]);
}

/** A checkpoint of the current head signed with a key of the attacker's own, stored where the gateway's were. */
async function forgeCheckpoint() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const chain = (await sql("SELECT seq, head FROM event_chains WHERE account_id = 'local'")).rows[0];
  const claim = { account: 'local', sequence: Number(chain.seq), hash: (chain.head as Buffer).toString('hex'), signedAt: new Date().toISOString(), keyId: keyIdOf(publicKey) };
  await sql('INSERT INTO chain_checkpoints (account_id, seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, seq) DO UPDATE SET hash = EXCLUDED.hash, signed_at = EXCLUDED.signed_at, key_id = EXCLUDED.key_id, signature = EXCLUDED.signature', [
    'local',
    claim.sequence,
    chain.head,
    claim.signedAt,
    claim.keyId,
    sign(null, claimBytes(claim), privateKey),
  ]);
  return claim.sequence;
}

/** Deletes the newest `count` events with their links, deliveries and checkpoints, and moves the head back before them. */
async function truncate(count: number, options: { keepRows?: boolean } = {}) {
  const newHead = head - count;
  if (!options.keepRows) {
    const gone = (await sql("SELECT event_id FROM event_links WHERE account_id = 'local' AND seq > $1", [newHead])).rows.map((r) => r.event_id);
    await sql("DELETE FROM deliveries WHERE account_id = 'local' AND event_id = ANY($1)", [gone]);
    await sql("DELETE FROM event_links WHERE account_id = 'local' AND seq > $1", [newHead]);
    await sql("DELETE FROM events WHERE account_id = 'local' AND id = ANY($1)", [gone]);
  }
  await sql("DELETE FROM chain_checkpoints WHERE account_id = 'local' AND seq > $1", [newHead]);
  const link = (await sql("SELECT hash FROM event_links WHERE account_id = 'local' AND seq = $1", [newHead])).rows[0].hash;
  await sql("UPDATE event_chains SET seq = $1, head = $2 WHERE account_id = 'local'", [newHead, link]);
  return newHead;
}

beforeAll(async () => {
  gw = await startTestGateway('integrity_attacks', { DELIVERY_WORKER: 'false' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'aqg-attacks-'));
  for (let batch = 0; batch < 3; batch++) {
    const res = await gw.gql('mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', { i: Array.from({ length: 10 }, event) });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  }
  const signed = await gw.gql('mutation { checkpointEventChain { checkpoint { sequence hash signedAt keyId signature } } }');
  published = signed.body.data!.checkpointEventChain.checkpoint;
  head = published.sequence;
  // What an auditor keeps: the gateway's public key, and the checkpoint log as published.
  const chain = (await gw.gql('{ eventChain { publicKeys { publicKey source } publishedCheckpoint { sequence hash signature } } }')).body.data!.eventChain;
  expect(chain.publicKeys).toEqual([{ publicKey: expect.stringContaining('BEGIN PUBLIC KEY'), source: 'the checkpoint key' }]);
  expect(chain.publishedCheckpoint).toEqual({ sequence: head, hash: published.hash, signature: published.signature });
  publicKeyFile = path.join(dir, 'gateway-public.pem');
  await writeFile(publicKeyFile, chain.publicKeys[0].publicKey);
  logFile = path.join(gw.database.env.DATA_DIR!, 'checkpoints.ndjson');
  await snapshot();
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});
beforeEach(async () => {
  await restore();
});

describe('a database-level attacker', () => {
  it('cannot make a checkpoint count by signing it with a key of their own', async () => {
    const at = await forgeCheckpoint();
    const api = await verifyApi();
    expect(api).toMatchObject({ ok: false, firstBroken: { sequence: at, kind: 'UNTRUSTED_KEY' } });
    const offline = await verifyOffline();
    expect(offline.code).toBe(1);
    expect(offline.result.firstBroken).toEqual(api.firstBroken);
    // The export carries the gateway's keys as information; trust comes from --public-key only.
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const otherFile = path.join(dir, 'other.pem');
    await writeFile(otherFile, other);
    await restore();
    const clean = path.join(dir, 'clean.ndjson');
    const lines: string[] = [];
    for await (const line of gw.gateway.managers.integrity.exportChain('local')) lines.push(JSON.stringify(line));
    await writeFile(clean, `${lines.join('\n')}\n`);
    const wrongKey = await run([path.join('src', 'cli', 'verify.ts'), '--export', clean, '--public-key', otherFile, '--json']);
    expect(JSON.parse(wrongKey.stdout).firstBroken).toMatchObject({ sequence: head, kind: 'UNTRUSTED_KEY' });
  });

  it('cannot rewrite an event, relink the chain, remove the real checkpoints and re-sign the head', async () => {
    const id = (await sql("SELECT event_id FROM event_links WHERE account_id = 'local' AND seq = 12")).rows[0].event_id;
    await sql("UPDATE events SET message = 'nothing happened' WHERE account_id = 'local' AND id = $1", [id]);
    await relinkFrom(12);
    await sql("DELETE FROM chain_checkpoints WHERE account_id = 'local'");
    await forgeCheckpoint();
    // The chain is consistent in itself: only what lies outside the database disagrees.
    const api = await verifyApi();
    expect(api).toMatchObject({ ok: false, firstBroken: { sequence: head, kind: 'CHECKPOINT_MISMATCH' } });
    const offline = await verifyOffline();
    expect(offline.result.firstBroken).toMatchObject({ sequence: head, kind: 'CHECKPOINT_MISMATCH' });
    // Without the log, the forged signature alone gives it away.
    expect((await verifyOffline({ log: false })).result.firstBroken).toMatchObject({ sequence: head, kind: 'UNTRUSTED_KEY' });
    // And the gateway does not sign the rewritten chain either.
    await sql("DELETE FROM chain_checkpoints WHERE account_id = 'local'");
    const refused = await gw.gql('mutation { checkpointEventChain { checkpoint { sequence } } }');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', publishedSequence: head });
  });

  it('cannot delete the newest events with their checkpoints and move the head back', async () => {
    const newHead = await truncate(7);
    const api = await verifyApi();
    expect(api).toMatchObject({ ok: false, headSequence: newHead, checked: newHead, firstBroken: { sequence: newHead + 1, kind: 'BEHIND_CHECKPOINT' } });
    const offline = await verifyOffline();
    expect(offline.code).toBe(1);
    expect(offline.result.firstBroken).toEqual(api.firstBroken);
    // Without a checkpoint published outside the database nothing could tell: that is what the log is for.
    expect((await verifyOffline({ log: false })).result).toMatchObject({ ok: true, checked: newHead });
    const refused = await gw.gql('mutation { checkpointEventChain { checkpoint { sequence } } }');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('cannot roll the head back over events left in place', async () => {
    const newHead = await truncate(3, { keepRows: true });
    const api = await verifyApi();
    expect(api).toMatchObject({ ok: false, headSequence: newHead, firstBroken: { sequence: newHead + 1, kind: 'BEHIND_CHECKPOINT' } });
    const offline = await verifyOffline();
    expect(offline.result.firstBroken).toEqual(api.firstBroken);
  });

  it.skipIf(!serverUrl)('is caught by a checkpoint an auditor holds, where the gateway has no log of its own', async () => {
    await truncate(5);
    // A second gateway on the same database: its own data folder (no log), the first one's key trusted.
    const second = await startTestGateway(
      'integrity_attacks_2',
      { DELIVERY_WORKER: 'false', DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'aqg-attacks-second-')), CHECKPOINT_TRUSTED_KEYS: gw.gateway.managers.integrity.publicKeys()[0]!.publicKey },
      gw.database,
    );
    try {
      expect(await verifyApi(second)).toMatchObject({ ok: true });
      const held = { sequence: published.sequence, hash: published.hash, signedAt: published.signedAt, keyId: published.keyId, signature: published.signature };
      // (The second gateway's start recorded its key's audit event on the shortened chain.)
      const behind = await verifyApi(second, held);
      expect(behind).toMatchObject({ ok: false, firstBroken: { sequence: behind.headSequence + 1, kind: 'BEHIND_CHECKPOINT' } });
      expect(behind.headSequence).toBeLessThan(head);
      // A held checkpoint whose signature does not hold counts for nothing but a break.
      const forged = { ...held, hash: 'f'.repeat(64) };
      expect(await verifyApi(second, forged)).toMatchObject({ ok: false, firstBroken: { sequence: head, kind: 'CHECKPOINT_MISMATCH' } });
      const bad = await second.gql(VERIFY, { against: { ...held, hash: 'xyz' } });
      expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'against.hash' });
    } finally {
      await second.stop();
    }
  });

  // With a server: the embedded database is the running gateway's alone.
  it.skipIf(!serverUrl)('is found by npm run verify on the database, with the checkpoint log', async () => {
    await truncate(4);
    const { code, stdout, stderr } = await run([path.join('src', 'cli', 'verify.ts'), '--account', 'local', '--checkpoints', logFile, '--json'], gw.database.env);
    expect(stderr).not.toContain('error');
    expect(code).toBe(1);
    expect(JSON.parse(stdout).firstBroken).toMatchObject({ sequence: head - 3, kind: 'BEHIND_CHECKPOINT' });
  });
});

describe('npm run verify', () => {
  it('refuses to give a verdict on an export without a trusted public key', async () => {
    const file = path.join(dir, 'any.ndjson');
    await writeFile(file, '{}\n');
    const { code, stderr } = await run([path.join('src', 'cli', 'verify.ts'), '--export', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('--export needs --public-key');
    expect(stderr).toContain('usage: npm run verify');
  });
});
