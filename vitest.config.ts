import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS entry (the package has no "exports" map) and so does
    // type-graphql; vite would pick the ESM build and create a second graphql instance.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // No child process outlives its test file (test/support/processes.ts).
    setupFiles: ['test/support/setup.ts'],
    // Files run in parallel, each on a database of its own (test/support/database.ts).
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
