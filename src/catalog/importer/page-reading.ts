// What reading one page found, before names are split into services: the actions named
// where, what was skipped and why (per section), the values of template variables and the
// locations the page states. The markdown reader and the flattened-text reader both fill
// one of these; parse-document.ts turns it into services and actions.
import type { Candidate } from './candidates.js';
import { keyrefText } from './keyrefs.js';

export interface SkippedLine {
  /** 1-based line of the page (0 when not tied to a line). */
  line: number;
  text: string;
  reason: string;
  /** The section of the page it is in (its heading, or a table's caption). */
  section?: string | null;
}

export interface FoundAction {
  name: string;
  description: string | null;
  /** The section it is listed in; stored as the action's group. */
  group: string | null;
  httpMethod: string | null;
  httpPath: string | null;
  deprecated: boolean;
  line: number;
}

export interface Heading {
  level: number;
  text: string;
}

/** Where a listing is: its line, its row or item text, the section and what it says besides the name. */
export interface Listing {
  line: number;
  text: string;
  group: string | null;
  description: string | null;
  httpMethod?: string | null;
  httpPath?: string | null;
  deprecated?: boolean;
}

const HTTP_METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';
const METHOD_AND_PATH = new RegExp(`\\(?\\s*\`?\\s*\\b(${HTTP_METHODS})\\s+(\\/[^\\s\`)]*)\\s*\`?\\s*\\)?`);
export const METHOD_THEN_PATH = new RegExp(`^(${HTTP_METHODS})\\s+(\\/\\S*)$`, 'i');
/** Headings such as "Create events" name a kind of event under a topic heading above them. */
const GENERIC_HEADING = /^(create|read|update|delete|list|get|train|reset|upgrade|start|stop|send|receive|restore|enable|disable|other|management|data|write|admin|security)\s+(events?|actions?)$/i;

export function isGenericHeading(text: string): boolean {
  return GENERIC_HEADING.test(text);
}

export function createPageReading(locationCodes: Set<string>) {
  const found: FoundAction[] = [];
  const skipped: SkippedLine[] = [];
  const variableValues = new Map<string, string[]>();
  /** What a variable's values table says of each value (for a prefix, the service's name). */
  const valueDescriptions = new Map<string, string>();
  const locations = new Set<string>();
  const locationSentences: string[] = [];

  return {
    found,
    skipped,
    variableValues,
    valueDescriptions,
    locations,
    locationSentences,

    skip(line: number, text: string, reason: string, section: string | null): void {
      skipped.push({ line, text: text.trim().slice(0, 300), reason, section });
    },

    /** The names among `candidates` are actions listed at `at`; look-alikes are reported. */
    take(candidates: Candidate[], at: Listing): void {
      for (const c of candidates) {
        if (c.kind === 'look-alike') this.skip(at.line, at.text, `\`${c.token}\` is ${c.reason}`, at.group);
      }
      const names = candidates.filter((c): c is Extract<Candidate, { kind: 'name' }> => c.kind === 'name');
      if (candidates.length === 0) this.skip(at.line, at.text, 'no action name in the action column', at.group);
      const cleaned = cleanDescription(at.description);
      for (const n of names) {
        found.push({
          name: n.name,
          description: cleaned.text,
          group: at.group,
          httpMethod: at.httpMethod ?? cleaned.method,
          httpPath: at.httpPath ?? cleaned.path,
          deprecated: (at.deprecated ?? false) || /\bdeprecated\b/i.test(at.description ?? ''),
          line: at.line,
        });
      }
    },

    /** A sentence saying where events are generated: its location codes belong to the page. */
    noteLocations(sentence: string): void {
      if (!/generat|are sent|sends/i.test(sentence) || !/\b(region|regions|location|locations)\b/i.test(sentence)) return;
      const codes = [...sentence.matchAll(/\b([a-z]{2}-[a-z]{2,5})\b/g)].map((m) => m[1]!).filter((c) => locationCodes.has(c));
      if (codes.length === 0) return;
      codes.forEach((c) => locations.add(c));
      locationSentences.push(sentence);
    },

    /** A header cell naming a location ("Dallas (us-south)") and a cell saying Yes. */
    noteRegionCell(header: string, cell: string): boolean {
      const m = /\(([a-z]{2}-[a-z]{2,5}|global)\)|^([a-z]{2}-[a-z]{2,5})$/.exec(header.trim());
      const code = m?.[1] ?? m?.[2];
      if (!code) return false;
      if (locationCodes.has(code) && /^\s*(yes|y|✓|✔|supported)\b/i.test(cell)) locations.add(code);
      return true;
    },
  };
}

export type PageReading = ReturnType<typeof createPageReading>;

/**
 * The group of a listing: the nearest heading below the title ("Create events" under
 * "Language model customization events" reads "Language model customization create
 * events"), else the table's caption, else the title.
 */
export function groupFor(headings: Heading[], caption: string | null, nested: boolean): string | null {
  const inner = headings.filter((h) => h.level >= 2);
  const last = inner.at(-1);
  if (last) {
    if (isGenericHeading(last.text)) {
      const parent = inner.slice(0, -1).reverse().find((h) => h.level < last.level) ?? (nested ? undefined : inner.at(-2));
      if (parent) {
        const topic = parent.text.replace(/^(events?|actions?) for\s+/i, '').replace(/\s+(events?|actions?)$/i, '');
        return `${topic[0]!.toUpperCase()}${topic.slice(1)} ${last.text.toLowerCase()}`;
      }
    }
    return last.text;
  }
  return caption ?? headings.at(-1)?.text ?? null;
}

/** "Table 1. Virtual server instance actions" or `{: caption="..."}`: the caption's words. */
export function captionOf(text: string): string | null {
  const t = text.trim();
  const table = /^Table\s+\d+[.:]\s*(.+)$/i.exec(t);
  if (table) return table[1]!.trim();
  const attr = /^\|?\s*\{:\s*[^}]*caption="([^"]*)"[^}]*\}\s*\|?\s*$/.exec(t);
  return attr ? attr[1]!.replace(/^Table\s+\d+[.:]\s*/i, '').trim() : null;
}

/** A description without its `(POST /v1/x)`, which becomes the action's method and path. */
export function cleanDescription(description: string | null | undefined): { text: string | null; method: string | null; path: string | null } {
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

/** Page text as a reader sees it: keyrefs as names, `[Yes]{: tag-green}` as Yes, no HTML tags or entities. */
export function plainText(raw: string): string {
  return raw
    .replace(/\[[^\]]*\]\{:\s*tag-deprecated\s*\}/gi, ' ')
    .replace(/\{\{\s*site\.data\.keyword\.([A-Za-z0-9_.-]+?)\s*\}\}/g, (_, name: string) => keyrefText(name))
    .replace(/\[([^\]]*)\]\{:[^}]*\}/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^)]*)\)/g, '$1')
    .replace(/<\/?(?:br|code|p|strong|em|b|i|span|div|td|tr|th|table|ul|li|ol|sup|sub|a|pre|kbd|tt|img|u|small|nobr)\b[^>]*>/gi, ' ')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/__([^_]+)__/g, '$1')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/®|™/g, '');
}

/** Whether raw page text marks something deprecated (`{: tag-deprecated}`, `[deprecated]`). */
export function marksDeprecated(raw: string): boolean {
  return /\{:\s*tag-deprecated\s*\}|\[deprecated\]/i.test(raw);
}
