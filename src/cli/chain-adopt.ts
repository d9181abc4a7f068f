// npm run chain:adopt -- [--account <id>]
// After upgrading a database from a version without the hash chain: appends the events
// stored before it existed to their accounts' chains, in receipt order, and says how many.
import { runTool } from './run-cli.js';

runTool({
  usage: `usage: npm run chain:adopt -- [--account <id>]

After upgrading a database from a version without the hash chain: appends the events stored
before the chain existed to their accounts' chains, in receipt order. Only events received
before the chain's migration was applied; run it once, as an operator's decision.
  --account <id>   only this account (default: every account with such events)
  -h, --help       this text`,
  options: { account: { type: 'string' } },
  async run(values) {
    const { withToolDatabase } = await import('./tool-database.js');
    const done = await withToolDatabase(({ managers }) => managers.integrity.adoptUnchained({ accountId: values.account }), { logLevel: 'error' });
    if (!done.length) console.log('every event received before the chain existed is in it already; nothing to do');
    for (const { accountId, adopted } of done) console.log(`account ${accountId}: chained ${adopted} events stored before the chain existed`);
  },
});
