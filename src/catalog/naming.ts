// The shape of service prefixes and action names, and how a name splits into
// prefix, object type, verb and extra segments. Pure functions: the catalog manager, the
// importer and event ingest all use these.

/** A name segment: lowercase letters, digits, `-` and `_`, not starting or ending with - or _. */
export const SEGMENT = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
/** A template variable segment such as `<asset_type>`. */
export const VARIABLE_SEGMENT = /^<([a-z][a-z0-9_]*)>$/;

export const MAX_NAME_LENGTH = 200;
export const MAX_ACTION_SEGMENTS = 6;

/** Why a prefix is invalid, or null when it is fine. */
export function prefixProblem(prefix: string): string | null {
  if (prefix.length === 0) return 'must not be empty';
  if (prefix.length > 64) return 'must be at most 64 characters';
  const segments = prefix.split('.');
  if (segments.length > 2) return 'must be one or two dot-separated segments (e.g. `iam-am` or `wdp.scheduling`)';
  if (!segments.every((s) => SEGMENT.test(s))) {
    return 'must be one or two dot-separated segments of lowercase letters, digits, `-` and `_`';
  }
  return null;
}

export interface NameParts {
  /** The full name as given, e.g. `pm-20.<asset_type>.list`. */
  name: string;
  prefix: string;
  objectType: string;
  verb: string;
  extraSegments: string[];
  /** The template variable, e.g. `asset_type`, when one segment is `<variable>`. */
  templateVariable: string | null;
}

/** Checks the segments of a name (without knowing the services); null when well-formed. */
export function nameShapeProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  const segments = name.split('.');
  if (segments.length < 3) return 'must be `<service prefix>.<objectType>.<verb>[.<more>]` (at least three dot-separated segments)';
  if (segments.length > MAX_ACTION_SEGMENTS) return `must have at most ${MAX_ACTION_SEGMENTS} segments`;
  let variables = 0;
  for (const segment of segments) {
    if (VARIABLE_SEGMENT.test(segment)) variables++;
    else if (!SEGMENT.test(segment)) {
      return `segment "${segment}" must be lowercase letters, digits, \`-\` and \`_\` (or one \`<variable>\`)`;
    }
  }
  if (variables > 1) return 'may contain at most one `<variable>` segment';
  if (VARIABLE_SEGMENT.test(segments[0]!)) return 'the service prefix cannot be a `<variable>`';
  return null;
}

/**
 * Splits `name` with the longest known prefix (`wdp.scheduling.schedule.create` belongs to
 * `wdp.scheduling` when both `wdp` and `wdp.scheduling` exist). Null when no prefix owns
 * it or nothing is left for object type and verb.
 */
export function splitName(name: string, knownPrefixes: Iterable<string>): NameParts | null {
  let best: string | null = null;
  for (const prefix of knownPrefixes) {
    if (name.startsWith(`${prefix}.`) && (best === null || prefix.length > best.length)) best = prefix;
  }
  if (best === null) return null;
  return splitWithPrefix(name, best);
}

export function splitWithPrefix(name: string, prefix: string): NameParts | null {
  const rest = name.slice(prefix.length + 1).split('.');
  if (rest.length < 2 || rest.some((s) => s === '')) return null;
  const [objectType, verb, ...extraSegments] = rest as [string, string, ...string[]];
  if (VARIABLE_SEGMENT.test(prefix.split('.').at(-1)!)) return null;
  const variable = rest.map((s) => VARIABLE_SEGMENT.exec(s)?.[1]).find(Boolean) ?? null;
  return { name, prefix, objectType, verb, extraSegments, templateVariable: variable };
}

/** The concrete name of a template action for one value of its variable. */
export function expandTemplate(name: string, variable: string, value: string): string {
  return name.replace(`<${variable}>`, value);
}

/**
 * If `concrete` is an expansion of `template` (e.g. `pm-20.wml_model.list` of
 * `pm-20.<asset_type>.list`), the variable's value; otherwise null.
 */
export function matchTemplate(template: string, variable: string, concrete: string): string | null {
  const marker = `<${variable}>`;
  const at = template.indexOf(marker);
  if (at < 0) return null;
  const head = template.slice(0, at);
  const tail = template.slice(at + marker.length);
  if (!concrete.startsWith(head) || !concrete.endsWith(tail) || concrete.length <= head.length + tail.length) return null;
  const value = concrete.slice(head.length, concrete.length - tail.length);
  return SEGMENT.test(value) ? value : null;
}

/** A `*` glob over action names as a SQL LIKE pattern (with `\` as the escape character; a run of `*` is one `%`). */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*+/g, '%');
}

/**
 * A `*` glob over action names as a test that never backtracks: the parts between the
 * stars must appear in order, the first at the start and the last at the end, each found
 * at its first place after the one before (which is where a match can put it). A regular
 * expression of `.*` runs backtracked: `******q` took seconds per name.
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return (name) => name === glob;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  return (name) => {
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    const end = name.length - last.length;
    let at = first.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

export function globProblem(glob: string): string | null {
  if (glob.length === 0) return 'must not be empty';
  if (glob.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  if (!/^[a-z0-9_.*<>-]+$/.test(glob)) return 'may contain only lowercase letters, digits, `.`, `-`, `_`, `<`, `>` and `*`';
  return null;
}
