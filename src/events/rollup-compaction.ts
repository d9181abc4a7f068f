// The schedule of the rollups' upkeep: a round every interval folds the pending hours into
// the per-hour rollups (EventsManager.foldHourRollups), then the writer shards into one row
// per key (EventsManager.compactRollups); never two rounds at once in this process (other
// processes' rounds wait for the chain lock or skip the rows this one holds).
import type { Logger } from '../logging/logger.js';
import type { EventsManager } from './events.manager.js';

export function startRollupCompaction(events: Pick<EventsManager, 'compactRollups' | 'foldHourRollups'>, log: Logger, everyMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = () => {
    running ??= (async () => {
      const hours = await events.foldHourRollups();
      const folded = await events.compactRollups();
      if (hours || folded) log.debug({ hours, folded }, 'rollups folded');
    })()
      .catch((error: unknown) => log.warn({ err: error }, 'rollup upkeep failed; the next round retries'))
      .finally(() => {
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
