// Option values of the command-line tools, checked: a wrong one is a usage mistake (exit 2).
import { UsageError } from './run-cli.js';

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number (got "${value}")`);
  return n;
}
