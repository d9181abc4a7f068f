// Locations inside the repository, found from this file so they hold under tsx (src/) and
// compiled output (dist/src/) alike.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
export const prismaSchemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
/** The schema.prisma as of the newest migration; `db:migration` diffs against it. */
export const migratedSchemaPath = path.join(projectRoot, 'prisma', 'migrations', 'schema.snapshot.prisma');
export const sdlPath = path.join(projectRoot, 'schema', 'schema.graphql');
/** The catalog shipped with the gateway, generated from the pages in seed/sources. */
export const seedCatalogPath = path.join(projectRoot, 'src', 'catalog', 'seed', 'catalog.json');
export const seedSourcesDir = path.join(projectRoot, 'src', 'catalog', 'seed', 'sources');
