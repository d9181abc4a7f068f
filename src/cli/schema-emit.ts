// npm run schema:emit: writes the GraphQL SDL built from the type-graphql resolvers to
// schema/schema.graphql (sorted). A test fails when the committed file is stale.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sdlPath } from '../config/paths.js';
import { runTool } from './run-cli.js';

runTool({
  usage: `usage: npm run schema:emit

Writes schema/schema.graphql, the GraphQL SDL of the type-graphql resolvers, sorted. A test
fails when the committed file is stale.
  -h, --help   this text`,
  options: {},
  async run() {
    const { printGatewaySdl } = await import('../server/schema.js');
    const sdl = await printGatewaySdl();
    await mkdir(path.dirname(sdlPath), { recursive: true });
    await writeFile(sdlPath, sdl);
    console.log(`wrote ${path.relative(process.cwd(), sdlPath)} (${sdl.split('\n').length} lines)`);
  },
});
