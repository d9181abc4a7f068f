// Generates the Prisma Client into src/generated/prisma (run by `npm install`).
// `prisma generate` wants PRISMA_SCHEMA_ENGINE_BINARY to name an existing file on machines
// where the CLI cannot download its native engine; it never executes it. The gateway itself
// migrates with the WebAssembly engine (src/database/schema-engine.ts).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const env = { ...process.env, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(path.dirname(glue), 'schema_engine_bg.wasm');
}
const cli = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
