import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { sdlPath } from '../../src/config/paths.js';
import { printGatewaySdl } from '../../src/server/schema.js';

it('schema/schema.graphql is the SDL the resolvers build (run npm run schema:emit)', async () => {
  const committed = await readFile(sdlPath, 'utf8');
  expect(committed).toBe(await printGatewaySdl());
});
