// npm run chain:export: writes an account's chained events with their links, the head, the
// signed checkpoints and any strays as NDJSON: what `npm run verify -- --export <file>` (or a
// third party holding the public key) checks.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { runTool, UsageError } from './run-cli.js';

const USAGE = `usage: npm run chain:export -- [--account <id>] [--from <position>] [--to <position>] [--out <file>]

Writes an account's hash chain as NDJSON (to stdout, or to --out): a header with the range,
the head and the link before the range, the events with their links, the checkpoints, and
events found outside the chain. Check it with npm run verify -- --export <file> --public-key <key>.
  --account <id>        the account (default: OPERATOR_ACCOUNT)
  --from, --to <n>      positions (default: the whole chain)
  --out <file>          write there instead of stdout
  -h, --help            this text`;

function position(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a position (1 or more), not "${value}"`);
  return Number(value);
}

runTool({
  usage: USAGE,
  options: { account: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
  async run(values) {
    const from = position(values.from, 'from');
    const to = position(values.to, 'to');
    const { withToolDatabase } = await import('./tool-database.js');
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
  },
});
