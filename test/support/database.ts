// Each test file gets a database of its own: a fresh PostgreSQL database on the server that
// DATABASE_URL names (as .ci/run sets it), or a private embedded (PGlite) folder otherwise.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  /** Environment variables that point the gateway at this database. */
  env: Record<string, string>;
  /** A connection URL when the database is on a server; null for the embedded one. */
  url: string | null;
  drop(): Promise<void>;
}

export const serverUrl = process.env.DATABASE_URL || null;

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (!serverUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `aqg-${label}-`));
    return {
      env: { DATA_DIR: dataDir },
      url: null,
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `aqg-${label}-`));
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    url: url.toString(),
    async drop() {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl! });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
