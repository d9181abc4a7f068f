// Importing documentation pages into the catalog: one transaction per page, through the
// same rules as the mutations. Re-importing a page changes nothing; a page about a service
// that another page already described only fills in what is missing (002 and 004 merge).
import { IssueList, UserInputError } from '../errors/errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Action, CatalogStore, Db, NewAction, Service } from './catalog.store.js';
import { findNameClashes, takenExpansions } from './catalog.clashes.js';
import { checkActionFields } from './catalog.rules.js';
import { parseDocument, type ParsedAction, type ParsedDocument, type SkippedLine } from './importer/parse-document.js';
import { nameShapeProblem, prefixProblem, splitWithPrefix } from './naming.js';

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
      const skip = (parsed: ParsedAction, reason: string) => summary.skipped.push({ line: parsed.line, text: parsed.name, reason, section: parsed.group });
      const fresh: Array<{ parsed: ParsedAction; row: NewAction }> = [];
      for (const parsed of document.actions) {
        const reason = actionProblem(parsed, usable);
        if (reason) {
          skip(parsed, reason);
          continue;
        }
        const existing = existingActions.get(parsed.name);
        if (!existing) {
          // A service this dry run would create has no id yet: one that no service has.
          const service = usable.get(parsed.service);
          fresh.push({ parsed, row: toNewAction(parsed, service?.id ?? -1, document.source) });
          continue;
        }
        const patch = mergePatch(existing, parsed, document.source);
        const added = (patch.templateValues ?? []).filter((v) => !existing.templateValues.includes(v));
        const taken = await takenExpansions(store, db, existing.name, existing.templateVariable ?? '', added);
        if (taken.length) {
          skip(parsed, `its new template values would rename existing action(s) ${taken.map((n) => `"${n}"`).join(', ')}`);
          continue;
        }
        if (Object.keys(patch).length) {
          summary.actions.updated.push(parsed.name);
          if (!dryRun) await store.updateAction(db, existing.id, patch);
        } else summary.actions.unchanged.push(parsed.name);
      }
      // The same clash rules as defineActions, for a dry run as for a real import.
      const clashes = new Map((await findNameClashes(store, db, fresh.map((f) => f.row))).map((c) => [c.index, c.reason]));
      const inserts: NewAction[] = [];
      fresh.forEach(({ parsed, row }, index) => {
        const clash = clashes.get(index);
        if (clash) return skip(parsed, clash);
        summary.actions.added.push(parsed.name);
        inserts.push(row);
      });
      if (!dryRun && inserts.length) await store.createActions(db, inserts);
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
  const issues = new IssueList();
  checkActionFields(issues, '', { description: parsed.description, group: parsed.group, httpMethod: parsed.httpMethod, httpPath: parsed.httpPath, templateVariable: parts.templateVariable, templateValues: parsed.templateValues });
  return issues.items.map((i) => (i.field === 'templateValues' ? i.reason : `${i.field} ${i.reason}`)).join('; ') || null;
}

function toNewAction(parsed: ParsedAction, serviceId: number, source: string): NewAction {
  const parts = splitWithPrefix(parsed.name, parsed.service)!;
  return {
    name: parsed.name,
    serviceId,
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
