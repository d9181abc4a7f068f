// npm run chain:adopt -- [--account <id>]
// After upgrading a database from a version without the hash chain: appends the events
// stored before it existed to their accounts' chains, in receipt order, and says how many.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../database/database.js';
import { applyPendingMigrations } from '../database/migrations.js';
import { createManagers } from '../gateway.js';
import { createLogger } from '../logging/logger.js';
import { runCli } from './run-cli.js';

runCli(async (args) => {
  const { values } = parseArgs({ args, options: { account: { type: 'string' } } });
  const config = loadConfig();
  const log = createLogger('error');
  const db = await openDatabase(config, log);
  try {
    await applyPendingMigrations(db.pool);
    const { integrity } = createManagers(db, log, { operatorAccount: config.operatorAccount, integrity: config.integrity });
    const done = await integrity.adoptUnchained({ accountId: values.account });
    if (!done.length) console.log('every event received before the chain existed is in it already; nothing to do');
    for (const { accountId, adopted } of done) console.log(`account ${accountId}: chained ${adopted} events stored before the chain existed`);
  } finally {
    await db.close();
  }
});
