// Text PostgreSQL cannot store as it is: a string holding an unpaired UTF-16 surrogate (which
// JSON can carry as a `\uD800` escape) is stored as U+FFFD in a text column, so what is
// stored is not what was sent (an event would no longer match its content hash), and jsonb
// refuses it, failing the statement (the audit trail stores every change as JSON). Such
// variables are refused before any resolver runs. So are request bodies that are not UTF-8.
import { isUtf8 } from 'node:buffer';

export const UNPAIRED_SURROGATE = 'must be valid Unicode text (it holds an unpaired surrogate, \\uD800-\\uDFFF)';
const KEY_UNPAIRED_SURROGATE = 'holds a key that is not valid Unicode text (an unpaired surrogate, \\uD800-\\uDFFF)';
const MAX_REPORTED = 20;

export interface TextIssue {
  field: string;
  reason: string;
}

/** The strings and object keys of `variables` holding an unpaired surrogate, by path (`inputs[3].message`). */
export function unpairedSurrogates(variables: unknown): TextIssue[] {
  const found: TextIssue[] = [];
  // A stack, not recursion: the nesting depth is the client's.
  const stack: Array<[unknown, string]> = [[variables, '']];
  while (stack.length && found.length < MAX_REPORTED) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) found.push({ field: path, reason: UNPAIRED_SURROGATE });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.some(([k]) => !k.isWellFormed())) found.push({ field: path, reason: KEY_UNPAIRED_SURROGATE });
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], path ? `${path}.${entries[i]![0]}` : entries[i]![0]]);
    }
  }
  return found;
}

/** Whether a JSON request body may hold such a string: only a `\u` escape can write one. */
export function mayHoldUnpairedSurrogate(body: Buffer): boolean {
  return body.includes('\\u');
}

/**
 * Where a request body is not UTF-8 (null when it is): the byte offset of its first bad
 * sequence, and the JSON path of the first string it falls in (when the body parses as
 * JSON once the bad bytes are replaced). Decoding it as it came would store U+FFFD in place
 * of what was sent: an audit record stores what was sent, or is refused.
 */
export function invalidUtf8(body: Buffer): { byte: number; field: string | null } | null {
  if (isUtf8(body)) return null;
  const text = body.toString('utf8');
  let byte = -1;
  // Every character before the first bad sequence decoded as it was sent (a U+FFFD that was
  // sent is the three bytes EF BF BD), so the byte offsets of the text before it are exact.
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!(body[at] === 0xef && body[at + 1] === 0xbf && body[at + 2] === 0xbd)) {
      byte = at;
      break;
    }
  }
  let field: string | null = null;
  try {
    const stack: Array<[unknown, string]> = [[JSON.parse(text), '']];
    while (stack.length && field === null) {
      const [value, path] = stack.pop()!;
      // Named as the surrogate check names places: from the variables on.
      if (typeof value === 'string' && value.includes('\uFFFD')) field = path.replace(/^variables\./, '') || 'body';
      else if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
      else if (value && typeof value === 'object') {
        const entries = Object.entries(value);
        for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], path ? `${path}.${entries[i]![0]}` : entries[i]![0]]);
      }
    }
  } catch {
    // not JSON: the byte offset says where
  }
  return { byte, field };
}
