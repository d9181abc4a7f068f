// npm run catalog:import -- <files or folders> [--dry-run] [--json]
// Imports documentation pages into the catalog of DATABASE_URL (or the embedded database),
// one transaction per page, through the catalog manager's rules.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { toolPrincipal } from '../auth/principal.js';
import type { ImportSummary } from '../catalog/catalog.import.js';
import type { ImportSection } from '../catalog/catalog.payloads.js';
import { runTool, UsageError } from './run-cli.js';

const USAGE = `usage: npm run catalog:import -- <files or folders> [--dry-run] [--json]

Imports documentation pages (IBM markdown source, or rendered pages as text) into the catalog
of the database the configuration names (DATABASE_URL, else the embedded database in
DATA_DIR), one transaction per page, through the catalog's rules.
  <files or folders>   pages, or folders of pages
  --dry-run            report what would be imported; write nothing
  --json               the report as JSON
  -h, --help           this text`;

async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info) throw new Error(`${p} does not exist`);
    if (info.isDirectory()) {
      const entries = (await readdir(p, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.'));
      files.push(...entries.map((e) => path.join(p, e.name)).sort());
    } else files.push(p);
  }
  return files;
}

function printSummary(file: string, s: ImportSummary, sections: ImportSection[]): void {
  const verb = s.dryRun ? 'would be ' : '';
  console.log(file);
  if (s.note) console.log(`  ${s.note}`);
  const line = (label: string, c: ImportSummary['services']) =>
    console.log(`  ${label} ${c.added.length} ${verb}added, ${c.updated.length} ${verb}updated, ${c.unchanged.length} unchanged`);
  if (!s.note || s.actions.added.length + s.actions.updated.length + s.actions.unchanged.length > 0) {
    line('services:', s.services);
    line('actions: ', s.actions);
  }
  console.log(`  skipped:  ${s.skipped.length} line${s.skipped.length === 1 ? '' : 's'}`);
  for (const section of sections) {
    console.log(`  ${section.title ?? '(before the first heading)'}: ${section.imported.length} ${s.dryRun ? 'to import' : 'imported'}${section.skipped.length ? `, ${section.skipped.length} skipped` : ''}`);
    for (const k of section.skipped) console.log(`    line ${k.line}: ${k.text.slice(0, 100)} (${k.reason})`);
  }
}

runTool({
  usage: USAGE,
  options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  positionals: true,
  async run(values, paths) {
    const dryRun = values['dry-run'] === true;
    const json = values.json === true;
    if (paths.length === 0) throw new UsageError('give the pages (files or folders) to import');
    const files = await expand(paths);
    if (files.length === 0) throw new Error(`${paths.join(', ')} holds no pages`);
    const [{ withToolDatabase }, { gatewayServiceDocument }, { describeDocument, sectionsOf }] = await Promise.all([
      import('./tool-database.js'),
      import('../audit/gateway-service.js'),
      import('../catalog/import.mapping.js'),
    ]);

    // The imports' audit records go into the events before the tool exits.
    await withToolDatabase(async ({ config, managers }) => {
      const catalog = managers.catalog;
      await catalog.ensureReferenceData();
      await catalog.ensureBuiltIn(gatewayServiceDocument());
      const actor = toolPrincipal('catalog:import', config.operatorAccount);

      const bar = files.length > 1 && !json ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.legacy) : null;
      bar?.start(files.length, 0, { file: '' });
      const summaries: Array<{ file: string; summary: ImportSummary }> = [];
      for (const file of files) {
        bar?.update(summaries.length, { file: path.basename(file) });
        const summary = await catalog.importDocument(actor, await readFile(file, 'utf8'), path.basename(file), dryRun);
        summaries.push({ file, summary });
      }
      bar?.update(files.length, { file: '' });
      bar?.stop();

      if (json) {
        const out = summaries.map(({ summary: s }) => ({
          ...describeDocument(s.document),
          dryRun: s.dryRun,
          changes: {
            services: { added: s.services.added, updated: s.services.updated, unchanged: s.services.unchanged.length },
            actions: { added: s.actions.added, updated: s.actions.updated, unchanged: s.actions.unchanged.length },
          },
          skipped: s.skipped,
          sections: sectionsOf(s),
          note: s.note,
        }));
        console.log(JSON.stringify(out, null, 2));
        return;
      }
      for (const { file, summary } of summaries) printSummary(file, summary, sectionsOf(summary));
      const total = (pick: (s: ImportSummary) => string[]) => summaries.reduce((n, { summary }) => n + pick(summary).length, 0);
      console.log(
        `${files.length} page${files.length === 1 ? '' : 's'}${dryRun ? ' (dry run, nothing written)' : ''}: ` +
          `services ${total((s) => s.services.added)} added, ${total((s) => s.services.updated)} updated; ` +
          `actions ${total((s) => s.actions.added)} added, ${total((s) => s.actions.updated)} updated, ${total((s) => s.actions.unchanged)} unchanged`,
      );
    });
  },
});
