// The schedule of rollup compaction (EventsManager.compactRollups): a round every interval,
// never two at once in this process (other processes' rounds skip the rows this one holds).
import type { Logger } from '../logging/logger.js';
import type { EventsManager } from './events.manager.js';

export function startRollupCompaction(events: Pick<EventsManager, 'compactRollups'>, log: Logger, everyMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = () => {
    running ??= events
      .compactRollups()
      .then((folded) => {
        if (folded) log.debug({ folded }, 'rollup shards folded');
      })
      .catch((error: unknown) => log.warn({ err: error }, 'rollup compaction failed; the next round retries'))
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
