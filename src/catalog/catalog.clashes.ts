// Which new actions would clash with the catalog: a name already taken, a concrete name a
// template (in the catalog or in the same batch) already covers, a template whose values
// would rename existing actions. One place, used by defineActions and by every import, real
// or dry run alike.
import type { CatalogStore, Db, NewAction } from './catalog.store.js';
import { expandTemplate, matchTemplate } from './naming.js';

export interface Clash {
  index: number;
  field: 'name' | 'templateValues';
  reason: string;
}

/** The new rows' service ids; a service a dry run would create has none yet (any id not in the catalog). */
export type NewActionRow = Pick<NewAction, 'name' | 'serviceId' | 'templateVariable' | 'templateValues'>;

export async function findNameClashes(store: CatalogStore, db: Db, rows: NewActionRow[]): Promise<Clash[]> {
  const clashes: Clash[] = [];
  const existing = new Set((await store.findActionsByNames(db, rows.map((r) => r.name))).map((a) => a.name));
  const templates = await store.templatesOfServices(db, [...new Set(rows.map((r) => r.serviceId))].filter((id) => id > 0));
  const batchTemplates = rows.filter((r) => r.templateVariable);
  for (const [index, row] of rows.entries()) {
    if (existing.has(row.name)) {
      clashes.push({ index, field: 'name', reason: `action "${row.name}" already exists` });
      continue;
    }
    if (!row.templateVariable) {
      const coveredBy = [...templates, ...batchTemplates].find((t) => t !== row && coversName(t, row.name));
      if (coveredBy) clashes.push({ index, field: 'name', reason: `"${row.name}" is already a name of template action "${coveredBy.name}"` });
      continue;
    }
    const taken = await takenExpansions(store, db, row.name, row.templateVariable, row.templateValues);
    if (taken.length) clashes.push({ index, field: 'templateValues', reason: `would rename existing action(s) ${taken.map((n) => `"${n}"`).join(', ')}` });
  }
  return clashes;
}

/** Names that giving template `name` these values would take from actions that exist. */
export async function takenExpansions(store: CatalogStore, db: Db, name: string, variable: string, values: string[]): Promise<string[]> {
  if (values.length === 0) return [];
  return (await store.findActionsByNames(db, values.map((v) => expandTemplate(name, variable, v)))).map((a) => a.name);
}

function coversName(template: NewActionRow, name: string): boolean {
  const value = matchTemplate(template.name, template.templateVariable!, name);
  return value !== null && template.templateValues.includes(value);
}
