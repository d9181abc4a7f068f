// `npm start` on a fresh machine: no DATABASE_URL, no server. The gateway creates an
// embedded PostgreSQL in DATA_DIR, migrates it, answers, stops cleanly and starts again
// on the same data. Bad folders and values stop it with one clear line.
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postGraphQL } from '../support/gateway.js';
import { createKeyWithCli, spawnGateway, terminate } from '../support/child.js';
import { createTestDatabase, serverUrl } from '../support/database.js';

let root: string;
let dataDir: string;
/** The admin key the first start printed. */
let adminKey: string;
const auth = () => ({ authorization: `Bearer ${adminKey}` });
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aqg-embedded-'));
  dataDir = path.join(root, 'data');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })).sort((a, b) =>
    path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)),
  )) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    hash.update(file).update(await readFile(file));
  }
  return hash.digest('hex');
}

describe('embedded mode', () => {
  it('boots in an empty folder, migrates, answers, and stops with exit 0 on SIGTERM', async () => {
    const gateway = spawnGateway({ DATA_DIR: dataDir });
    const url = await gateway.url();
    const database = await gateway.waitForLog(/^database: /);
    expect(database.msg).toBe(`database: embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pg')}`);
    const migrations = await gateway.waitForLog(/^migrations: /);
    expect(migrations.msg).toMatch(/^migrations: applied \d+ now/);

    // Zero setup: the first start makes an admin key and prints it once.
    const keyLine = await gateway.waitForLog(/^admin key of this embedded database/);
    adminKey = String(keyLine.key);
    expect(adminKey).toMatch(/^aqg_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const anonymous = await postGraphQL(url, '{ locations { code } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const res = await postGraphQL<{ locations: Array<{ code: string }> }>(url, '{ locations { code } }', undefined, auth());
    expect(res.body.data?.locations.map((l) => l.code)).toContain('us-south');

    // A second gateway on the same folder is refused while the first runs.
    const intruder = spawnGateway({ DATA_DIR: dataDir });
    expect(await intruder.exited).toBe(1);
    expect(intruder.stderr).toHaveLength(1);
    expect(intruder.stderr[0]).toMatch(/^error: the embedded database in .* is in use by another gateway process \(pid \d+\)/);

    const { code, ms } = await terminate(gateway);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  }, 90_000);

  it('reuses the data on the next start, and finishes an in-flight request on SIGTERM', async () => {
    const gateway = spawnGateway({ DATA_DIR: dataDir });
    const url = await gateway.url();
    expect((await gateway.waitForLog(/^migrations: /)).msg).toMatch(/^migrations: up to date/);
    expect((await postGraphQL<{ locations: unknown[] }>(url, '{ locations { code } }', undefined, auth())).body.data?.locations.length).toBe(12);
    // The key was shown once, at the first start.
    expect(gateway.stdout.join('\n')).not.toContain('admin key');

    // A request whose body is still arriving when SIGTERM comes must still be answered.
    const body = JSON.stringify({ query: '{ locations { code } }' });
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...auth() } });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    request.flushHeaders();
    await new Promise((resolve) => request.once('socket', (s) => (s.connecting ? s.once('connect', resolve) : resolve(undefined))));
    const exit = terminate(gateway);
    await gateway.waitForLog(/^shutting down/);
    // New connections are refused from now on.
    await expect(fetch(url.replace('/graphql', '/healthz'))).rejects.toThrow();
    request.end(body.slice(10));
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text).data.locations).toHaveLength(12);
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  }, 90_000);

  it('refuses a damaged data folder with one line and changes nothing', async () => {
    const damaged = path.join(root, 'damaged');
    await cp(dataDir, damaged, { recursive: true });
    await writeFile(path.join(damaged, 'pg', 'PG_VERSION'), 'garbage\n');
    const before = await fingerprint(damaged);
    const gateway = spawnGateway({ DATA_DIR: damaged });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr).toHaveLength(1);
    expect(gateway.stderr[0]).toMatch(/^error: the embedded database in .* cannot be opened .*nothing was changed/);
    expect(await fingerprint(damaged)).toBe(before);
  }, 60_000);

  it('refuses a folder that is not a database', async () => {
    const foreign = path.join(root, 'foreign');
    await mkdir(path.join(foreign, 'pg'), { recursive: true });
    await writeFile(path.join(foreign, 'pg', 'notes.txt'), 'mine');
    const gateway = spawnGateway({ DATA_DIR: foreign });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr).toEqual([expect.stringMatching(/is not an embedded database folder/)]);
    expect(await readdir(path.join(foreign, 'pg'))).toEqual(['notes.txt']);
  }, 60_000);
});

describe('configuration errors', () => {
  it.each([
    [{ PORT: 'abc' }, /^error: PORT must be a port number \(0-65535\) \(got "abc"\)$/, 2],
    [{ DATABASE_URL: 'not a url' }, /^error: DATABASE_URL must be a PostgreSQL URL/, 2],
    [{ DATABASE_URL: 'postgresql://user:s3cret@127.0.0.1:1/x', DATABASE_CONNECT_TIMEOUT_MS: '500' }, /^error: cannot reach PostgreSQL server 127\.0\.0\.1:1\/x as user \(password \*\*\*\*\)/, 1],
  ])('%o stops the start with one line', async (env, message, exitCode) => {
    const gateway = spawnGateway({ DATA_DIR: path.join(root, 'unused'), ...env });
    expect(await gateway.exited).toBe(exitCode);
    expect(gateway.stderr).toHaveLength(1);
    expect(gateway.stderr[0]).toMatch(message);
    expect(gateway.stderr.join('\n')).not.toContain('s3cret');
    expect(gateway.stderr.join('\n')).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe.runIf(serverUrl)('server mode', () => {
  it('runs several gateway processes on one port with WORKERS, and stops them all on SIGTERM', async () => {
    const db = await createTestDatabase('child_workers');
    try {
      const key = await createKeyWithCli({ DATABASE_URL: db.url! }, 'reader');
      const gateway = spawnGateway({ DATABASE_URL: db.url!, WORKERS: '2' });
      await gateway.waitForLog(/^starting 2 gateway processes$/);
      const url = await gateway.url();
      // Both processes announce themselves; either may answer.
      await gateway.waitForLog(/^migrations: /);
      const answers = await Promise.all(Array.from({ length: 6 }, () => postGraphQL<{ locations: unknown[] }>(url, '{ locations { code } }', undefined, { authorization: `Bearer ${key}` })));
      expect(answers.every((a) => a.body.data?.locations.length === 12)).toBe(true);
      // The second process may still be starting on a busy machine.
      await eventually(async () => gateway.stdout.filter((l) => l.includes('GraphQL endpoint:')).length === 2, 30_000);
      // PORT=0: the cluster hands both processes the one port the first was given (a port
      // picked by the test could be taken by then by any other test's connection).
      const endpoints = gateway.stdout.filter((l) => l.includes('GraphQL endpoint:')).map((l) => /http:\/\/[^\s"]+/.exec(l)?.[0]);
      expect(new Set(endpoints)).toEqual(new Set([url]));
      const { code, ms } = await terminate(gateway);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('uses DATABASE_URL and prints it with the password masked', async () => {
    const db = await createTestDatabase('child_server');
    try {
      const url = new URL(db.url!);
      url.username = 'postgres';
      url.password = 'hunter2';
      const key = await createKeyWithCli({ DATABASE_URL: db.url! }, 'reader');
      const gateway = spawnGateway({ DATABASE_URL: url.toString() });
      const endpoint = await gateway.url();
      const line = await gateway.waitForLog(/^database: /);
      expect(line.msg).toBe(`database: PostgreSQL server ${url.hostname}:${url.port || '5432'}${url.pathname} as postgres (password ****)`);
      expect(gateway.stdout.join('\n')).not.toContain('hunter2');
      const res = await postGraphQL<{ locations: unknown[] }>(endpoint, '{ locations { code } }', undefined, { authorization: `Bearer ${key}` });
      expect(res.body.data?.locations.length).toBe(12);
      expect((await terminate(gateway)).code).toBe(0);
    } finally {
      await db.drop();
    }
  }, 60_000);
});
