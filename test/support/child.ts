// Runs the gateway as a real child process (`node --import tsx src/main.ts`), as `npm start`
// does, and follows its output.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runScript, spawnChild } from './processes.js';

export interface GatewayProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves with the first stdout JSON line whose msg matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The GraphQL URL the gateway announced. */
  url(timeoutMs?: number): Promise<string>;
}

export function spawnGateway(env: Record<string, string>): GatewayProcess {
  const child = spawnChild(process.execPath, ['--import', 'tsx', path.join('src', 'main.ts')], {
    env: { ...process.env, DATABASE_URL: '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (sink: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      sink.push(...lines.filter((l) => l.trim() !== ''));
      for (const wake of waiters) wake();
    };
  };
  child.stdout!.on('data', collect(stdout));
  child.stderr!.on('data', collect(stderr));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const wake of waiters) wake();
    resolve(code);
  }));

  const waitForLog = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
      }, timeoutMs);
      const check = () => {
        for (const line of stdout) {
          try {
            const entry = JSON.parse(line) as Record<string, unknown>;
            if (typeof entry.msg === 'string' && pattern.test(entry.msg)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(entry);
              return;
            }
          } catch {
            // not JSON
          }
        }
        if (child.exitCode !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`gateway exited with ${child.exitCode}; stderr:\n${stderr.join('\n')}`));
        }
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLog,
    url: async (timeoutMs) => String((await waitForLog(/^GraphQL endpoint:/, timeoutMs)).url).replace('localhost', '127.0.0.1'),
  };
}

/** Sends SIGTERM and returns the exit code and how long the process took to exit. */
export async function terminate(gateway: GatewayProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  gateway.child.kill('SIGTERM');
  const code = await gateway.exited;
  return { code, ms: Date.now() - started };
}

/** Makes an API key with `npm run keys:create` (as an operator would) on the database `env` names. */
export async function createKeyWithCli(env: Record<string, string>, role = 'admin', account = 'local'): Promise<string> {
  const { code, stdout, stderr } = await runScript(path.join('src', 'cli', 'keys-create.ts'), ['--role', role, '--account', account], { DATABASE_URL: '', ...env });
  if (code !== 0) throw new Error(`keys:create exited with ${code}: ${stderr}`);
  return stdout.trim();
}
