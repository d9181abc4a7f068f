// Text PostgreSQL cannot store as it is: a string holding an unpaired UTF-16 surrogate (which
// JSON can carry as a `\uD800` escape) is stored as U+FFFD in a text column, so what is
// stored is not what was sent (an event would no longer match its content hash), and jsonb
// refuses it, failing the statement (the audit trail stores every change as JSON). Such
// variables are refused before any resolver runs.

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
