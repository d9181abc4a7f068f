// Reads a page without markup: a rendered documentation page flattened to text, where a
// table arrives as "Action Description" then "name text" lines, or one cell per line, and a
// heading is a short line standing alone. Heuristics by necessity; markdown pages go
// through markdown-page.ts instead.
import { SEGMENT } from '../naming.js';
import { judgeCell, judgeToken, type Candidate } from './candidates.js';
import { captionOf, groupFor, isGenericHeading, marksDeprecated, plainText, type Heading, type PageReading } from './page-reading.js';

interface Line {
  no: number;
  text: string;
  deprecated: boolean;
}

const NAME_HEADER = /^(action|actions|event|events|action name|event name|activity)$/i;
const DESCRIPTION_HEADER = /^(description|descriptions|details|meaning|what it tracks|event description|action description)$/i;

export function readFlattenedPage(text: string, reading: PageReading): { title: string | null } {
  const lines: Line[] = text.split(/\r?\n/).map((raw, i) => ({ no: i + 1, text: plainText(raw).replace(/\s+$/, ''), deprecated: marksDeprecated(raw) }));
  const headings: Heading[] = [];
  let title: string | null = null;
  const group = (caption: string | null) => groupFor(headings, caption, false);
  const blank = (j: number) => lines[j]!.text.trim() === '';
  const nextNonEmpty = (from: number) => {
    let j = from;
    while (j < lines.length && blank(j)) j++;
    return j;
  };
  /** A caption written just above a table ("Table 1. ..."), or a short title-like line there. */
  const captionAbove = (j: number): string | null => {
    let k = j;
    while (k >= 0 && blank(k)) k--;
    if (k < 0) return null;
    const t = lines[k]!.text.trim();
    const caption = captionOf(t);
    if (caption) return caption;
    return k === j && t.length <= 120 && !/[.:]$/.test(t) && /^[A-Z]/.test(t) ? t : null;
  };
  const shortName = (line: Line | undefined) => !!line && line.text.trim().split(/\s+/).length <= 3 && judgeCell(line.text).some((c) => c.kind === 'name');

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const t = line.text.trim();

    // One cell per line: "Action" / "Description" / name / text / name / text ...
    if (NAME_HEADER.test(t) && DESCRIPTION_HEADER.test(lines[nextNonEmpty(i + 1)]?.text.trim() ?? '')) {
      const g = group(captionAbove(i - 1));
      let k = nextNonEmpty(nextNonEmpty(i + 1) + 1);
      while (k < lines.length) {
        const nameLine = lines[k]!;
        const candidates = judgeCell(nameLine.text);
        if (candidates.length === 0 || nameLine.text.trim().split(/\s+/).length > 3) break;
        const d = nextNonEmpty(k + 1);
        const description = lines[d] && !shortName(lines[d]) ? lines[d]!.text : null;
        reading.take(candidates, { line: nameLine.no, text: nameLine.text, group: g, description, deprecated: nameLine.deprecated });
        k = description !== null ? nextNonEmpty(d + 1) : d;
      }
      i = k;
      continue;
    }

    // Space-separated cells: "Action Description" then "name text", or a variable's values
    // under "Asset type Description".
    const spaced = /^(action|actions|event|events|action name|event name)\s+(description|descriptions|details)$/i.test(t);
    const valueHeader = /^([A-Z][a-z]+(?:\s[a-z]+){0,2})\s+(Description|Details|Meaning)$/.exec(t);
    if (spaced || valueHeader) {
      const g = group(captionAbove(i - 1));
      const values: string[] = [];
      let k = i + 1;
      for (; k < lines.length && !blank(k); k++) {
        const row = lines[k]!;
        let tokens = row.text.trim().split(/\s+/);
        if (!spaced) {
          const value = tokens[0]!.replace(/[`*]/g, '');
          if (!SEGMENT.test(value)) break;
          values.push(value);
          continue;
        }
        const leading: Candidate[] = [];
        for (let c = judgeToken(tokens[0]!.replace(/,$/, '')); c && tokens.length; c = tokens[0] ? judgeToken(tokens[0].replace(/,$/, '')) : null) {
          leading.push(c);
          tokens = tokens.slice(1);
        }
        if (leading.length === 0) break;
        reading.take(leading, { line: row.no, text: row.text, group: g, description: tokens.join(' ') || null, deprecated: row.deprecated });
      }
      if (valueHeader && values.length) reading.variableValues.set(valueHeader[1]!.trim().toLowerCase().replace(/\s+/g, '_').replace(/s$/, ''), values);
      i = k;
      continue;
    }

    // List items that start with an action name: "• name description".
    const item = /^\s*(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line.text);
    if (item) {
      const [first = '', ...rest] = item[1]!.split(/\s+/);
      const c = judgeToken(first.replace(/[,:]$/, ''));
      if (c) {
        reading.take([c], { line: line.no, text: item[1]!, group: group(null), description: rest.join(' ').replace(/^[-–—:]\s*/, '') || null, deprecated: line.deprecated });
        i++;
        continue;
      }
    }

    // A heading: a short title-like line standing alone. The first is the page's title;
    // "Create events" nests under the heading before it.
    if (isTextHeading(lines, i)) {
      if (title === null) {
        title = t;
        headings.splice(0, headings.length, { level: 1, text: t });
      } else {
        const generic = isGenericHeading(t);
        while (headings.length && headings.at(-1)!.level >= 2 && !(generic && !isGenericHeading(headings.at(-1)!.text))) headings.pop();
        headings.push({ level: generic ? 3 : 2, text: t });
      }
      i++;
      continue;
    }

    reading.noteLocations(t);
    i++;
  }
  return { title };
}

function isTextHeading(lines: Line[], i: number): boolean {
  const t = lines[i]!.text.trim();
  if (t.length === 0 || t.length > 90) return false;
  if (!/^[A-Z0-9]/.test(t) || /[.:;,!?|]$/.test(t) || t.includes('|')) return false;
  if (t.split(/\s+/).length > 12 || /^Table\s+\d+/i.test(t)) return false;
  const before = i === 0 || lines[i - 1]!.text.trim() === '';
  const after = i + 1 >= lines.length || lines[i + 1]!.text.trim() === '';
  return before && after;
}
