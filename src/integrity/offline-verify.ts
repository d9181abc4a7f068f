// Checks an exported chain (npm run chain:export) without the database: recomputes every
// link from the events' content, checks positions, and checks each checkpoint's Ed25519
// signature with the public keys in the export and its link against the recomputed chain.
// The same rules as verifyEvents, so a third party reaches the same verdict.
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { EventRecord } from '../events/event.model.js';
import { chainWalker, type ChainBreak } from './chain.js';
import type { ExportLine } from './integrity.manager.js';
import { verifyClaim } from './signer.js';

export interface OfflineVerification {
  ok: boolean;
  account: string;
  from: number;
  to: number;
  checked: number;
  checkpointsChecked: number;
  firstBroken: ChainBreak | null;
}

async function* lines(file: string): AsyncGenerator<ExportLine> {
  const reader = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of reader) {
    n++;
    if (!text.trim()) continue;
    try {
      yield JSON.parse(text) as ExportLine;
    } catch {
      throw new Error(`line ${n} of ${file} is not JSON`);
    }
  }
}

export async function verifyExport(file: string): Promise<OfflineVerification> {
  // First pass: the header and the checkpoints (they follow the events).
  let header: Extract<ExportLine, { type: 'chain' }> | null = null;
  const checkpoints: Array<Extract<ExportLine, { type: 'checkpoint' }>> = [];
  for await (const line of lines(file)) {
    if (line.type === 'chain') header = line;
    else if (line.type === 'checkpoint') checkpoints.push(line);
  }
  if (!header) throw new Error(`${file} has no chain header line: is it an export of npm run chain:export?`);
  const keys = new Map(header.publicKeys.map((k) => [k.keyId, k.publicKey]));
  const links = new Map<number, Buffer>();
  let bad: (typeof checkpoints)[number] | null = null;
  for (const c of checkpoints) {
    const { signature, type: _type, ...claim } = c;
    const key = keys.get(c.keyId);
    if (key && claim.account === header.account && verifyClaim(claim, Buffer.from(signature, 'base64'), key)) links.set(c.sequence, Buffer.from(c.hash, 'hex'));
    else bad ??= c;
  }

  // Second pass: the events, in chain order.
  const walker = chainWalker(header.from, Buffer.from(header.previousHash, 'hex'), links);
  let broken: ChainBreak | null = null;
  for await (const line of lines(file)) {
    if (line.type !== 'event') continue;
    const content = line.content as Omit<EventRecord, 'accountId' | 'receivedAt' | 'actionId' | 'actionName' | 'eventTime'> & { eventTime: string };
    const event: EventRecord = { ...content, actionName: content.action, eventTime: new Date(content.eventTime), receivedAt: new Date(line.receivedAt), accountId: header.account, actionId: 0 };
    broken = walker.step({ seq: line.sequence, hash: Buffer.from(line.hash, 'hex'), event });
    if (broken) break;
  }
  if (!broken && walker.last.seq < header.to) {
    broken = { sequence: walker.last.seq + 1, eventId: null, kind: 'MISSING', reason: `no event at position ${walker.last.seq + 1}; the export runs to ${header.to}` };
  }
  if (bad && (!broken || (broken.sequence ?? Infinity) > bad.sequence)) {
    broken = { sequence: bad.sequence, eventId: null, kind: 'CHECKPOINT_MISMATCH', reason: `the checkpoint at position ${bad.sequence} does not carry a valid signature of a key in the export` };
  }
  return { ok: !broken, account: header.account, from: header.from, to: header.to, checked: walker.checked, checkpointsChecked: checkpoints.length, firstBroken: broken };
}
