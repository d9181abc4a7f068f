// npm run db:migrate: applies pending migrations to DATABASE_URL or the embedded database,
// exactly as `prisma migrate deploy` would, without Prisma's native engine.
import { runTool } from './run-cli.js';

runTool({
  usage: `usage: npm run db:migrate

Applies the pending migrations of prisma/migrations to the database the configuration names
(DATABASE_URL, else the embedded database in DATA_DIR), as prisma migrate deploy does.
  -h, --help   this text`,
  options: {},
  async run() {
    const [{ loadConfig }, { openDatabase }, { applyPendingMigrations }, { createToolLogger }] = await Promise.all([
      import('../config/config.js'),
      import('../database/database.js'),
      import('../database/migrations.js'),
      import('../logging/logger.js'),
    ]);
    const config = loadConfig();
    const db = await openDatabase(config, createToolLogger('warn'));
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
  },
});
