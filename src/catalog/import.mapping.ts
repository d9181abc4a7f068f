// How an import summary is shown: the GraphQL payload and the CLI's JSON share this shape.
import type { ImportSummary } from './catalog.import.js';
import type { ParsedDocument } from './importer/parse-document.js';
import type { ImportCatalogPayload, ImportSection, ImportedAction, ImportedService } from './catalog.payloads.js';

export function describeDocument(document: ParsedDocument): { source: string; services: ImportedService[]; actions: ImportedAction[] } {
  const locations = new Map(document.services.map((s) => [s.prefix, s.locations]));
  return {
    source: document.source,
    services: document.services.map((s) => ({ prefix: s.prefix, displayName: s.displayName, locations: s.locations })),
    actions: document.actions.map((a) => ({
      name: a.name,
      service: a.service,
      description: a.description,
      group: a.group,
      httpMethod: a.httpMethod,
      httpPath: a.httpPath,
      locations: locations.get(a.service) ?? [],
      templateVariable: a.templateVariable,
      templateValues: a.templateValues,
      deprecated: a.deprecated,
    })),
  };
}

export function toImportPayload(summary: ImportSummary): ImportCatalogPayload {
  const described = describeDocument(summary.document);
  const changes = (c: ImportSummary['services']) => ({ added: c.added, updated: c.updated, unchangedCount: c.unchanged.length });
  return {
    source: summary.source,
    dryRun: summary.dryRun,
    services: changes(summary.services),
    actions: changes(summary.actions),
    skipped: summary.skipped.map((k) => ({ ...k, section: k.section ?? null })),
    sections: sectionsOf(summary),
    note: summary.note,
    parsedServices: described.services,
    parsedActions: described.actions,
  };
}

/** The page's report per section, in the order the sections come: what was imported and what was skipped. */
export function sectionsOf(summary: ImportSummary): ImportSection[] {
  const sections = new Map<string | null, ImportSection>();
  const section = (title: string | null | undefined) => {
    const key = title ?? null;
    let found = sections.get(key);
    if (!found) sections.set(key, (found = { title: key, imported: [], skipped: [] }));
    return found;
  };
  const imported = new Set([...summary.actions.added, ...summary.actions.updated, ...summary.actions.unchanged]);
  const lineOf = new Map(summary.document.actions.map((a) => [a.name, a.line]));
  const entries = [
    ...summary.document.actions.filter((a) => imported.has(a.name)).map((a) => ({ line: a.line, add: () => section(a.group).imported.push(a.name) })),
    ...summary.skipped.map((k) => ({ line: k.line || lineOf.get(k.text) || 0, add: () => section(k.section).skipped.push({ ...k, section: k.section ?? null }) })),
  ];
  for (const e of entries.sort((a, b) => a.line - b.line)) e.add();
  return [...sections.values()];
}
