// npm run bench:suite [-- --runs 3 --hogs 2 --idle]
//
// Does the test suite hold on a busy machine? Runs `npm test` --runs times in a row while
// --hogs processes (default: one per core) spin at full speed, and with --idle once more
// without them, and says how long each run took and whether it passed. Prints a table and
// writes bench/results/suite-<time>.json. Uses DATABASE_URL as npm test does (.ci/run sets it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/config/paths.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, hogs: { type: 'string' }, idle: { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const HOGS = Number(values.hogs ?? os.availableParallelism());
const log = (...args: unknown[]) => console.error('bench:', ...args);

/** A process that keeps one core busy until it is killed. */
const hog = (): ChildProcess => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true });

interface SuiteRun { seconds: number; passed: boolean; summary: string; failures: string[] }

function npmTest(): Promise<SuiteRun> {
  const started = Date.now();
  const child = spawn('npm', ['test'], { cwd: projectRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
      const summary = [/^\s*Test Files\s+(.*)$/m, /^\s*Tests\s+(.*)$/m].map((r) => r.exec(plain)?.[1]?.trim() ?? '?').join('; ');
      // A failed run names what failed (vitest's FAIL lines and the first line of each error).
      const failures = [...new Set(plain.split('\n').filter((l) => /^\s*(FAIL|×|✗)\s|Error: |Unhandled/.test(l)).map((l) => l.trim().slice(0, 300)))].slice(0, 40);
      resolve({ seconds: Math.round((Date.now() - started) / 100) / 10, passed: code === 0, summary, failures });
    }),
  );
}

const load = () => os.loadavg()[0]!.toFixed(1);
const runs: Array<SuiteRun & { run: string; loadBefore: string; loadAfter: string }> = [];
const hogs = Array.from({ length: HOGS }, hog);
try {
  await new Promise((r) => setTimeout(r, 5000));
  for (let i = 1; i <= RUNS; i++) {
    log(`run ${i} of ${RUNS} with ${HOGS} CPU hogs (load ${load()})`);
    const before = load();
    const result = await npmTest();
    runs.push({ run: `with ${HOGS} CPU hogs, ${i}`, ...result, loadBefore: before, loadAfter: load() });
    log(`run ${i}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds} s (${result.summary})`);
    if (!result.passed) log(result.failures.join('\n'));
  }
} finally {
  for (const h of hogs) process.kill(-h.pid!, 'SIGKILL');
}
if (values.idle) {
  await new Promise((r) => setTimeout(r, 10_000));
  log(`idle run (load ${load()})`);
  const before = load();
  const result = await npmTest();
  runs.push({ run: 'idle', ...result, loadBefore: before, loadAfter: load() });
  log(`idle: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds} s`);
}

const table = [['run', 'result', 'seconds', 'load (1 min) before / after', 'summary'], ...runs.map((r) => [r.run, r.passed ? 'passed' : 'FAILED', String(r.seconds), `${r.loadBefore} / ${r.loadAfter}`, r.summary])];
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
const results = { at: new Date().toISOString(), machine: { cores: os.cpus().length, model: os.cpus()[0]?.model }, hogs: HOGS, runs };
const dir = path.join(projectRoot, 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = path.join(dir, `suite-${results.at.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${path.relative(projectRoot, file)}`);
process.exitCode = runs.every((r) => r.passed) ? 0 : 1;
