// Walks segments of a chain in worker threads, each on a connection of its own: a long
// verification uses every core (one process walks about 45,000 events a second; the walk is
// CPU work in this process as much as in PostgreSQL's). Only with a PostgreSQL server: the
// embedded database serves one connection.
import { Worker } from 'node:worker_threads';
import type { SegmentWalker } from './verification.js';
import type { SegmentJob, SegmentMessage } from './verify.worker.js';

export interface WorkerConnection {
  connectionString: string;
  statementTimeoutMs: number;
  prepared: boolean;
}

/**
 * The worker's code: the compiled module, or in development and tests (TypeScript run
 * through tsx) a bootstrap that registers tsx in the worker first (a worker thread does
 * not inherit the loader the main thread was started with).
 */
function workerSource(): { source: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { source: new URL('./verify.worker.js', import.meta.url), eval: false };
  const worker = new URL('./verify.worker.ts', import.meta.url).href;
  return { source: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); });`, eval: true };
}

export function walkInWorkers(connection: WorkerConnection, accountId: string): SegmentWalker {
  return (segment, progress, signal) =>
    new Promise((resolve, reject) => {
      const { source, eval: evaluated } = workerSource();
      const job: SegmentJob = {
        ...connection,
        accountId,
        from: segment.from,
        to: segment.to,
        previous: segment.previous,
        vouched: [...segment.vouched].map(([seq, links]) => [seq, [...links]]),
      };
      // A young generation as large as `npm start` gives the gateway: the walk makes short-lived objects by the million.
      const worker = new Worker(source, { eval: evaluated, workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 192 } });
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => settle(() => {
        void worker.terminate();
        reject(signal.reason ?? new Error('the verification was stopped'));
      });
      signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (m: SegmentMessage) => {
        if (m.type === 'progress') progress(m.more);
        else if (m.type === 'done') settle(() => resolve({ checked: m.checked, broken: m.broken, last: { seq: m.last.seq, hash: Buffer.from(m.last.hash) } }));
        else settle(() => reject(new Error(m.message)));
      });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', (code) => settle(() => reject(new Error(`a verification worker exited with code ${code} before it finished`))));
    });
}
