// Every tool that writes to stdout delivers all of it through a pipe. A reader that is slow
// to start (the pipe's 64 KiB fill up and the rest waits in the tool) is where a tool that
// exits before stdout drained cut its output at exactly 65,536 bytes.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runScript, spawnChild } from '../support/processes.js';

const MiB = 1024 * 1024;
let db: TestDatabase;
let dir: string;

/**
 * Runs a tool with stdout as a pipe that is not read for its first half second (a
 * consumer busy elsewhere), then read to the end: everything it wrote, and its exit code.
 */
function throughSlowPipe(file: string, args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawnChild(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...process.env, DATABASE_URL: '', ...db.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout!.pause();
  setTimeout(() => child.stdout!.on('data', (c: Buffer) => chunks.push(c)).resume(), 500);
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr })));
}

/** A page of `count` actions with long descriptions, in one table. */
function largePage(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `| \`pipe-test.object-${i}.create\` | ${`Creates object ${i} of the pipe test, described at length. `.repeat(6)}|`);
  return `# Pipe test events\n\n| Action | Description |\n|---|---|\n${rows.join('\n')}\n`;
}

beforeAll(async () => {
  db = await createTestDatabase('pipes');
  dir = await mkdtemp(path.join(os.tmpdir(), 'aqg-pipes-'));
  await writeFile(path.join(dir, 'large-page.md'), largePage(3000));
  // Enough events for more than a MiB of export (about 1 KB each).
  const generated = await runScript('src/cli/events-generate.ts', ['--count', '3000', '--days', '2'], { DATABASE_URL: '', ...db.env });
  expect(generated.code, generated.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('tools writing to a pipe', () => {
  it('catalog:import --dry-run --json delivers its whole report', async () => {
    const { code, stdout, stderr } = await throughSlowPipe('src/cli/catalog-import.ts', [path.join(dir, 'large-page.md'), '--dry-run', '--json']);
    expect(code, stderr).toBe(0);
    expect(stdout.length).toBeGreaterThan(MiB);
    const [report] = JSON.parse(stdout.toString('utf8')) as Array<{ actions: unknown[] }>;
    expect(report!.actions).toHaveLength(3000);
  }, 120_000);

  it('events:export delivers every event', async () => {
    const { code, stdout, stderr } = await throughSlowPipe('src/cli/events-export.ts', ['--format', 'ndjson']);
    expect(code, stderr).toBe(0);
    expect(stdout.length).toBeGreaterThan(MiB);
    const lines = stdout.toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { id: string }).filter((e) => e.id)).toHaveLength(3000);
  }, 120_000);

  it('chain:export delivers the whole chain, and verify --json its whole verdict', async () => {
    const exported = await throughSlowPipe('src/cli/chain-export.ts', []);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.length).toBeGreaterThan(MiB);
    const records = exported.stdout.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type?: string });
    expect(records.length).toBeGreaterThan(3000);
    // verify --json writes one verdict (under a KiB: it cannot reach a MiB); it arrives whole too.
    const file = path.join(dir, 'chain.ndjson');
    await writeFile(file, exported.stdout);
    const key = path.join(dir, 'some-public.pem');
    await writeFile(key, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const verdict = await throughSlowPipe('src/cli/verify.ts', ['--export', file, '--public-key', key, '--json']);
    expect(verdict.stderr).not.toMatch(/^error/m);
    expect(typeof (JSON.parse(verdict.stdout.toString('utf8')) as { ok: unknown }).ok).toBe('boolean');
  }, 120_000);
});
