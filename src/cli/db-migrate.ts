// npm run db:migrate: applies pending migrations to DATABASE_URL or the embedded database,
// exactly as `prisma migrate deploy` would, without Prisma's native engine.
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../database/database.js';
import { applyPendingMigrations } from '../database/migrations.js';
import { createToolLogger } from '../logging/logger.js';
import { runCli } from './run-cli.js';

runCli(async () => {
  const config = loadConfig();
  const log = createToolLogger('warn');
  const db = await openDatabase(config, log);
  try {
    const report = await applyPendingMigrations(db.pool);
    console.log(`database: ${db.label}`);
    console.log(
      report.applied.length
        ? `migrations: applied ${report.applied.length} (${report.applied.join(', ')}), ${report.total} in all`
        : `migrations: none pending, ${report.total} in all`,
    );
  } finally {
    await db.close();
  }
});
