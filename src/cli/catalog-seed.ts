// npm run catalog:seed [-- <folder of pages>]
// Regenerates src/catalog/seed/catalog.json, the catalog loaded on the first start of an
// empty database, from the documentation pages in src/catalog/seed/sources. Given a folder
// (e.g. ../shared/seeds), first replaces the pages in seed/sources with its pages.
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seedCatalogPath, seedSourcesDir } from '../config/paths.js';
import { runTool, UsageError } from './run-cli.js';

runTool({
  usage: `usage: npm run catalog:seed [-- <folder of pages>]

Rewrites src/catalog/seed/catalog.json (the catalog an empty database starts with) from the
documentation pages in src/catalog/seed/sources. No database is opened.
  <folder>     first replace the pages in src/catalog/seed/sources with this folder's
  -h, --help   this text`,
  options: {},
  positionals: true,
  async run(_values, folders) {
    if (folders.length > 1) throw new UsageError('give at most one folder');
    const from = folders[0];
    if (from) {
      const files = (await readdir(from)).filter((f) => !f.startsWith('.'));
      if (files.length === 0) throw new Error(`${from} has no pages`);
      await rm(seedSourcesDir, { recursive: true, force: true });
      await mkdir(seedSourcesDir, { recursive: true });
      for (const file of files) await copyFile(path.join(from, file), path.join(seedSourcesDir, file));
      console.log(`copied ${files.length} pages from ${from}`);
    }
    const { buildShippedCatalog, serialiseShippedCatalog } = await import('../catalog/seed/shipped-catalog.js');
    const documents = await buildShippedCatalog(seedSourcesDir);
    await writeFile(seedCatalogPath, serialiseShippedCatalog(documents));
    const actions = new Set(documents.flatMap((d) => d.actions.map((a) => a.name)));
    const services = new Set(documents.flatMap((d) => d.services.map((s) => s.prefix)));
    console.log(`wrote ${path.relative(process.cwd(), seedCatalogPath)}: ${documents.length} pages, ${services.size} services, ${actions.size} distinct actions`);
  },
});
