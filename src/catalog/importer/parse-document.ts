// Reads one activity-tracking documentation page (IBM markdown source, or a rendered page
// flattened to text) and returns the services, actions and locations it documents.
// Tables and lists are found by their structure and headers, not by page-specific rules.
import { KNOWN_LOCATIONS } from '../locations.data.js';
import { SEGMENT, VARIABLE_SEGMENT } from '../naming.js';
import { judgeCell, judgeToken, type Candidate } from './candidates.js';
import { humanise, keyrefText, knownServiceName } from './keyrefs.js';

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

export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
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

interface Line {
  no: number;
  raw: string;
  text: string;
  deprecated: boolean;
}

interface Heading {
  level: number;
  text: string;
}

interface FoundAction {
  name: string;
  description: string | null;
  group: string | null;
  httpMethod: string | null;
  httpPath: string | null;
  deprecated: boolean;
  line: number;
}

const HTTP_METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';
const METHOD_AND_PATH = new RegExp(`\\(?\\s*\`?\\s*\\b(${HTTP_METHODS})\\s+(\\/[^\\s\`)]*)\\s*\`?\\s*\\)?`);
const GENERIC_HEADING = /^(create|read|update|delete|list|get|train|reset|upgrade|start|stop|send|receive|restore|enable|disable|other|management|data|write|admin|security)\s+(events?|actions?)$/i;

/** Headers of a column that holds actions. */
function isActionHeader(cell: string): boolean {
  const h = cell.toLowerCase().replace(/[`*_]/g, '').trim();
  if (!/\b(action|actions|event|events)\b/.test(h)) return false;
  // Columns of IAM actions, old/legacy/reference names, resources or descriptions do not.
  return !/\b(iam|old|legacy|previous|former|deprecated|reference|resource|resources|description|type|field|fields|target|outcome|severity|request|response|method|path|attribute|variable|asset|role|permission|when|trigger|triggered|studio|data)\b/.test(h);
}

function isDescriptionHeader(cell: string): boolean {
  return /^(description|descriptions|details|meaning|what it tracks|event description|action description)$/i.test(cell.trim());
}

function isMethodHeader(cell: string): boolean {
  return /^(http )?method$|^verb$/i.test(cell.trim());
}

function isPathHeader(cell: string): boolean {
  return /^(path|api|api path|endpoint|request|url|api endpoint|http request)$/i.test(cell.trim());
}

/** `asset_type` for a header such as "Asset type" or "Asset types". */
function variableSlug(header: string): string {
  return header.trim().toLowerCase().replace(/[`*]/g, '').replace(/\s+/g, '_').replace(/s$/, '');
}

export function parseDocument(text: string, source: string, options: ParseOptions = {}): ParsedDocument {
  const lines = normalise(text);
  const locationCodes = new Set(options.locationCodes ?? KNOWN_LOCATIONS.map((l) => l.code));
  const found: FoundAction[] = [];
  const skipped: SkippedLine[] = [];
  const variableValues = new Map<string, string[]>();
  const documentLocations = new Set<string>();
  const locationSentences: string[] = [];
  const headings: Heading[] = [];
  let title: string | null = null;
  const markdown = lines.some((l) => /^#{1,6}\s/.test(l.text) || /^\s*\|?\s*:?-{3,}/.test(l.text) || /^\{:/.test(l.text));

  const groupFor = (caption: string | null): string | null => {
    const inner = headings.filter((h) => h.level >= 2);
    const last = inner.at(-1);
    if (last) {
      if (GENERIC_HEADING.test(last.text)) {
        const parent = inner.slice(0, -1).reverse().find((h) => h.level < last.level) ?? (markdown ? undefined : inner.at(-2));
        if (parent) return `${parent.text.replace(/\s+(events?|actions?)$/i, '')} ${last.text.toLowerCase()}`;
      }
      return last.text;
    }
    return caption ?? headings.at(-1)?.text ?? null;
  };

  const record = (candidates: Candidate[], line: Line, description: string | null, group: string | null, method: string | null, path: string | null, rowText: string) => {
    const names = candidates.filter((c): c is Extract<Candidate, { kind: 'name' }> => c.kind === 'name');
    for (const c of candidates) {
      if (c.kind === 'look-alike') skipped.push({ line: line.no, text: rowText.trim(), reason: `\`${c.token}\` is ${c.reason}` });
    }
    if (names.length === 0 && !candidates.some((c) => c.kind === 'look-alike')) {
      skipped.push({ line: line.no, text: rowText.trim(), reason: 'no action name in the action column' });
    }
    const cleaned = cleanDescription(description);
    for (const n of names) {
      found.push({
        name: n.name,
        description: cleaned.text,
        group,
        httpMethod: method ?? cleaned.method,
        httpPath: path ?? cleaned.path,
        deprecated: line.deprecated || /\bdeprecated\b/i.test(description ?? ''),
        line: line.no,
      });
    }
  };

  let i = 0;
  const nextNonEmpty = (from: number) => {
    let j = from;
    while (j < lines.length && lines[j]!.text.trim() === '') j++;
    return j;
  };

  while (i < lines.length) {
    const line = lines[i]!;
    const t = line.text.trim();

    // Code blocks are never catalog content.
    if (/^(```|~~~)/.test(t)) {
      i++;
      while (i < lines.length && !/^(```|~~~)/.test(lines[i]!.text.trim())) i++;
      i++;
      continue;
    }

    const md = /^(#{1,6})\s+(.*?)\s*#*$/.exec(t);
    if (md) {
      const level = md[1]!.length;
      const textOfHeading = md[2]!.trim();
      while (headings.length && headings.at(-1)!.level >= level) headings.pop();
      headings.push({ level, text: textOfHeading });
      if (level === 1 && !title) title = textOfHeading;
      i++;
      continue;
    }

    // Pipe table: a header row, a separator row, then rows (which may span lines).
    if (t.includes('|')) {
      const sepIndex = nextNonEmpty(i + 1);
      const separator = lines[sepIndex]?.text.trim() ?? '';
      if (/^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(separator)) {
        const header = splitRow(t);
        const table = readPipeTable(lines, sepIndex + 1, header.length);
        i = table.end;
        const caption = table.caption ?? previousCaption(lines, i - table.rows.length - 2);
        handleTable(header, table.rows, caption);
        continue;
      }
    }

    // Flattened table with one cell per line: "Action" / "Description" / name / text ...
    if (/^(action|actions|event|events|action name|event name)$/i.test(t)) {
      const j = nextNonEmpty(i + 1);
      if (j < lines.length && isDescriptionHeader(lines[j]!.text)) {
        const caption = previousCaption(lines, i - 1);
        let k = nextNonEmpty(j + 1);
        const group = groupFor(caption);
        while (k < lines.length) {
          const nameLine = lines[k]!;
          const candidates = judgeCell(nameLine.text);
          if (candidates.length === 0 || nameLine.text.trim().split(/\s+/).length > 3) break;
          const d = nextNonEmpty(k + 1);
          const descLine = lines[d];
          const descIsName = descLine ? judgeCell(descLine.text).some((c) => c.kind === 'name') && descLine.text.trim().split(/\s+/).length <= 3 : false;
          record(candidates, nameLine, descLine && !descIsName ? descLine.text : null, group, null, null, nameLine.text);
          k = descLine && !descIsName ? nextNonEmpty(d + 1) : d;
        }
        i = k;
        continue;
      }
    }

    // Flattened table with space-separated cells: "Action Description" then "name text".
    const spaced = /^(action|actions|event|events|action name|event name)\s+(description|descriptions|details)$/i.test(t);
    const valueHeader = /^([A-Z][a-z]+(?:\s[a-z]+){0,2})\s+(Description|Details|Meaning)$/.exec(t);
    if (spaced || valueHeader) {
      const caption = previousCaption(lines, i - 1);
      const group = groupFor(caption);
      let k = i + 1;
      const values: string[] = [];
      while (k < lines.length) {
        const row = lines[k]!;
        const rt = row.text.trim();
        if (rt === '') break;
        const [first = '', ...rest] = rt.split(/\s+/);
        if (spaced) {
          const leading: Candidate[] = [];
          let tokens = [first, ...rest];
          while (tokens.length) {
            const c = judgeToken(tokens[0]!.replace(/,$/, ''));
            if (!c) break;
            leading.push(c);
            tokens = tokens.slice(1);
          }
          if (leading.length === 0) break;
          record(leading, row, tokens.join(' ') || null, group, null, null, rt);
        } else {
          const value = first.replace(/[`*]/g, '');
          if (!SEGMENT.test(value)) break;
          values.push(value);
        }
        k++;
      }
      if (valueHeader && values.length) variableValues.set(variableSlug(valueHeader[1]!), values);
      i = k;
      continue;
    }

    // List items that start with an action name: "- `name`: description".
    const item = /^\s*(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line.text);
    if (item) {
      const body = item[1]!;
      const tokens = body.split(/\s+/);
      const leading: Candidate[] = [];
      let rest = tokens;
      while (rest.length) {
        const c = judgeToken(rest[0]!.replace(/[,:]$/, ''));
        if (!c) break;
        leading.push(c);
        rest = rest.slice(1);
        if (/:$/.test(tokens[leading.length - 1] ?? '')) break;
        if (rest[0] && /^(and|or|&)$/i.test(rest[0])) rest = rest.slice(1);
      }
      if (leading.length) {
        const description = rest.join(' ').replace(/^[-–—:]\s*/, '') || null;
        record(leading, line, description, groupFor(null), null, null, body);
        i++;
        continue;
      }
    }

    // A heading of a flattened page: a short title-like line standing alone.
    if (!markdown && isTextHeading(lines, i)) {
      const level = title === null ? 1 : 2;
      if (level === 1) title = t;
      while (headings.length && headings.at(-1)!.level >= level && level === 1) headings.pop();
      if (level === 2) {
        while (headings.length && headings.at(-1)!.level >= 2 && !(GENERIC_HEADING.test(t) && !GENERIC_HEADING.test(headings.at(-1)!.text))) headings.pop();
        headings.push({ level: GENERIC_HEADING.test(t) ? 3 : 2, text: t });
      } else headings.push({ level, text: t });
      i++;
      continue;
    }

    // A sentence saying where events are generated.
    if (/generat|are sent|sends/i.test(t) && /\b(region|regions|location|locations)\b/i.test(t)) {
      const codes = [...t.matchAll(/\b([a-z]{2}-[a-z]{2,5})\b/g)].map((m) => m[1]!).filter((c) => locationCodes.has(c));
      if (codes.length) {
        codes.forEach((c) => documentLocations.add(c));
        locationSentences.push(t);
      }
    }
    i++;
  }

  function handleTable(header: string[], rows: Array<{ cells: string[]; line: Line; text: string }>, caption: string | null) {
    const actionCol = header.findIndex(isActionHeader);
    // A Yes/No table of regions: header cells name locations, a row says Yes or No.
    const regionCols = header.map((h) => /\(([a-z]{2}-[a-z]{2,5}|global)\)|^([a-z]{2}-[a-z]{2,5})$/.exec(h.trim())).map((m) => m?.[1] ?? m?.[2] ?? null);
    if (actionCol < 0 && regionCols.filter(Boolean).length >= 1) {
      for (const row of rows) {
        row.cells.forEach((cell, idx) => {
          const code = regionCols[idx];
          if (code && locationCodes.has(code) && /^\s*(yes|y|✓|✔|supported)\b/i.test(cell)) documentLocations.add(code);
        });
      }
      return;
    }
    if (actionCol < 0) {
      // Maybe the values of a template variable: "| Asset type | Description |".
      const first = header[0]?.trim() ?? '';
      if (/^[A-Za-z][A-Za-z ]{1,40}$/.test(first) && header.slice(1).some(isDescriptionHeader)) {
        const values = rows.map((r) => r.cells[0]?.replace(/[`*]/g, '').trim() ?? '').filter((v) => SEGMENT.test(v));
        if (values.length) variableValues.set(variableSlug(first), values);
      }
      return;
    }
    const descCol = header.findIndex((h, idx) => idx !== actionCol && isDescriptionHeader(h));
    const methodCol = header.findIndex(isMethodHeader);
    const pathCol = header.findIndex(isPathHeader);
    const group = groupFor(caption);
    for (const row of rows) {
      const cell = row.cells[actionCol] ?? '';
      const description = descCol >= 0 ? row.cells[descCol] ?? null : row.cells.filter((_, idx) => idx !== actionCol).join(' ').trim() || null;
      let method: string | null = null;
      let path: string | null = null;
      if (methodCol >= 0) method = (row.cells[methodCol] ?? '').replace(/`/g, '').trim().toUpperCase() || null;
      if (pathCol >= 0) {
        const p = (row.cells[pathCol] ?? '').replace(/`/g, '').trim();
        const m = new RegExp(`^(${HTTP_METHODS})\\s+(\\/\\S*)$`, 'i').exec(p);
        if (m) {
          method ??= m[1]!.toUpperCase();
          path = m[2]!;
        } else if (p.startsWith('/')) path = p.split(/\s+/)[0]!;
      }
      record(judgeCell(cell), row.line, description, group, method, path, row.text);
    }
  }

  // Template actions take the values of the table headed by their variable's name.
  const templateValues = (name: string): { variable: string | null; values: string[] } => {
    const variable = name.split('.').map((s) => VARIABLE_SEGMENT.exec(s)?.[1]).find(Boolean) ?? null;
    return { variable, values: variable ? variableValues.get(variable) ?? variableValues.get(variable.replace(/s$/, '')) ?? [] : [] };
  };

  // One entry per name; the first listing wins, later ones only fill gaps.
  const byName = new Map<string, FoundAction>();
  for (const f of found) {
    const seen = byName.get(f.name);
    if (!seen) byName.set(f.name, { ...f });
    else {
      seen.description ??= f.description;
      seen.httpMethod ??= f.httpMethod;
      seen.httpPath ??= f.httpPath;
    }
  }

  const prefixes = choosePrefixes([...byName.keys()], [...(options.knownPrefixes ?? [])]);
  const actions: ParsedAction[] = [...byName.values()].map((f) => {
    const { variable, values } = templateValues(f.name);
    return {
      name: f.name,
      service: prefixes.get(f.name)!,
      description: f.description,
      group: f.group,
      httpMethod: f.httpMethod,
      httpPath: f.httpPath,
      templateVariable: variable,
      templateValues: values,
      deprecated: f.deprecated,
      line: f.line,
    };
  });

  const services = buildServices(actions, serviceNamesFromHeadings(actions), documentLocations, locationSentences);
  return { source, title, services, actions, skipped };
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

function buildServices(
  actions: ParsedAction[],
  headingNames: Map<string, string>,
  locations: Set<string>,
  sentences: string[],
): ParsedService[] {
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a.service, (counts.get(a.service) ?? 0) + 1);
  const prefixes = [...counts.keys()];
  const names = new Map(prefixes.map((p) => [p, knownServiceName(p) ?? headingNames.get(p) ?? humanise(p)]));
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

/** Replaces keyrefs, inline tags, links and HTML with plain text, line by line. */
function normalise(text: string): Line[] {
  return text.split(/\r?\n/).map((raw, index) => {
    let t = raw;
    const deprecated = /\{:\s*tag-deprecated\s*\}|\[deprecated\]/i.test(t);
    t = t.replace(/\[[^\]]*\]\{:\s*tag-deprecated\s*\}/gi, ' ');
    t = t.replace(/\{\{\s*site\.data\.keyword\.([A-Za-z0-9_.-]+?)\s*\}\}/g, (_, name: string) => keyrefText(name));
    t = t.replace(/\[([^\]]*)\]\{:[^}]*\}/g, '$1'); // [Yes]{: tag-green}
    t = t.replace(/\[([^\]]+)\]\((?:[^)]*)\)/g, '$1'); // [text](url)
    t = t.replace(/<\/?(?:br|code|p|strong|em|b|i|span|div|td|tr|th|table|ul|li|ol|sup|sub|a|pre|kbd|tt|img|u|small|nobr)\b[^>]*>/gi, ' ');
    t = t.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/__([^_]+)__/g, '$1');
    t = t.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    t = t.replace(/®|™/g, '');
    return { no: index + 1, raw, text: t.replace(/\s+$/, ''), deprecated };
  });
}

function splitRow(text: string): string[] {
  let t = text.trim();
  if (t.startsWith('|')) t = t.slice(1);
  const cells = splitPipes(t);
  while (cells.length && cells.at(-1)!.trim() === '') cells.pop();
  return cells.map((c) => c.trim());
}

/** Splits on `|` outside backticks (a path such as `a|b` stays one cell). */
function splitPipes(text: string): string[] {
  const cells: string[] = [];
  let current = '';
  let inCode = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    if (ch === '`') inCode = !inCode;
    if (ch === '\\' && text[k + 1] === '|') {
      current += '|';
      k++;
      continue;
    }
    if (ch === '|' && !inCode) {
      cells.push(current);
      current = '';
    } else current += ch;
  }
  cells.push(current);
  return cells;
}

function attributeCaption(text: string): string | null {
  const m = /^\|?\s*\{:\s*[^}]*caption="([^"]*)"[^}]*\}\s*\|?\s*$/.exec(text.trim());
  return m ? m[1]!.replace(/^Table\s+\d+[.:]\s*/i, '').trim() : null;
}

/** Rows of a pipe table; a row whose cells arrive one per line is put back together. */
function readPipeTable(lines: Line[], start: number, columns: number) {
  const rows: Array<{ cells: string[]; line: Line; text: string }> = [];
  let pending: string[] = [];
  let pendingLine: Line | null = null;
  let pendingText = '';
  let k = start;
  let caption: string | null = null;
  for (; k < lines.length; k++) {
    const line = lines[k]!;
    const t = line.text.trim();
    if (t === '' || /^#{1,6}\s/.test(t)) break;
    const cap = attributeCaption(t);
    if (cap !== null || /^\|?\s*\{:/.test(t)) {
      caption = cap ?? caption;
      k++;
      // Attribute lines right after a table belong to it.
      while (k < lines.length && /^\|?\s*\{:/.test(lines[k]!.text.trim())) {
        caption = attributeCaption(lines[k]!.text) ?? caption;
        k++;
      }
      break;
    }
    if (!t.includes('|')) break;
    const cells = splitRow(t);
    // A line framed by pipes is a whole row, however many cells it has; a line that only
    // ends with a pipe holds the next cell(s) of a row spread over several lines.
    const wholeRow = t.startsWith('|') && t.endsWith('|');
    if (pending.length === 0 && (wholeRow || cells.length >= columns)) {
      rows.push({ cells: cells.slice(0, Math.max(columns, cells.length)), line, text: t });
      continue;
    }
    if (pending.length === 0) {
      pendingLine = line;
      pendingText = '';
    }
    pending.push(...cells);
    pendingText += `${t} `;
    if (pending.length >= columns) {
      rows.push({ cells: pending, line: pendingLine!, text: pendingText.trim() });
      pending = [];
    }
  }
  if (pending.length && pendingLine) rows.push({ cells: pending, line: pendingLine, text: pendingText.trim() });
  return { rows, end: k, caption };
}

/** A caption written above a table: "Table 1. Virtual server instance actions". */
function previousCaption(lines: Line[], from: number): string | null {
  let j = from;
  while (j >= 0 && lines[j]!.text.trim() === '') j--;
  if (j < 0) return null;
  const t = lines[j]!.text.trim();
  const table = /^Table\s+\d+[.:]\s*(.+)$/i.exec(t);
  if (table) return table[1]!.trim();
  const attr = attributeCaption(t);
  if (attr) return attr;
  // A short line directly above the header row, not a sentence ending with a colon.
  if (j === from && t.length <= 120 && !/[.:]$/.test(t) && /^[A-Z]/.test(t) && !t.includes('|')) return t;
  return null;
}

function isTextHeading(lines: Line[], i: number): boolean {
  const t = lines[i]!.text.trim();
  if (t.length === 0 || t.length > 90) return false;
  if (!/^[A-Z0-9]/.test(t) || /[.:;,!?|]$/.test(t) || t.includes('|')) return false;
  if (t.split(/\s+/).length > 12) return false;
  if (/^Table\s+\d+/i.test(t)) return false;
  const before = i === 0 || lines[i - 1]!.text.trim() === '';
  const after = i + 1 >= lines.length || lines[i + 1]!.text.trim() === '';
  return before && after;
}

function cleanDescription(description: string | null): { text: string | null; method: string | null; path: string | null } {
  if (!description) return { text: null, method: null, path: null };
  let text = description.replace(/\s+/g, ' ').trim();
  let method: string | null = null;
  let path: string | null = null;
  const m = METHOD_AND_PATH.exec(text);
  if (m) {
    method = m[1]!.toUpperCase();
    path = m[2]!;
    text = text.replace(m[0], ' ');
  }
  text = text.replace(/\[\s*deprecated\s*\]/i, '').replace(/\s+([.,;])/g, '$1').replace(/\s+/g, ' ').replace(/^\|+|\|+$/g, '').trim();
  return { text: text || null, method, path };
}
