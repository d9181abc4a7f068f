// A comparable description of a database schema: columns, indexes, constraints, enums.
// Used to prove that prisma/migrations produce exactly what prisma/schema.prisma describes.
import type pg from 'pg';

export async function dumpSchema(pool: pg.Pool): Promise<Record<string, string[]>> {
  const rows = async (sql: string) => (await pool.query(sql)).rows.map((r) => Object.values(r).map(String).join(' | ')).sort();
  return {
    columns: await rows(`
      SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, ''),
             coalesce(character_maximum_length::text, ''), coalesce(datetime_precision::text, '')
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`),
    indexes: await rows(`
      SELECT tablename, indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`),
    constraints: await rows(`
      SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`),
    enums: await rows(`
      SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`),
  };
}
