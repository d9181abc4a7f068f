// Tiny `--name value` / `--flag` parser for the command-line tools (node:util parseArgs,
// with one-line errors).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new Error(`${(error as Error).message.split('\n')[0]}; ${usage}`);
  }
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number (got "${value}")`);
  return n;
}
