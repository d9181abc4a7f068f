// npm run verify: checks an account's hash chain, in an export (without the database) or in
// the database. Exit code 0: the chain holds; 1: it is broken (the first break is printed).
import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { latestCheckpoints } from '../integrity/checkpoint-log.js';
import type { ChainBreak } from '../integrity/chain.js';
import { verifyExport } from '../integrity/offline-verify.js';
import { parsePublicKeys, type TrustedKey } from '../integrity/trust.js';
import { runTool, UsageError } from './run-cli.js';

const USAGE = `usage: npm run verify -- --export <file> --public-key <key> [--public-key <key> ...] [--checkpoints <log> ...] [--json]
       npm run verify -- --account <id> [--from <n>] [--to <n>] [--checkpoints <log> ...] [--json]

Checks an account's hash chain: in an export of npm run chain:export, without the database
(--export), or in the database the configuration names (--account: DATABASE_URL, else the
embedded database in DATA_DIR), with a progress bar on a terminal.
  --export <file>       an export of npm run chain:export
  --public-key <key>    a trusted Ed25519 public key: a PEM file, or its text as --public-key=<PEM>; repeat it for
                        the old keys after a rotation. Required with --export: the keys an
                        export carries are not trusted, whoever can write the database wrote them
  --checkpoints <file>  a checkpoint log (CHECKPOINT_LOG_FILE) or a copy of it; repeatable. Its
                        checkpoints of the account are compared with the chain: a head behind
                        one, or a chain without it, is a break
  --account <id>        verify this account in the database, trusting the gateway's own keys
                        (CHECKPOINT_KEY or its file, CHECKPOINT_TRUSTED_KEYS)
  --from <n>, --to <n>  positions to verify in the database (default: the whole chain)
  --json                print the verdict as JSON
  -h, --help            this text
Exit code 0: the chain holds; 1: it is broken (the first break is printed); 2: wrong usage.`;

function publicKeysOf(values: string[]): TrustedKey[] {
  return values.flatMap((value) => {
    if (value.includes('-----BEGIN')) return parsePublicKeys(value, '--public-key');
    let text: string;
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      throw new UsageError(`--public-key ${value} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return parsePublicKeys(text, value);
  });
}

function position(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a position (1 or more), not "${value}"`);
  return Number(value);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise. */
function progressBar() {
  if (!process.stderr.isTTY) return { update: (_checked: number, _total: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ format: 'verifying [{bar}] {percentage}% {value}/{total} events, {rate}/s, {eta_formatted} left', stream: process.stderr }, cliProgress.Presets.legacy);
  const started = Date.now();
  let shown = false;
  return {
    update(checked: number, total: number) {
      if (!shown) bar.start(total, 0, { rate: 0 });
      shown = true;
      bar.update(checked, { rate: Math.round(checked / Math.max(0.001, (Date.now() - started) / 1000)) });
    },
    stop: () => shown && bar.stop(),
  };
}

function describeBreak(b: ChainBreak): string {
  return `broken at position ${b.sequence ?? '-'}${b.eventId ? ` (event ${b.eventId})` : ''}: ${b.kind}: ${b.reason}`;
}

runTool({
  usage: USAGE,
  options: {
    export: { type: 'string' },
    'public-key': { type: 'string', multiple: true },
    checkpoints: { type: 'string', multiple: true },
    account: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values) {
    if (!values.export === !values.account) throw new UsageError('give either --export <file> or --account <id>');
    const checkpointFiles = values.checkpoints ?? [];
    const bar = progressBar();
    let result: { ok: boolean; account: string; from: number; to: number; checked: number; checkpointsChecked: number; firstBroken: ChainBreak | null };
    if (values.export) {
      if (values.from || values.to) throw new UsageError('--from and --to apply to --account; an export is verified whole');
      if (!values['public-key']?.length) throw new UsageError('--export needs --public-key: without a trusted key no checkpoint counts, so no verdict can be given');
      const trusted = publicKeysOf(values['public-key']);
      try {
        result = await verifyExport(values.export, { trusted, checkpointFiles, onProgress: (checked, total) => bar.update(checked, total) });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${(error as NodeJS.ErrnoException).path ?? values.export} does not exist`);
        throw error;
      } finally {
        bar.stop();
      }
    } else {
      if (values['public-key']?.length) throw new UsageError('--public-key applies to --export; in the database the gateway\'s configured keys are trusted (CHECKPOINT_TRUSTED_KEYS)');
      const account = values.account!;
      const range = { from: position(values.from, 'from'), to: position(values.to, 'to') };
      let against = null;
      for (const file of checkpointFiles) {
        const latest = (await latestCheckpoints(file)).get(account);
        if (latest && (!against || latest.sequence > against.sequence)) against = { ...latest, signedAt: new Date(latest.signedAt) };
      }
      // The database and the domain are loaded only now: --help and usage mistakes stay fast.
      const { withToolDatabase } = await import('./tool-database.js');
      result = await withToolDatabase(async ({ managers: { integrity } }) => {
        const { done } = await integrity.startVerification(account, { ...range, against }, { onProgress: (checked, total) => bar.update(checked, total) });
        const verdict = await done;
        bar.stop();
        if (!verdict) throw new Error('the verification could not finish (see the log above)');
        return { ...verdict, account };
      });
    }
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else if (result.ok) {
      console.log(`ok: account ${result.account}, positions ${result.from} to ${result.to}: ${result.checked} events and ${result.checkpointsChecked} trusted checkpoints match`);
    } else console.log(describeBreak(result.firstBroken!));
    return result.ok ? 0 : 1;
  },
});
