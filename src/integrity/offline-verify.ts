// Checks an exported chain (npm run chain:export) without the database: recomputes every
// link from the events' content, checks positions, the head and the strays the export
// lists, and compares with the checkpoints, whose signatures count only when made by a key
// the verifier is given (the export's own keys are information, not trust). Checkpoint
// logs (published outside the database) show a head rolled back or a chain rewritten since.
// The same rules as verifyEvents (verification.ts), so a third party reaches the same verdict.
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { EventRecord } from '../events/event.model.js';
import { GENESIS, type ChainBreak, type ChainedEvent } from './chain.js';
import { readCheckpoints, type PublishedCheckpoint } from './checkpoint-log.js';
import type { ExportLine } from './integrity.manager.js';
import { trustedKeys, type TrustedKey } from './trust.js';
import { verifyChain, walkEvents, type ChainVerdict, type EvidenceCheckpoint } from './verification.js';

export interface OfflineVerification extends ChainVerdict {
  account: string;
  from: number;
  to: number;
  headSequence: number;
}

export interface OfflineOptions {
  /** The keys whose checkpoints count; at least one. */
  trusted: TrustedKey[];
  /** Checkpoint logs (or other files of checkpoint lines) published outside the database. */
  checkpointFiles?: string[];
  onProgress?(checked: number, total: number): void;
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

type Header = Extract<ExportLine, { type: 'chain' }>;
type Content = Omit<EventRecord, 'accountId' | 'receivedAt' | 'actionId' | 'actionName' | 'eventTime'> & { eventTime: string };

async function* events(file: string, account: string): AsyncGenerator<ChainedEvent> {
  for await (const line of lines(file)) {
    if (line.type !== 'event') continue;
    const content = line.content as Content;
    const event: EventRecord = { ...content, actionName: content.action, eventTime: new Date(content.eventTime), receivedAt: new Date(line.receivedAt), accountId: account, actionId: 0 };
    yield { seq: line.sequence, hash: Buffer.from(line.hash, 'hex'), event };
  }
}

export async function verifyExport(file: string, options: OfflineOptions): Promise<OfflineVerification> {
  if (!options.trusted.length) throw new Error('no trusted public key given: a verdict needs the public key of the gateway that signed the checkpoints');
  // First pass: the header, the stored checkpoints and the strays (they follow the events).
  let header: Header | null = null;
  const checkpoints: EvidenceCheckpoint[] = [];
  let outside: string | null = null;
  let after: { id: string; seq: number } | null = null;
  for await (const line of lines(file)) {
    if (line.type === 'chain') header = line;
    else if (line.type === 'checkpoint') checkpoints.push({ checkpoint: line, source: 'stored' });
    else if (line.type === 'stray' && line.kind === 'OUTSIDE_CHAIN') outside ??= line.id;
    else if (line.type === 'stray' && line.kind === 'AFTER_HEAD' && line.sequence !== null) after ??= { id: line.id, seq: line.sequence };
  }
  if (!header) throw new Error(`${file} has no chain header line: is it an export of npm run chain:export?`);
  const account = header.account;
  for (const published of options.checkpointFiles ?? []) {
    const all: PublishedCheckpoint[] = [];
    for await (const c of readCheckpoints(published)) if (c.account === account) all.push(c);
    checkpoints.push(...all.map((checkpoint) => ({ checkpoint, source: 'published' as const })));
  }
  // Exports before the head was part of the header: the head is the last event exported.
  const head = header.head ? { seq: header.head.sequence, hash: header.head.hash ? Buffer.from(header.head.hash, 'hex') : null } : { seq: header.to, hash: null };
  const previous: Buffer | ChainBreak =
    header.from === 1
      ? GENESIS
      : header.previousHash
        ? Buffer.from(header.previousHash, 'hex')
        : { sequence: header.from - 1, eventId: null, kind: 'MISSING', reason: `no chained event at position ${header.from - 1}, the link before the range` };
  const total = Math.max(0, header.to - header.from + 1);
  const verdict = await verifyChain({
    account,
    from: header.from,
    to: header.to,
    head,
    previous,
    walk: (segment, progress, signal) => walkEvents(events(file, account), segment, progress, signal),
    checkpoints,
    trust: trustedKeys(options.trusted),
    strays: async () => ({ outside, after }),
    onProgress: options.onProgress && ((checked) => options.onProgress!(checked, total)),
  });
  return { ...verdict, account, from: header.from, to: header.to, headSequence: head.seq };
}
