// The schedule of the upkeep of derived counts: a round every interval runs each task in
// turn (folding pending hours into the per-hour rollups, rollup writer shards into one row
// per key, batches' drops into the drop counters); never two rounds at once in this process
// (other processes' rounds wait for the chain lock or skip the rows this one holds).
import type { Logger } from '../logging/logger.js';

/** Each task returns how much it did (for the log). */
export type UpkeepTasks = Record<string, () => Promise<number>>;

export function startUpkeep(tasks: UpkeepTasks, log: Logger, everyMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = () => {
    running ??= (async () => {
      const done: Record<string, number> = {};
      // A task that fails is retried next round; the others still run in this one.
      for (const [name, task] of Object.entries(tasks)) {
        done[name] = await task().catch((error: unknown) => {
          log.warn({ err: error, task: name }, 'upkeep task failed; the next round retries');
          return 0;
        });
      }
      if (Object.values(done).some((n) => n > 0)) log.debug(done, 'upkeep round');
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(round, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
