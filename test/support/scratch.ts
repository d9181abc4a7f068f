// A throwaway database for one check: a fresh one on the test server, or an in-memory PGlite.
import pg from 'pg';
import { withScratchPostgres } from '../../src/database/scratch.js';
import { createTestDatabase } from './database.js';

export async function withScratchDatabase<T>(label: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  if (!process.env.DATABASE_URL) return withScratchPostgres(fn);
  const db = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: db.url!, max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
    await db.drop();
  }
}
