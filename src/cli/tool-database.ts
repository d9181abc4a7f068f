// What the command-line tools that change or read the domain share: the configured
// database, migrated, with the managers configured as the gateway's. The audit records of
// their changes reach the events before the database is closed.
import { loadConfig, type Config } from '../config/config.js';
import { openDatabase, type Database } from '../database/database.js';
import { applyPendingMigrations } from '../database/migrations.js';
import { createManagers, managerOptions } from '../gateway.js';
import { createToolLogger, type Logger } from '../logging/logger.js';

export interface Tool {
  config: Config;
  log: Logger;
  db: Database;
  managers: ReturnType<typeof createManagers>;
}

export async function withToolDatabase<T>(fn: (tool: Tool) => Promise<T>, options: { logLevel?: string } = {}): Promise<T> {
  const config = loadConfig();
  const log = createToolLogger(options.logLevel ?? 'warn');
  const db = await openDatabase(config, log);
  try {
    await applyPendingMigrations(db.pool);
    const managers = createManagers(db, log, managerOptions(config));
    try {
      return await fn({ config, log, db, managers });
    } finally {
      await managers.audit.flush();
    }
  } finally {
    await db.close();
  }
}
