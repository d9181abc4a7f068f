// npm run schema:emit: writes the GraphQL SDL built from the type-graphql resolvers to
// schema/schema.graphql (sorted). A test fails when the committed file is stale.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sdlPath } from '../config/paths.js';
import { printGatewaySdl } from '../server/schema.js';
import { runCli } from './run-cli.js';

runCli(async () => {
  const sdl = await printGatewaySdl();
  await mkdir(path.dirname(sdlPath), { recursive: true });
  await writeFile(sdlPath, sdl);
  console.log(`wrote ${path.relative(process.cwd(), sdlPath)} (${sdl.split('\n').length} lines)`);
});
