// npm run chain:export -- [--account <id>] [--from <position>] [--to <position>] [--out <file>]
// Writes an account's chained events with their links, the signed checkpoints and the
// public keys as NDJSON: what `npm run verify -- --export <file>` (or a third party) checks.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { runCli } from './run-cli.js';
import { withToolDatabase } from './tool-database.js';

const USAGE = 'usage: npm run chain:export -- [--account <id>] [--from <position>] [--to <position>] [--out <file>]';

runCli(async (args) => {
  const { values } = parseArgs({ args, options: { account: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
  const position = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`--${name} must be a position (1 or more); ${USAGE}`);
    return Number(v);
  };
  const from = position(values.from, 'from');
  const to = position(values.to, 'to');
  await withToolDatabase(async ({ config, managers: { integrity } }) => {
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    let events = 0;
    for await (const line of integrity.exportChain(values.account ?? config.operatorAccount, { from, to })) {
      if (line.type === 'event') events++;
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
    if (values.out) {
      (out as ReturnType<typeof createWriteStream>).end();
      await once(out, 'finish');
      console.error(`wrote ${events} events to ${values.out}`);
    }
  });
});
