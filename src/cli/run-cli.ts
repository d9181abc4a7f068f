// The one entry of every command-line tool (runTool): options parsed with node:util
// parseArgs; --help prints the usage and exits 0 before anything is opened (a tool imports
// what it works with only in `run`); an unknown option or a usage mistake prints the usage
// and exits 2; a failure is one line, exit code 1, no stack trace unless DEBUG is set. Every
// tool exits only once what it wrote to stdout and stderr has gone out: through a pipe,
// process.exit would drop what the pipe had not taken yet.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/config.js';
import { StartupError } from '../errors/startup-error.js';

/** Exits with `code` once stdout and stderr have written out everything queued on them. */
export function exitWhenDrained(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

function reportFailure(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const known = error instanceof ConfigError || error instanceof StartupError;
  console.error(`error: ${known ? message : message.split('\n')[0]}`);
  if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
}

/** A mistake in how the tool was called: the usage is printed with it, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ToolSpec<O extends Options> {
  /** The usage text: the first line `usage: npm run <tool> -- ...`, then one line per option. */
  usage: string;
  options: O;
  positionals?: boolean;
  /** The tool's work; its result is the exit code (default 0). */
  run(values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'], positionals: string[]): Promise<number | void>;
}

export function runTool<O extends Options>(spec: ToolSpec<O>): void {
  const usage = spec.usage.trimEnd();
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (!spec.positionals && parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  } catch (error) {
    console.error(`error: ${(error as Error).message.split('\n')[0]}\n${usage}`);
    exitWhenDrained(2);
    return;
  }
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (help) {
    process.stdout.write(`${usage}\n`);
    exitWhenDrained(0);
    return;
  }
  spec.run(values as Parameters<ToolSpec<O>['run']>[0], parsed.positionals).then(
    (code) => exitWhenDrained(code ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`error: ${error.message}\n${usage}`);
        exitWhenDrained(2);
        return;
      }
      reportFailure(error);
      exitWhenDrained(1);
    },
  );
}
