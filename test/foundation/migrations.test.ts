// prisma/migrations and prisma/schema.prisma must describe the same database, and the
// migrations must be applied the way `prisma migrate deploy` applies them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedSchemaPath, migrationsDir, prismaSchemaPath } from '../../src/config/paths.js';
import { applyPendingMigrations, localMigrationNames } from '../../src/database/migrations.js';
import { diffDatamodels } from '../../src/database/schema-engine.js';
import { dumpSchema } from '../support/schema-dump.js';
import { withScratchDatabase } from '../support/scratch.js';

describe('migrations', () => {
  it('build the same schema as schema.prisma (no drift)', async () => {
    const schema = await readFile(prismaSchemaPath, 'utf8');
    const fromMigrations = await withScratchDatabase('drift_a', async (pool) => {
      await applyPendingMigrations(pool);
      return dumpSchema(pool);
    });
    const fromSchema = await withScratchDatabase('drift_b', async (pool) => {
      await pool.query(await diffDatamodels(pool, null, schema));
      return dumpSchema(pool);
    });
    expect(fromMigrations.columns.length).toBeGreaterThan(50);
    expect(fromMigrations).toEqual(fromSchema);
  }, 60_000);

  it('keep the snapshot used by db:migration equal to schema.prisma', async () => {
    const [schema, snapshot] = await Promise.all([readFile(prismaSchemaPath, 'utf8'), readFile(migratedSchemaPath, 'utf8')]);
    const sql = await withScratchDatabase('snapshot', (pool) => diffDatamodels(pool, snapshot, schema));
    expect(sql.replace(/^--.*$/gm, '').trim()).toBe('');
  }, 60_000);

  it('apply once, record checksums like prisma migrate deploy, and apply nothing the second time', async () => {
    await withScratchDatabase('apply', async (pool) => {
      const names = await localMigrationNames();
      const first = await applyPendingMigrations(pool);
      expect(first.applied).toEqual(names);
      const second = await applyPendingMigrations(pool);
      expect(second.applied).toEqual([]);
      // Prisma's engine locks with a session-level advisory lock; none may be left behind,
      // or every other process that migrates this database would wait for it. (PGlite runs
      // one session for all its connections and admits one process: nothing to block.)
      if (process.env.DATABASE_URL) {
        const locks = await pool.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        expect(locks.rows[0].n).toBe(0);
      }
      const { rows } = await pool.query('SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name');
      for (const row of rows) {
        const sql = await readFile(path.join(migrationsDir, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).toBeInstanceOf(Date);
      }
    });
  }, 60_000);

  it('are named <timestamp>_<name> with a lock file for postgresql', async () => {
    for (const name of await localMigrationNames()) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');
  });
});
