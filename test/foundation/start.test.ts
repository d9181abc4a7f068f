// `npm start` as a newcomer meets it: on a busy port it says so at once, before the slow
// first migration, and makes no key it could not show; the first start shows its admin key
// the moment it exists, with a banner on a terminal (LOG_FORMAT=pretty here) that says where
// everything is; SIGTERM sent to `npm start` itself stops the gateway.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postGraphQL } from '../support/gateway.js';
import { signalGroup, spawnChild } from '../support/processes.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aqg-start-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** `npm start` (or the gateway itself), its output gathered (in a process group of its own, killed with the file). */
function start(env: Record<string, string>, command: string[] = ['npm', 'start', '--silent']) {
  const child: ChildProcess = spawnChild(command[0]!, command.slice(1), {
    env: { ...process.env, DATABASE_URL: '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

const gatewayCommand = [process.execPath, '--import', 'tsx', path.join('src', 'main.ts')];

describe('npm start', () => {
  it('on a busy port says so at once, before migrating, and makes no key; the next start shows its key', async () => {
    const dataDir = path.join(root, 'busy');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const busy = start({ DATA_DIR: dataDir, PORT: String(port) }, gatewayCommand);
      expect(await busy.exited).toBe(1);
      expect(busy.err()).toBe(`error: port ${port} is already in use on 127.0.0.1; stop the other process or set PORT\n`);
      // Before the database: a first start would migrate and seed for many seconds.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(busy.out()).not.toContain('aqg_');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const first = start({ DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'pretty' }, gatewayCommand);
    const banner = await eventually(async () => first.out().includes('Audit query gateway is running') && first.out(), 90_000);
    const key = /\n {4}(aqg_[0-9a-f]{32}_[A-Za-z0-9_-]{43})\n/.exec(banner)?.[1];
    expect(key).toBeDefined();
    const url = /GraphQL {5}(http:\/\/\S+)/.exec(banner)?.[1];
    expect(banner).toMatch(/GraphiQL {4}http:\/\/\S+\/graphiql/);
    expect(banner).toContain(`Database    embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pg')}`);
    expect(banner).toContain('Admin key   printed above, once');
    // Lines people read, not JSON.
    expect(banner).not.toMatch(/^\{"level"/m);
    const res = await postGraphQL<{ viewer: { role: string } }>(url!.replace('localhost', '127.0.0.1'), '{ viewer { role } }', undefined, { authorization: `Bearer ${key}` });
    expect(res.body.data?.viewer.role).toBe('ADMIN');
    signalGroup(first.child, 'SIGTERM');
    expect(await first.exited).toBe(0);

    // A later start shows no key, and says how to make another.
    const later = start({ DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'pretty' }, gatewayCommand);
    const again = await eventually(async () => later.out().includes('Audit query gateway is running') && later.out(), 60_000);
    expect(again).not.toContain('aqg_');
    expect(again).toContain('Admin key   made at the first start; another: stop the gateway, then npm run keys:create -- --role admin --account local');
    signalGroup(later.child, 'SIGTERM');
    expect(await later.exited).toBe(0);
  }, 180_000);

  it('stops the gateway when SIGTERM is sent to npm start itself', async () => {
    const npm = start({ DATA_DIR: path.join(root, 'npm'), PORT: '0' });
    // Not a terminal: JSON lines.
    const line = await eventually(async () => npm.out().split('\n').find((l) => l.includes('GraphQL endpoint')), 90_000);
    const url = String(JSON.parse(line).url).replace('localhost', '127.0.0.1');
    expect((await fetch(url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
    // To npm's process only, as a process manager or `kill <pid>` sends it.
    npm.child.kill('SIGTERM');
    expect(await npm.exited).not.toBeNull();
    await eventually(async () => !(await fetch(url.replace(/\/graphql$/, '/healthz')).then(() => true, () => false)), 15_000);
    expect(npm.out()).toContain('"msg":"stopped"');
  }, 120_000);
});
