// npm run events:generate -- --count N [--days 7] [--seed 42] [--account local] [--batch 1000] [--concurrency 4]
// Records realistic synthetic events from the catalog through the events manager (the same
// checks, rollups and hooks as the API), in batches.
import cliProgress from 'cli-progress';
import { generateEvents } from '../events/generator.js';
import type { EventInput } from '../events/event.model.js';
import { seedDatabase } from '../gateway.js';
import { parseOptions, positiveInt } from './args.js';
import { runCli } from './run-cli.js';
import { withToolDatabase } from './tool-database.js';

const USAGE = 'usage: npm run events:generate -- --count N [--days 7] [--seed 42] [--account local] [--batch 1000] [--concurrency 4]';

runCli(async (args) => {
  const { values } = parseOptions(args, {
    count: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    account: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
  }, USAGE);
  if (!values.count) throw new Error(USAGE);
  const count = positiveInt(values.count, 'count', 0);
  const days = positiveInt(values.days, 'days', 7);
  const seed = positiveInt(values.seed, 'seed', 42);
  const batch = Math.min(positiveInt(values.batch, 'batch', 1000), 1000);
  const concurrency = Math.min(positiveInt(values.concurrency, 'concurrency', 4), 16);

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
});
