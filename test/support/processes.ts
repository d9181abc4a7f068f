// Every child process a test starts is started here: it leads a process group of its own,
// and whatever of it still runs when the test file ends (passed, failed or timed out) is
// killed as a group, the child and anything it started (test/support/setup.ts). So no test
// leaves a gateway behind to hold a data folder's lock or a port.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { projectRoot } from '../../src/config/paths.js';

const running = new Set<ChildProcess>();

export function spawnChild(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { cwd: projectRoot, ...options, detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Sends `signal` to the child's whole process group. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone meanwhile
  }
}

/** Kills every child still running, with its group. */
export function killAll(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  running.clear();
}

/** Runs a TypeScript entry of the project (`src/cli/...`) to its end, as npm would: its exit code and output. */
export function runScript(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawnChild(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}
