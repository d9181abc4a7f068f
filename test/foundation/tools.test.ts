// Every command-line tool explains itself: --help prints its usage and exits 0, fast and
// without opening a database; an unknown option prints the usage and exits 2.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { runScript } from '../support/processes.js';

const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts;
const tools = Object.entries(scripts)
  .map(([name, command]) => [name, /src\/cli\/[\w-]+\.ts/.exec(command)?.[0]] as const)
  .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);

/** Runs a tool as npm would; a database that cannot be reached shows it opens none. */
const run = (file: string, args: string[]) => runScript(file, args, { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/nowhere', DATA_DIR: '/nonexistent/data' });

describe('the command-line tools', () => {
  it('are all here', () => {
    expect(tools.map(([name]) => name).sort()).toEqual(
      ['catalog:import', 'catalog:seed', 'chain:adopt', 'chain:export', 'db:migrate', 'db:migration', 'events:export', 'events:generate', 'keys:create', 'schema:emit', 'verify'].sort(),
    );
  });

  it.each(tools)('%s answers --help with its usage, exit 0, without a database', async (name, file) => {
    const { code, stdout, stderr, ms } = await run(file, ['--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.startsWith(`usage: npm run ${name}`)).toBe(true);
    expect(stdout).toContain('--help');
    // What it costs is starting node and tsx: no database, no gateway modules.
    expect(ms).toBeLessThan(10_000);
  });

  it.each(tools)('%s answers an unknown option with its usage and exit 2', async (name, file) => {
    const { code, stdout, stderr } = await run(file, ['--no-such-option']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: .*no-such-option/);
    expect(stderr).toContain(`usage: npm run ${name}`);
  });
});

describe('npm run verify', () => {
  it('says in one line that an export it is given does not exist', async () => {
    const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const { code, stdout, stderr } = await run('src/cli/verify.ts', ['--export', '/no/such/export.ndjson', `--public-key=${key}`]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: /no/such/export.ndjson does not exist\n');
  });
});
