// `npm run catalog:import` as a real process against a test database.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot, seedSourcesDir } from '../../src/config/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runScript } from '../support/processes.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('import_cli');
});
afterAll(async () => {
  await db?.drop();
});

/** The tool's output; a non-zero exit rejects with its code and output (as execFile does). */
async function importCli(...args: string[]) {
  const result = await runScript('src/cli/catalog-import.ts', args, { DATABASE_URL: '', ...db.env });
  if (result.code !== 0) throw Object.assign(new Error(result.stderr), result);
  return { stdout: result.stdout, stderr: result.stderr };
}

it('prints what would be imported as JSON and writes nothing, then imports once, then changes nothing', async () => {
  const dry = await importCli(seedSourcesDir, '--dry-run', '--json');
  const documents = JSON.parse(dry.stdout) as Array<{
    source: string;
    dryRun: boolean;
    services: Array<{ prefix: string; displayName: string }>;
    actions: Array<{ name: string; description: string; group: string; httpMethod: string | null; httpPath: string | null; locations: string[]; templateValues: string[] }>;
  }>;
  expect(documents.map((d) => [d.source, d.dryRun, d.actions.length])).toEqual([
    ['000_a6899724368751e1.txt', true, 30],
    ['001_c5219067b72054b2.txt', true, 126],
    ['002_207c232261481f86.txt', true, 20],
    ['003_71e3f04eef4def18.txt', true, 38],
    ['004_1bc8a59d7a5e2070.txt', true, 20],
  ]);
  expect(new Set(documents.flatMap((d) => d.actions.map((a) => a.name))).size).toBe(214);
  expect(documents[3]!.actions.find((a) => a.name === 'speech-to-text.custom-language-model.create')).toEqual({
    name: 'speech-to-text.custom-language-model.create',
    service: 'speech-to-text',
    description: 'Create a custom language model.',
    group: 'Language model customization create events',
    httpMethod: 'POST',
    httpPath: '/v1/customizations',
    locations: ['eu-de'],
    templateVariable: null,
    templateValues: [],
    deprecated: false,
  });
  expect(documents[1]!.services.find((s) => s.prefix === 'wdp.scheduling')).toEqual({ prefix: 'wdp.scheduling', displayName: 'Scheduling', locations: [] });

  // The dry run wrote nothing: the real import still adds everything.
  const first = await importCli(seedSourcesDir);
  expect(first.stdout).toContain('5 pages: services 13 added, 0 updated; actions 214 added, 0 updated, 20 unchanged');
  const second = await importCli(seedSourcesDir);
  expect(second.stdout).toContain('5 pages: services 0 added, 0 updated; actions 0 added, 0 updated, 234 unchanged');
}, 120_000);

it('prints skipped lines with their reason, and says when a page has no actions', async () => {
  const fixtures = path.join(projectRoot, 'test', 'catalog', 'fixtures');
  const { stdout } = await importCli(path.join(fixtures, 'vpc-markdown.md'), path.join(fixtures, 'no-actions.md'));
  expect(stdout).toContain('line 39: | `initiator.host.address` | The address of the initiator | | | (`initiator.host.address` is an event field path)');
  expect(stdout).toContain('line 40: | `config.values.yaml` | The configuration file | | | (`config.values.yaml` is a file name)');
  expect(stdout).toMatch(/no-actions\.md\n {2}no actions found on this page; nothing imported/);
  expect(stdout).toContain('actions:  8 added, 0 updated, 0 unchanged');
}, 60_000);

it('explains a missing file in one line', async () => {
  await expect(importCli('/no/such/page.md')).rejects.toMatchObject({ code: 1, stderr: 'error: /no/such/page.md does not exist\n' });
});
