// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), driven
// through the same `pg` pool as the gateway. It does what `prisma migrate deploy` and
// `prisma migrate diff` do, without the native binary the CLI would download.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineModule from '@prisma/schema-engine-wasm/schema_engine_bg';
import type {
  ApplyMigrationsOutput,
  MigrationList,
  SchemaEngine,
} from '@prisma/schema-engine-wasm';
import type pg from 'pg';

export type { MigrationList, SchemaEngine };

const require = createRequire(import.meta.url);

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}
let ready: Promise<typeof engineModule> | null = null;

/** Instantiates the WebAssembly module once per process. */
function loadEngineModule(): Promise<typeof engineModule> {
  ready ??= (async () => {
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    // Node has WebAssembly; the DOM lib that types it is not part of this project.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': engineModule });
    const glue = engineModule as unknown as { __wbg_set_wasm(exports: unknown): void };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return engineModule;
  })();
  return ready;
}

export type EngineLog = (line: string) => void;

/**
 * Prisma's pg adapter (7.10.0) runs a migration script by splitting it at every `;`, which
 * breaks a statement that holds one (a function body, a comment). PostgreSQL takes the whole
 * script as one simple query, which is how Prisma's native engine sends it.
 */
class WholeScriptPrismaPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const pool = adapter.underlyingDriver();
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (error) {
        // The adapter's own conversion to the error the engine understands.
        (adapter as unknown as { onError(error: unknown): never }).onError(error);
      }
    };
    return adapter;
  }
}

/**
 * Runs `fn` with an engine connected like `pool`. `datamodel` is the Prisma schema text when
 * the call needs one.
 *
 * The engine gets a connection of its own, closed afterwards: it takes a session-level
 * advisory lock (pg_advisory_lock(72707369)) while migrating and does not release it, so
 * on a pooled connection the lock would outlive the call and block every other process
 * that migrates the same database. The lock is released before that connection closes.
 */
export async function withSchemaEngine<T>(
  pool: pg.Pool,
  fn: (engine: SchemaEngine) => Promise<T>,
  options: { datamodel?: string; onLog?: EngineLog } = {},
): Promise<T> {
  const mod = await loadEngineModule();
  const { Pool } = (await import('pg')).default;
  const own = new Pool({ ...(pool as pg.Pool & { options: pg.PoolConfig }).options, max: 1, idleTimeoutMillis: 1000 });
  const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPrismaPg(own));
  try {
    const engine = await mod.SchemaEngine.new(
      { datamodels: options.datamodel ? [['schema.prisma', options.datamodel]] : undefined },
      (line: string) => options.onLog?.(line),
      adapter,
    );
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    // Released here rather than by the backend's exit, which ends after the client has
    // hung up: a process migrating right after this one would still find the lock taken.
    await own.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await own.end();
  }
}

export const noFilters = { externalTables: [], externalEnums: [] };

/** The SQL that takes a database from the state of `from` to that of `to` (datamodels). */
export async function diffDatamodels(pool: pg.Pool, from: string | null, to: string): Promise<string> {
  return withSchemaEngine(pool, async (engine) => {
    const result = await engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: from }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: to }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? '';
  });
}

export async function applyMigrationList(pool: pg.Pool, migrationsList: MigrationList, onLog?: EngineLog): Promise<ApplyMigrationsOutput> {
  return withSchemaEngine(pool, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }), { onLog });
}
