// npm run chain:adopt -- [--account <id>]
// After upgrading a database from a version without the hash chain: appends the events
// stored before it existed to their accounts' chains, in receipt order, and says how many.
import { parseArgs } from 'node:util';
import { runCli } from './run-cli.js';
import { withToolDatabase } from './tool-database.js';

runCli(async (args) => {
  const { values } = parseArgs({ args, options: { account: { type: 'string' } } });
  const done = await withToolDatabase(({ managers }) => managers.integrity.adoptUnchained({ accountId: values.account }), { logLevel: 'error' });
  if (!done.length) console.log('every event received before the chain existed is in it already; nothing to do');
  for (const { accountId, adopted } of done) console.log(`account ${accountId}: chained ${adopted} events stored before the chain existed`);
});
