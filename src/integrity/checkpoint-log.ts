// The checkpoint log: every checkpoint the gateway signs is appended (and synced) to an
// NDJSON file outside the database as it is made, one line per checkpoint in the form of
// an export's checkpoint lines. Someone who can write to the database can delete
// checkpoints there and roll the chain back; the log (and any copy of it an auditor keeps)
// still holds the latest signed head, and verification compares the chain with it.
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { CheckpointClaim } from './signer.js';

/** A checkpoint as it travels outside the database (log, export, the `against` argument). */
export interface PublishedCheckpoint extends CheckpointClaim {
  type: 'checkpoint';
  /** Base64 Ed25519 signature of the claim. */
  signature: string;
}

export async function appendCheckpoint(file: string, checkpoint: PublishedCheckpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify(checkpoint)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCheckpoint(value: unknown): value is PublishedCheckpoint {
  const c = value as Partial<PublishedCheckpoint> | null;
  return (
    typeof c === 'object' && c !== null && c.type === 'checkpoint' && typeof c.account === 'string' && Number.isSafeInteger(c.sequence) &&
    typeof c.hash === 'string' && /^[0-9a-f]{64}$/.test(c.hash) && typeof c.signedAt === 'string' && typeof c.keyId === 'string' && typeof c.signature === 'string'
  );
}

/** The checkpoint lines of an NDJSON file (a log or an export); other lines are skipped. */
export async function* readCheckpoints(file: string): AsyncGenerator<PublishedCheckpoint> {
  const reader = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of reader) {
    n++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`line ${n} of ${file} is not JSON`);
    }
    if ((value as { type?: unknown } | null)?.type !== 'checkpoint') continue;
    if (!isCheckpoint(value)) throw new Error(`line ${n} of ${file} is not a well-formed checkpoint`);
    yield value;
  }
}

/** The latest checkpoint of each account in a file (by position); missing file: none. */
export async function latestCheckpoints(file: string): Promise<Map<string, PublishedCheckpoint>> {
  const latest = new Map<string, PublishedCheckpoint>();
  try {
    for await (const c of readCheckpoints(file)) {
      const known = latest.get(c.account);
      if (!known || c.sequence > known.sequence) latest.set(c.account, c);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return latest;
    throw error;
  }
  return latest;
}
