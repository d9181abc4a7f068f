// npm run verify -- --export <file> [--json]
// Checks an exported event chain with its signed checkpoints, without the database.
// Exit code 0: the chain holds; 1: it is broken (the first break is printed).
import { parseArgs } from 'node:util';
import { verifyExport } from '../integrity/offline-verify.js';
import { runCli } from './run-cli.js';

const USAGE = 'usage: npm run verify -- --export <file of npm run chain:export> [--json]';

runCli(async (args) => {
  const { values } = parseArgs({ args, options: { export: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (!values.export) throw new Error(USAGE);
  const result = await verifyExport(values.export);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else if (result.ok) {
    console.log(`ok: account ${result.account}, positions ${result.from} to ${result.to}: ${result.checked} events and ${result.checkpointsChecked} signed checkpoints match`);
  } else {
    const b = result.firstBroken!;
    console.log(`broken at position ${b.sequence ?? '-'}${b.eventId ? ` (event ${b.eventId})` : ''}: ${b.kind}: ${b.reason}`);
  }
  process.exitCode = result.ok ? 0 : 1;
});
