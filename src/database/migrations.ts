// The migrations in prisma/migrations, read the way `prisma migrate deploy` reads them, and
// applied through the WebAssembly schema engine (same `_prisma_migrations` bookkeeping).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { migrationsDir } from '../config/paths.js';
import { applyMigrationList, type EngineLog, type MigrationList } from './schema-engine.js';

export async function readMigrationList(dir = migrationsDir): Promise<MigrationList> {
  const lockPath = 'migration_lock.toml';
  const lockContent = await readFile(path.join(dir, lockPath), 'utf8').catch(() => null);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) => {
        const file = 'migration.sql';
        const content = await readFile(path.join(dir, entry.name, file), 'utf8')
          .then((value) => ({ tag: 'ok' as const, value }))
          .catch((error: Error) => ({ tag: 'error' as const, value: error.message }));
        return { path: entry.name, migrationFile: { path: file, content } };
      }),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir: dir, lockfile: { path: lockPath, content: lockContent }, shadowDbInitScript: '', migrationDirectories };
}

export interface MigrationReport {
  applied: string[];
  total: number;
}

/** Applies pending migrations; returns which were applied now and how many exist. */
export async function applyPendingMigrations(pool: pg.Pool, onLog?: EngineLog, dir = migrationsDir): Promise<MigrationReport> {
  const list = await readMigrationList(dir);
  const output = await applyMigrationList(pool, list, onLog);
  return { applied: output.appliedMigrationNames, total: list.migrationDirectories.length };
}

/** Names of local migrations not (successfully) applied to the database. */
export async function pendingMigrationNames(pool: pg.Pool, localNames: string[]): Promise<string[]> {
  const exists = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0]?.present) return localNames;
  const { rows } = await pool.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return localNames.filter((name) => !applied.has(name));
}

export async function localMigrationNames(dir = migrationsDir): Promise<string[]> {
  const list = await readMigrationList(dir);
  return list.migrationDirectories.map((m) => m.path);
}
