// A throwaway database for one check: a fresh one on the test server, or an in-memory PGlite.
import pg from 'pg';
import { withScratchPostgres } from '../../src/database/scratch.js';
import { createTestDatabase } from './database.js';

export async function withScratchDatabase<T>(label: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  if (!process.env.DATABASE_URL) return withScratchPostgres(fn);
  const db = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: db.url!, max: 2 });
  // pool.end() resolves before its connections have closed; the DROP ... WITH (FORCE) after
  // it may terminate one still closing, whose error would otherwise go unhandled: the
  // client emits it, and the pool again for a client it holds idle.
  pool.on('connect', (client) => client.on('error', () => undefined));
  pool.on('error', () => undefined);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
    await db.drop();
  }
}
