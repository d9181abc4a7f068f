// A PostgreSQL server of the test's own, so that the test can stop and restart it: a real
// cluster (initdb + pg_ctl from the machine's PostgreSQL packages) when they are installed,
// else the embedded PostgreSQL (PGlite) behind its socket server on a fixed port.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/database/embedded.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  kind: 'cluster' | 'embedded';
  url: string;
  /** `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function pgBin(): Promise<string | null> {
  try {
    const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = path.join('/usr/lib/postgresql', v, 'bin');
      if ((await readdir(bin)).includes('pg_ctl')) return bin;
    }
  } catch {
    // not installed
  }
  return null;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aqg-private-pg-'));
  const port = await freePort();
  const bin = await pgBin();
  const root = process.getuid?.() === 0;
  if (bin) {
    try {
      // PostgreSQL refuses to run as root: as root, run it as the postgres user.
      const as = (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args));
      if (root) await chown(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
      const data = path.join(dir, 'data');
      await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      const start = () => as('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']).then(() => undefined);
      await start();
      return {
        kind: 'cluster',
        url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
        stop: (mode = 'fast') => as('pg_ctl', ['-D', data, '-w', '-m', mode, 'stop']).then(() => undefined),
        start,
        async destroy() {
          await as('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (!root) throw error;
      // No usable postgres user here: fall back to the embedded server.
    }
  }
  let server: EmbeddedPostgres | null = await startEmbeddedPostgres(dir, 8, port);
  return {
    kind: 'embedded',
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server?.stop();
      server = null;
    },
    async start() {
      server = await startEmbeddedPostgres(dir, 8, port);
    },
    async destroy() {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
