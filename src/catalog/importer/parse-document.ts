// Reads one activity-tracking documentation page (IBM markdown source, or a rendered page
// flattened to text) and returns the services, actions and locations it documents. A
// markdown page is read as a tree (markdown-page.ts), a page without markup line by line
// (flattened-page.ts); both fill a PageReading, which this module turns into services and
// actions: one entry per name, prefixes decided, templates given their values.
import { KNOWN_LOCATIONS } from '../locations.data.js';
import { VARIABLE_SEGMENT, expandTemplate } from '../naming.js';
import { readFlattenedPage } from './flattened-page.js';
import { humanise, knownServiceName } from './keyrefs.js';
import { readMarkdownPage } from './markdown-page.js';
import { createPageReading, type FoundAction, type SkippedLine } from './page-reading.js';

export type { SkippedLine } from './page-reading.js';

export interface ParsedAction {
  name: string;
  service: string;
  description: string | null;
  group: string | null;
  httpMethod: string | null;
  httpPath: string | null;
  templateVariable: string | null;
  templateValues: string[];
  deprecated: boolean;
  /** 1-based line of the page where the action is listed. */
  line: number;
}

export interface ParsedService {
  prefix: string;
  displayName: string;
  locations: string[];
}

export interface ParsedDocument {
  source: string;
  title: string | null;
  services: ParsedService[];
  actions: ParsedAction[];
  skipped: SkippedLine[];
}

export interface ParseOptions {
  /** Service prefixes the catalog already has; names are split by their longest match. */
  knownPrefixes?: Iterable<string>;
  /** Location codes to recognise (defaults to the built-in list). */
  locationCodes?: Iterable<string>;
}

/** Markdown source has headings, delimiter rows or IBM attribute lines; a flattened page has none. */
function isMarkdown(text: string): boolean {
  return /^#{1,6}\s/m.test(text) || /^\s*\|?\s*:?-{1,}:?\s*\|/m.test(text) || /^\{:/m.test(text);
}

export function parseDocument(text: string, source: string, options: ParseOptions = {}): ParsedDocument {
  const reading = createPageReading(new Set(options.locationCodes ?? KNOWN_LOCATIONS.map((l) => l.code)));
  const { title } = isMarkdown(text) ? readMarkdownPage(text, reading) : readFlattenedPage(text, reading);

  // One entry per name; the first listing wins, later ones only fill gaps.
  const byName = new Map<string, FoundAction>();
  for (const f of reading.found) {
    const seen = byName.get(f.name);
    if (!seen) byName.set(f.name, { ...f });
    else {
      seen.description ??= f.description;
      seen.httpMethod ??= f.httpMethod;
      seen.httpPath ??= f.httpPath;
    }
  }

  const valuesOf = (variable: string) => reading.variableValues.get(variable) ?? reading.variableValues.get(variable.replace(/s$/, '')) ?? [];
  const serviceNames = new Map<string, string>(); // prefix -> the name the page gives it
  const listed: Array<FoundAction & { templateVariable: string | null; templateValues: string[] }> = [];
  for (const f of byName.values()) {
    const segments = f.name.split('.');
    const variable = segments.map((s) => VARIABLE_SEGMENT.exec(s)?.[1]).find(Boolean) ?? null;
    if (variable && VARIABLE_SEGMENT.test(segments[0]!)) {
      // `<service_name>.tag.attach`: a catalog action belongs to one service, so a variable
      // prefix becomes one action per service the page lists for it.
      const services = valuesOf(variable);
      if (services.length === 0) {
        reading.skip(f.line, f.name, `\`${f.name}\` has the variable <${variable}> as its service prefix and the page lists no values for it (a table headed by its name)`, f.group);
      }
      for (const prefix of services) {
        listed.push({ ...f, name: expandTemplate(f.name, variable, prefix), templateVariable: null, templateValues: [] });
        const named = reading.valueDescriptions.get(prefix);
        if (named && !serviceNames.has(prefix)) serviceNames.set(prefix, named);
      }
      continue;
    }
    listed.push({ ...f, templateVariable: variable, templateValues: variable ? valuesOf(variable) : [] });
  }

  const prefixes = choosePrefixes(listed.map((f) => f.name), [...(options.knownPrefixes ?? [])]);
  const actions: ParsedAction[] = listed.map((f) => ({
    name: f.name,
    service: prefixes.get(f.name)!,
    description: f.description,
    group: f.group,
    httpMethod: f.httpMethod,
    httpPath: f.httpPath,
    templateVariable: f.templateVariable,
    templateValues: f.templateValues,
    deprecated: f.deprecated,
    line: f.line,
  }));

  const services = buildServices(actions, new Map([...serviceNamesFromHeadings(actions), ...serviceNames]), reading.locations, reading.locationSentences);
  return { source, title, services, actions, skipped: reading.skipped };
}

/** Decides each name's service prefix: the longest known one, else from the page's names. */
export function choosePrefixes(names: string[], knownPrefixes: string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of names) {
    const known = knownPrefixes.filter((p) => name.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0];
    if (known && name.split('.').length - known.split('.').length >= 2) {
      result.set(name, known);
      continue;
    }
    const [first, second] = name.split('.') as [string, string];
    // `wdp.scheduling.schedule.create`: every name under `wdp.scheduling` has four or more
    // segments, so `wdp.scheduling` is a two-part prefix. One three-segment name under it
    // (`x.y.create`) proves that `x` alone is the prefix.
    const siblings = names.filter((n) => n.startsWith(`${first}.${second}.`));
    const twoPart = !VARIABLE_SEGMENT.test(second) && siblings.every((n) => n.split('.').length >= 4);
    result.set(name, twoPart ? `${first}.${second}` : first);
  }
  return result;
}

function buildServices(actions: ParsedAction[], pageNames: Map<string, string>, locations: Set<string>, sentences: string[]): ParsedService[] {
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a.service, (counts.get(a.service) ?? 0) + 1);
  const prefixes = [...counts.keys()];
  const names = new Map(prefixes.map((p) => [p, knownServiceName(p) ?? pageNames.get(p) ?? humanise(p)]));
  // Locations belong to the services the sentence names, else to the page's main service.
  let owners = prefixes.filter((p) => sentences.some((s) => s.toLowerCase().includes(names.get(p)!.toLowerCase()) || s.includes(p)));
  if (owners.length === 0 && prefixes.length) {
    // The page's main service, and its siblings of the same product (`is.instance`, `is.vpc`).
    const top = Math.max(...counts.values());
    const main = prefixes.find((p) => counts.get(p) === top)!;
    const family = main.split('.')[0]!;
    owners = prefixes.filter((p) => p === main || (main.includes('.') && p.split('.')[0] === family));
  }
  return prefixes
    .sort()
    .map((prefix) => ({ prefix, displayName: names.get(prefix)!, locations: owners.includes(prefix) ? [...locations].sort() : [] }));
}

/** "Events for Decision Optimization" names the service of the first table listing it. */
function serviceNamesFromHeadings(actions: ParsedAction[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const a of actions) {
    if (result.has(a.service) || !a.group) continue;
    const m = /^(?:events? for|events in .* for)\s+([A-Z].*)$/i.exec(a.group) ?? /^([A-Z][\w.\s-]*?)\s+(?:events|actions)$/.exec(a.group);
    if (m && /^[A-Z]/.test(m[1]!)) result.set(a.service, m[1]!.trim());
  }
  return result;
}
