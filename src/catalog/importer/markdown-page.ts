// Reads a markdown page (IBM's source form) as a tree: remark-parse with remark-gfm gives
// the mdast once, the walk keeps the headings above each block, and each way a page lists
// actions is one rule below (BLOCK_RULES, TABLE_RULES). A new shape is a new rule there.
import type { List, ListItem, Nodes, Paragraph, PhrasingContent, Root, RootContent, Table, TableRow } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { SEGMENT } from '../naming.js';
import { judgeCell, judgeToken, variablesAsWritten, type Candidate } from './candidates.js';
import { METHOD_THEN_PATH, captionOf, groupFor, marksDeprecated, plainText, type Heading, type PageReading } from './page-reading.js';

const parser = unified().use(remarkParse).use(remarkGfm);

/** What a rule sees besides its node: the page, the headings above it and the reading to fill. */
export interface Walk {
  reading: PageReading;
  headings: Heading[];
  /** The page's source text (for a node's raw markdown). */
  source: string;
  group(caption?: string | null): string | null;
}

/** A rule over one block: true when it understood the block (the next rules are not asked). */
type BlockRule = (node: RootContent, walk: Walk, neighbours: { before?: RootContent; after?: RootContent }) => boolean;

/** One table of a table node: its header, its rows (a row spread over lines is put back together), its caption. */
export interface TableSegment {
  header: string[];
  rows: Array<{ cells: string[]; line: number; raw: string }>;
  caption: string | null;
}

type TableRule = (table: TableSegment, walk: Walk) => boolean;

export function readMarkdownPage(text: string, reading: PageReading): { title: string | null } {
  const source = withoutFrontMatter(text);
  const tree = parser.parse(source) as Root;
  const headings: Heading[] = [];
  let title: string | null = null;
  const walk: Walk = { reading, headings, source, group: (caption = null) => groupFor(headings, caption, true) };
  const blocks = tree.children;
  blocks.forEach((node, index) => {
    if (node.type === 'heading') {
      const heading = plainText(toString(node)).replace(/\s*\{:[^}]*\}\s*$/, '').trim();
      while (headings.length && headings.at(-1)!.level >= node.depth) headings.pop();
      headings.push({ level: node.depth, text: heading });
      if (node.depth === 1) title ??= heading;
      return;
    }
    const neighbours = { before: blocks[index - 1], after: blocks[index + 1] };
    for (const rule of BLOCK_RULES) if (rule(node, walk, neighbours)) return;
  });
  return { title };
}

// ---- block rules ----------------------------------------------------------------------

const BLOCK_RULES: BlockRule[] = [
  // Code blocks, HTML and attribute lines (`{: #id}`) are never catalog content.
  (node) => node.type === 'code' || node.type === 'html' || (node.type === 'paragraph' && /^\{:[^}]*\}$/.test(toString(node).trim())),
  (node, walk, { before, after }) => {
    if (node.type !== 'table') return false;
    // A caption written above the table ("Table 1. ...") or as an attribute line after it.
    const caption = [after, before].map((n) => (n?.type === 'paragraph' ? captionOf(toString(n)) : null)).find(Boolean) ?? null;
    for (const segment of tableSegments(node, walk.source, caption)) {
      for (const rule of TABLE_RULES) if (rule(segment, walk)) break;
    }
    return true;
  },
  (node, walk) => {
    if (node.type !== 'list') return false;
    readList(node, walk);
    return true;
  },
  (node, walk) => {
    if (node.type === 'blockquote') {
      for (const child of node.children) if (child.type === 'paragraph') readProse(child, walk);
      return true;
    }
    if (node.type !== 'paragraph') return false;
    readProse(node, walk);
    return true;
  },
];

/** List items that start with action names ("- `x.y.create`: Create an x"); other items are prose. */
function readList(list: List, walk: Walk): void {
  for (const item of list.children) {
    const [first, ...rest] = item.children;
    if (first?.type === 'paragraph' && !leadingNames(first, item, walk)) readProse(first, walk);
    for (const child of rest) {
      if (child.type === 'list') readList(child, walk);
      else if (child.type === 'paragraph') readProse(child, walk);
    }
  }
}

function leadingNames(paragraph: Paragraph, item: ListItem, walk: Walk): boolean {
  const body = toString(paragraph).trim();
  const tokens = body.split(/\s+/);
  const leading: Candidate[] = [];
  let rest = tokens;
  while (rest.length) {
    const candidate = judgeToken(rest[0]!.replace(/[,:]$/, ''));
    if (!candidate) break;
    leading.push(candidate);
    rest = rest.slice(1);
    if (/:$/.test(tokens[leading.length - 1] ?? '')) break;
    if (rest[0] && /^(and|or|&)$/i.test(rest[0])) rest = rest.slice(1);
  }
  if (leading.length === 0) return false;
  const description = plainText(rest.join(' ')).replace(/^[-–—:]\s*/, '') || null;
  walk.reading.take(leading, { line: line(paragraph), text: body, group: walk.group(), description, deprecated: marksDeprecated(raw(item, walk.source)) });
  return true;
}

/**
 * Actions named in sentences: "An event `x.y.create` is generated when ...", "you get the
 * event `x.y.attach`". A name counts when its sentence says it is an event or an action;
 * otherwise it is reported. Links (URLs) are never names.
 */
function readProse(paragraph: Paragraph, walk: Walk): void {
  const text = plainText(phrasingText(paragraph.children));
  walk.reading.noteLocations(text);
  for (const sentence of text.split(/(?<=[.!?])\s+(?=[A-Z`])/)) {
    const candidates = sentence.split(/[\s,;]+/).map((t) => judgeToken(t)).filter((c): c is Extract<Candidate, { kind: 'name' }> => c?.kind === 'name');
    if (candidates.length === 0) continue;
    if (/\b(events?|actions?|activit(y|ies))\b/i.test(sentence)) {
      walk.reading.take(candidates, { line: line(paragraph), text: sentence, group: walk.group(), description: sentence });
    } else {
      for (const c of candidates) walk.reading.skip(line(paragraph), sentence, `\`${c.name}\` is named in a sentence that does not say it is an event or an action`, walk.group());
    }
  }
}

/** A paragraph's text with links (a URL or a title) and commands left out. */
function phrasingText(nodes: PhrasingContent[]): string {
  return nodes
    .map((n) => {
      if (n.type === 'link' || n.type === 'linkReference' || n.type === 'image') return ' ';
      // Code of several words is a command (`ibmcloud ks cluster create --name my.cluster.test`), not a name.
      if (n.type === 'inlineCode') return /\s/.test(n.value.trim()) ? ' ' : ` ${variablesAsWritten(n.value)} `;
      if ('children' in n) return phrasingText(n.children as PhrasingContent[]);
      return 'value' in n ? n.value : ' ';
    })
    .join('');
}

// ---- tables ---------------------------------------------------------------------------

/** Headers of a column that holds actions (not IAM actions, resources, descriptions ...). */
function isActionHeader(cell: string): boolean {
  const h = cell.toLowerCase().replace(/[`*_]/g, '').trim();
  if (!/\b(action|actions|event|events|activity|activities)\b/.test(h)) return false;
  return !/\b(iam|old|older|legacy|previous|former|deprecated|alternative|alternate|alias|reference|resource|resources|description|type|field|fields|target|outcome|severity|request|response|method|path|attribute|variable|asset|role|permission|when|trigger|triggered|studio|data|count|id)\b/.test(h);
}

/** A column naming the same event by an older or another name. */
function nameColumnKind(cell: string): 'older' | 'alternative' | null {
  const h = cell.toLowerCase().replace(/[`*_]/g, '').trim();
  if (!/\b(name|names|action|actions|event|events)\b/.test(h) || /\biam\b/.test(h)) return null;
  if (/\b(old|older|legacy|previous|former|deprecated)\b/.test(h)) return 'older';
  if (/\b(alternative|alternate|alias|aliases|also)\b/.test(h)) return 'alternative';
  return null;
}

const isDescriptionHeader = (cell: string) => /^(description|descriptions|details|meaning|what it tracks|event description|action description)$/i.test(cell.trim());
const isMethodHeader = (cell: string) => /^(http )?method$|^verb$/i.test(cell.trim());
const isPathHeader = (cell: string) => /^(path|api|api path|endpoint|request|url|api endpoint|http request)$/i.test(cell.trim());

const TABLE_RULES: TableRule[] = [
  // Actions: a column headed Action, Action name, Event, Activity, Event name ...
  (table, walk) => {
    const actionCol = table.header.findIndex(isActionHeader);
    if (actionCol < 0) return false;
    const descCol = table.header.findIndex((h, i) => i !== actionCol && isDescriptionHeader(h));
    const methodCol = table.header.findIndex(isMethodHeader);
    const pathCol = table.header.findIndex(isPathHeader);
    const nameCols = table.header.map((h, i) => (i === actionCol ? null : nameColumnKind(h)));
    const group = walk.group(table.caption);
    for (const row of table.rows) {
      const cell = (i: number) => plainText(row.cells[i] ?? '').trim();
      const description = descCol >= 0 ? cell(descCol) || null : row.cells.filter((_, i) => i !== actionCol && !nameCols[i]).map((c) => plainText(c)).join(' ').trim() || null;
      let method = methodCol >= 0 ? cell(methodCol).toUpperCase() || null : null;
      let path: string | null = null;
      if (pathCol >= 0) {
        const p = cell(pathCol);
        const m = METHOD_THEN_PATH.exec(p);
        if (m) {
          method ??= m[1]!.toUpperCase();
          path = m[2]!;
        } else if (p.startsWith('/')) path = p.split(/\s+/)[0]!;
      }
      const deprecated = marksDeprecated(row.raw);
      const candidates = judgeCell(row.cells[actionCol] ?? '');
      walk.reading.take(candidates, { line: row.line, text: row.raw, group, description, httpMethod: method, httpPath: path, deprecated });
      const current = namesIn(candidates)[0] ?? null;
      nameCols.forEach((kind, i) => {
        const others = kind ? judgeCell(row.cells[i] ?? '').filter((c) => c.kind === 'name' && c.name !== current) : [];
        if (others.length === 0) return;
        // Another name of the same event is taken; an older one is reported (events carry the current name).
        if (kind === 'alternative') walk.reading.take(others, { line: row.line, text: row.raw, group, description, httpMethod: method, httpPath: path, deprecated });
        else for (const name of namesIn(others)) walk.reading.skip(row.line, row.raw, `\`${name}\` is the older name of ${current ?? 'the action in this row'} (${table.header[i]})`, group);
      });
    }
    return true;
  },
  // Regions: header cells name locations ("Dallas (us-south)"), a row says Yes or No.
  (table, walk) => {
    let regional = false;
    for (const row of table.rows) row.cells.forEach((cell, i) => (regional = walk.reading.noteRegionCell(table.header[i] ?? '', plainText(cell)) || regional));
    return regional || table.header.some((h) => walk.reading.noteRegionCell(h, ''));
  },
  // The values of a template variable: "| Asset type | Description |" lists `<asset_type>`.
  (table, walk) => {
    const first = plainText(table.header[0] ?? '').trim();
    if (!/^[A-Za-z][A-Za-z _-]{1,40}$/.test(first) || !table.header.slice(1).some(isDescriptionHeader)) return false;
    const descCol = table.header.findIndex((h, i) => i > 0 && isDescriptionHeader(h));
    const values: string[] = [];
    for (const row of table.rows) {
      const value = plainText(row.cells[0] ?? '').replace(/[`*]/g, '').trim();
      if (!SEGMENT.test(value)) continue;
      values.push(value);
      const said = plainText(row.cells[descCol] ?? '').trim();
      if (said) walk.reading.valueDescriptions.set(value, said);
    }
    if (values.length === 0) return false;
    walk.reading.variableValues.set(variableSlug(first), values);
    return true;
  },
  // Any other table: names in it are reported, not taken (a field table, a table of IAM actions).
  (table, walk) => {
    for (const row of table.rows) {
      for (const c of row.cells.flatMap((cell) => judgeCell(cell))) {
        if (c.kind === 'name') walk.reading.skip(row.line, row.raw, `\`${c.name}\` is in a table without an action column (${table.header.join(', ')})`, walk.group(table.caption));
      }
    }
    return true;
  },
];

const namesIn = (candidates: Candidate[]) => candidates.flatMap((c) => (c.kind === 'name' ? [c.name] : []));

/** `asset_type` for a header such as "Asset type" or "Asset types". */
function variableSlug(header: string): string {
  return header.trim().toLowerCase().replace(/[`*]/g, '').replace(/[\s-]+/g, '_').replace(/s$/, '');
}

const DELIMITER_CELL = /^:?-+:?$/;
const isDelimiterRow = (cells: string[]) => cells.length > 0 && cells.every((c) => DELIMITER_CELL.test(c.trim()));

/**
 * The tables of one GFM table node. Without blank lines around them (as in pages converted
 * from other formats), GFM reads what follows a table as more of its rows: attribute lines
 * (`{: caption=...}`, which caption the table above), sentences, and the next table's header
 * and delimiter row. Rows whose cells arrive one per line (`name |` then `description |`) are
 * put back together; a line framed by pipes is a whole row however many cells it has.
 */
function tableSegments(table: Table, source: string, caption: string | null): TableSegment[] {
  const rows = table.children.map((row: TableRow) => ({ cells: row.children.map((c) => toString(c).trim()), line: line(row), raw: raw(row, source).trim() }));
  const segments: TableSegment[] = [];
  let current: TableSegment & { closed: boolean } = { header: rows[0]?.cells ?? [], rows: [], caption: null, closed: false };
  let pending: { cells: string[]; line: number; raw: string } | null = null;
  const flush = () => {
    if (pending) current.rows.push(pending);
    pending = null;
  };
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i]!;
    if (rows[i + 1] && isDelimiterRow(rows[i + 1]!.cells)) {
      flush();
      segments.push(current);
      current = { header: row.cells, rows: [], caption: null, closed: false };
      i++;
      continue;
    }
    const attribute = row.cells.length === 1 && /^\{:.*\}$/.test(row.cells[0]!);
    if (attribute || (row.cells.length === 1 && row.cells[0] === '' && row.raw === '|')) {
      flush();
      current.caption ??= captionOf(row.cells[0] ?? '');
      current.closed = true;
      continue;
    }
    if (current.closed) continue; // a sentence between two tables
    const whole = row.raw.startsWith('|') && row.raw.endsWith('|');
    if (!pending && (whole || row.cells.length >= current.header.length)) {
      current.rows.push(row);
      continue;
    }
    if (pending) {
      pending.cells.push(...row.cells);
      pending.raw += ` ${row.raw}`;
    } else pending = { ...row, cells: [...row.cells] };
    if (pending.cells.length >= current.header.length) flush();
  }
  flush();
  segments.push(current);
  segments[0]!.caption ??= caption;
  return segments;
}

function line(node: Nodes): number {
  return node.position?.start.line ?? 0;
}

function raw(node: Nodes, source: string): string {
  return node.position ? source.slice(node.position.start.offset, node.position.end.offset) : '';
}

/** Front matter (`---` ... `---` at the top) blanked, so the lines keep their numbers. */
function withoutFrontMatter(text: string): string {
  const m = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(?=\r?\n|$)/.exec(text);
  return m ? m[0].replace(/[^\n]/g, '') + text.slice(m[0].length) : text;
}
