// How an import summary is shown: the GraphQL payload and the CLI's JSON share this shape.
import type { ImportSummary } from './catalog.import.js';
import type { ParsedDocument } from './importer/parse-document.js';
import type { ImportCatalogPayload, ImportedAction, ImportedService } from './catalog.payloads.js';

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
    skipped: summary.skipped,
    note: summary.note,
    parsedServices: described.services,
    parsedActions: described.actions,
  };
}
