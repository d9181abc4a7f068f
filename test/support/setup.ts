// Runs in every test file's process (vitest setupFiles): the children it started do not
// outlive it (test/support/processes.ts).
import { afterAll } from 'vitest';
import { killAll } from './processes.js';

afterAll(() => killAll());
process.once('exit', () => killAll());
