// npm run events:generate -- --count N [--days 7] [--seed 42] [--account local] [--batch 1000] [--concurrency 4]
// Records realistic synthetic events from the catalog through the events manager (the same
// checks, rollups and hooks as the API), in batches.
import cliProgress from 'cli-progress';
import type { EventInput } from '../events/event.model.js';
import { positiveInt } from './args.js';
import { runTool, UsageError } from './run-cli.js';

const USAGE = `usage: npm run events:generate -- --count N [--days 7] [--seed 42] [--account <id>] [--batch 1000] [--concurrency 4]

Records synthetic events from the catalog (a few hot actions and a long tail, hundreds of
initiators, about 3% failures, every location, correlated bursts) through the same checks as
the API, in the database the configuration names.
  --count N          how many events
  --days N           spread over the last N days (default 7)
  --seed N           the random seed: the same seed gives the same events (default 42)
  --account <id>     the account (default OPERATOR_ACCOUNT)
  --batch N          events per batch, at most 1000 (default 1000)
  --concurrency N    batches in flight, at most 16 (default 4)
  -h, --help         this text`;

runTool({
  usage: USAGE,
  options: {
    count: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    account: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
  },
  async run(values) {
    if (!values.count) throw new UsageError('give --count');
    const count = positiveInt(values.count, 'count', 0);
    const days = positiveInt(values.days, 'days', 7);
    const seed = positiveInt(values.seed, 'seed', 42);
    const batch = Math.min(positiveInt(values.batch, 'batch', 1000), 1000);
    const concurrency = Math.min(positiveInt(values.concurrency, 'concurrency', 4), 16);

    const [{ withToolDatabase }, { generateEvents }, { seedDatabase }] = await Promise.all([import('./tool-database.js'), import('../events/generator.js'), import('../gateway.js')]);
    await withToolDatabase(async ({ config, managers }) => {
      const accountId = values.account ?? config.operatorAccount;
      await seedDatabase(managers);
      const to = new Date();
      const from = new Date(to.getTime() - days * 86_400_000);
      const generator = generateEvents(await managers.catalog.snapshot(), { count, seed, from, to, idPrefix: `gen${seed}` });
      const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'generating [{bar}] {value}/{total} events, {rate}/s', stream: process.stderr }, cliProgress.Presets.legacy) : null;
      bar?.start(count, 0, { rate: 0 });
      const started = Date.now();
      let done = 0;
      let created = 0;
      // Several batches in flight keep both the database and this process busy.
      const inFlight = new Set<Promise<void>>();
      let chunk: EventInput[] = [];
      const flush = async (batchOfEvents: EventInput[]) => {
        const result = await managers.events.recordEvents(accountId, batchOfEvents);
        created += result.created.filter(Boolean).length;
        done += batchOfEvents.length;
        bar?.update(done, { rate: Math.round(done / ((Date.now() - started) / 1000)) });
      };
      const launch = async () => {
        const p = flush(chunk).finally(() => inFlight.delete(p));
        inFlight.add(p);
        chunk = [];
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      };
      for (const event of generator) {
        chunk.push(event);
        if (chunk.length === batch) await launch();
      }
      if (chunk.length) await launch();
      await Promise.all(inFlight);
      bar?.stop();
      const seconds = (Date.now() - started) / 1000;
      console.log(`generated ${done} events for account ${accountId} over ${days} days (${created} new, ${done - created} already there) in ${seconds.toFixed(1)} s, ${Math.round(done / seconds)} events/s`);
      // Fold the ended hours into the per-hour rollups now rather than at the gateway's next round.
      await managers.events.foldHourRollups();
    });
  },
});
