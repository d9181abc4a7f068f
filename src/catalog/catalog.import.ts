// Importing documentation pages into the catalog: one transaction per page, through the
// same rules as the mutations. Re-importing a page changes nothing; a page about a service
// that another page already described only fills in what is missing (002 and 004 merge).
import { UserInputError } from '../errors/errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Action, CatalogStore, Db, NewAction, Service } from './catalog.store.js';
import { templateValuesProblem, MAX_DESCRIPTION, MAX_GROUP } from './catalog.rules.js';
import { parseDocument, type ParsedAction, type ParsedDocument, type SkippedLine } from './importer/parse-document.js';
import { matchTemplate, nameShapeProblem, prefixProblem, splitWithPrefix } from './naming.js';

export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

export interface ChangeSet {
  added: string[];
  updated: string[];
  unchanged: string[];
}

export interface ImportSummary {
  source: string;
  dryRun: boolean;
  services: ChangeSet;
  actions: ChangeSet;
  skipped: SkippedLine[];
  /** Set when nothing was imported and why, e.g. a page without actions. */
  note: string | null;
  /** What the page yields, whether or not it was written. */
  document: ParsedDocument;
}

const emptyChanges = (): ChangeSet => ({ added: [], updated: [], unchanged: [] });

export function createCatalogImport(store: CatalogStore) {
  async function parse(text: string, source: string): Promise<ParsedDocument> {
    const issues: Array<{ field: string; reason: string }> = [];
    if (!source.trim()) issues.push({ field: 'source', reason: 'must name the document (a file name or URL)' });
    if (source.length > 300) issues.push({ field: 'source', reason: 'must be at most 300 characters' });
    if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) issues.push({ field: 'document', reason: `must be at most ${MAX_DOCUMENT_BYTES} bytes` });
    if (issues.length) throw new UserInputError(issues);
    const [services, locations] = await Promise.all([store.allServices(), store.locationCodes()]);
    return parseDocument(text, source, { knownPrefixes: services.map((s) => s.prefix), locationCodes: locations });
  }

  /**
   * Writes (or, with dryRun, only evaluates) one parsed page. `within` runs in the same
   * transaction when the page changed something (the audit record of the import).
   */
  async function apply(document: ParsedDocument, dryRun: boolean, within?: (tx: Prisma.TransactionClient, summary: ImportSummary) => Promise<void>): Promise<ImportSummary> {
    const summary: ImportSummary = {
      source: document.source,
      dryRun,
      services: emptyChanges(),
      actions: emptyChanges(),
      skipped: [...document.skipped],
      note: null,
      document,
    };
    if (document.actions.length === 0) {
      summary.note = 'no actions found on this page; nothing imported';
      return summary;
    }
    const work = async (db: Db) => {
      const services = new Map((await store.allServices(db)).map((s) => [s.prefix, s]));
      const usable = new Map<string, Service | null>(); // prefix -> service (null: would be created)

      for (const parsed of document.services) {
        const problem = prefixProblem(parsed.prefix);
        if (problem) {
          summary.skipped.push({ line: 0, text: parsed.prefix, reason: `service prefix ${problem}` });
          continue;
        }
        const existing = services.get(parsed.prefix);
        if (!existing) {
          summary.services.added.push(parsed.prefix);
          const created = dryRun
            ? null
            : await store.createService(db, { prefix: parsed.prefix, displayName: parsed.displayName, description: null, sourceDocument: document.source });
          if (created) await store.replaceServiceLocations(db, created.id, parsed.locations);
          usable.set(parsed.prefix, created);
          continue;
        }
        usable.set(parsed.prefix, existing);
        const current = await store.serviceLocations(db, existing.id);
        const newLocations = parsed.locations.filter((l) => !current.includes(l));
        const rename = existing.sourceDocument === document.source && existing.displayName !== parsed.displayName;
        if (newLocations.length || rename) {
          summary.services.updated.push(parsed.prefix);
          if (!dryRun) {
            await store.addServiceLocations(db, existing.id, newLocations);
            if (rename) await store.updateService(db, existing.id, { displayName: parsed.displayName });
          }
        } else summary.services.unchanged.push(parsed.prefix);
      }

      const existingActions = new Map((await store.findActionsByNames(db, document.actions.map((a) => a.name))).map((a) => [a.name, a]));
      const templates = dryRun ? [] : await store.templatesOfServices(db, [...usable.values()].filter((s): s is Service => !!s).map((s) => s.id));
      const inserts: NewAction[] = [];
      for (const parsed of document.actions) {
        const reason = actionProblem(parsed, usable);
        if (reason) {
          summary.skipped.push({ line: parsed.line, text: parsed.name, reason });
          continue;
        }
        const existing = existingActions.get(parsed.name);
        if (existing) {
          const patch = mergePatch(existing, parsed, document.source);
          if (Object.keys(patch).length) {
            summary.actions.updated.push(parsed.name);
            if (!dryRun) await store.updateAction(db, existing.id, patch);
          } else summary.actions.unchanged.push(parsed.name);
          continue;
        }
        const coveredBy = templates.find((t) => {
          const value = matchTemplate(t.name, t.templateVariable!, parsed.name);
          return value !== null && t.templateValues.includes(value);
        });
        if (coveredBy) {
          summary.skipped.push({ line: parsed.line, text: parsed.name, reason: `already a name of template action "${coveredBy.name}"` });
          continue;
        }
        summary.actions.added.push(parsed.name);
        const service = usable.get(parsed.service);
        if (!dryRun && service) inserts.push(toNewAction(parsed, service, document.source));
      }
      if (inserts.length) await store.createActions(db, inserts);
    };
    if (dryRun) await work(store.prisma);
    else {
      await store.transaction(async (db) => {
        await work(db);
        if (within && summary.services.added.length + summary.services.updated.length + summary.actions.added.length + summary.actions.updated.length > 0) await within(db, summary);
      });
    }
    if (summary.actions.added.length + summary.actions.updated.length + summary.actions.unchanged.length === 0) {
      summary.note = 'no importable actions on this page; nothing imported';
    }
    return summary;
  }

  return {
    parse,
    apply,
    async importDocument(text: string, source: string, dryRun = false): Promise<ImportSummary> {
      return apply(await parse(text, source), dryRun);
    },
  };
}

function actionProblem(parsed: ParsedAction, services: Map<string, Service | null>): string | null {
  if (!services.has(parsed.service)) return `its service "${parsed.service}" could not be imported`;
  const shape = nameShapeProblem(parsed.name);
  if (shape) return `name ${shape}`;
  const parts = splitWithPrefix(parsed.name, parsed.service);
  if (!parts) return `nothing is left for object type and verb after the service prefix "${parsed.service}"`;
  const values = templateValuesProblem(parts.templateVariable, parsed.templateValues);
  if (values) return values;
  if ((parsed.description?.length ?? 0) > MAX_DESCRIPTION) return `description is longer than ${MAX_DESCRIPTION} characters`;
  if ((parsed.group?.length ?? 0) > MAX_GROUP) return `group is longer than ${MAX_GROUP} characters`;
  return null;
}

function toNewAction(parsed: ParsedAction, service: Service, source: string): NewAction {
  const parts = splitWithPrefix(parsed.name, service.prefix)!;
  return {
    name: parsed.name,
    serviceId: service.id,
    objectType: parts.objectType,
    verb: parts.verb,
    extraSegments: parts.extraSegments,
    templateVariable: parts.templateVariable,
    templateValues: parsed.templateValues,
    description: parsed.description,
    groupName: parsed.group,
    httpMethod: parsed.httpMethod,
    httpPath: parsed.httpPath,
    deprecated: parsed.deprecated,
    sourceDocument: source,
  };
}

/**
 * What to change on an existing action. The page that created it may change anything it
 * says; another page only fills fields that are empty and adds template values.
 */
function mergePatch(existing: Action, parsed: ParsedAction, source: string): Partial<NewAction> {
  const own = existing.sourceDocument === source;
  const patch: Partial<NewAction> = {};
  const take = <K extends 'description' | 'groupName' | 'httpMethod' | 'httpPath'>(key: K, value: string | null) => {
    if (value === null || value === existing[key]) return;
    if (own || existing[key] === null) patch[key] = value;
  };
  take('description', parsed.description);
  take('groupName', parsed.group);
  take('httpMethod', parsed.httpMethod);
  take('httpPath', parsed.httpPath);
  const values = own ? parsed.templateValues : [...new Set([...existing.templateValues, ...parsed.templateValues])];
  if (existing.templateVariable && values.length && values.join('\u0000') !== existing.templateValues.join('\u0000')) patch.templateValues = values;
  if (parsed.deprecated && !existing.deprecated) patch.deprecated = true;
  return patch;
}
