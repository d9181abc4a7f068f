// A throwaway in-memory PostgreSQL (PGlite) for work that needs a database but no data:
// the schema engine connects even to diff two datamodels.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

export async function withScratchPostgres<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const pool = new pg.Pool({ host, port: Number(port), user: 'postgres', database: 'postgres', max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end().catch(() => undefined);
    await server.stop();
    await db.close();
  }
}
