// Which dotted tokens on a documentation page are action names, and which only look like
// one (hostnames, file names, event field paths, keyrefs, versions, code).
import { SEGMENT, VARIABLE_SEGMENT } from '../naming.js';

const TOP_LEVEL_DOMAINS = new Set([
  'com', 'net', 'org', 'io', 'cloud', 'dev', 'gov', 'edu', 'info', 'biz', 'app', 'ai', 'co', 'us', 'uk', 'de',
  'jp', 'fr', 'in', 'au', 'ca', 'br', 'es', 'it', 'nl', 'ch', 'local', 'internal', 'localhost', 'appdomain',
]);
const HOST_WORDS = new Set(['www', 'api', 'private', 'direct', 'public', 's3', 'iam', 'cloud', 'ibm', 'test', 'iaas']);

const FILE_EXTENSIONS = new Set([
  'json', 'yaml', 'yml', 'txt', 'md', 'mdx', 'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'py', 'sh', 'bash', 'tar', 'gz',
  'tgz', 'zip', 'csv', 'xml', 'html', 'htm', 'log', 'conf', 'cfg', 'ini', 'properties', 'pem', 'crt', 'cer', 'key',
  'tf', 'tfvars', 'go', 'java', 'jar', 'war', 'rb', 'php', 'sql', 'prisma', 'toml', 'lock', 'png', 'jpg', 'jpeg',
  'gif', 'svg', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'env', 'out', 'bin', 'exe', 'dll', 'so', 'whl', 'ipynb', 'css',
  'scss', 'bz2', 'xz', 'rpm', 'deb', 'iso', 'img', 'parquet', 'avro', 'orc',
]);

/** Roots of CADF event fields: `initiator.host.address` names a field, not an action. */
const EVENT_FIELD_ROOTS = new Set([
  'initiator', 'target', 'observer', 'reason', 'requestdata', 'responsedata', 'action', 'outcome', 'severity',
  'message', 'eventtime', 'correlationid', 'datadevent', 'dataevent', 'logsourcecrn', 'savecopy', 'payload',
  'event', 'events', 'attachments', 'request', 'response', 'resource', 'credential',
]);

/** Roots of code expressions that happen to be lowercase and dotted. */
const CODE_ROOTS = new Set(['os', 'sys', 'process', 'console', 'window', 'document', 'this', 'self', 'np', 'pd', 'json', 'math', 'module', 'exports', 'require', 'import', 'java', 'javax', 'org', 'com', 'net', 'io', 'site']);

export type Candidate = { kind: 'name'; name: string } | { kind: 'look-alike'; token: string; reason: string };

/** A token worth judging: dotted, 3 to 5 segments of name characters. */
const DOTTED = /^[A-Za-z0-9_<>-]+(?:\.[A-Za-z0-9_<>-]+){2,}$/;

/**
 * A variable written in a name the ways pages write it, as the catalog writes it: a keyref
 * (`{{site.data.keyword.service_name}}.tag.attach`) or `<service-name>` is `<service_name>`.
 */
export function variablesAsWritten(text: string): string {
  return text
    .replace(/\{\{\s*site\.data\.keyword\.([A-Za-z0-9_-]+?)\s*\}\}/g, (_, name: string) => `<${name}>`)
    .replace(/<([A-Za-z][A-Za-z0-9_-]*)>/g, (_, name: string) => `<${name.toLowerCase().replace(/-/g, '_')}>`);
}

/** Judges one token; null when it is not dotted at all (ordinary prose). */
export function judgeToken(raw: string): Candidate | null {
  const token = variablesAsWritten(raw).replace(/^[`'"(\[{*_]+|[`'"),.;:!?\]}*]+$/g, '');
  if (!DOTTED.test(token)) return null;
  const segments = token.split('.');
  if (token.startsWith('site.data.keyword')) return { kind: 'look-alike', token, reason: 'a documentation keyref' };
  if (segments.every((s) => /^\d+$/.test(s))) return { kind: 'look-alike', token, reason: 'an IP address or version number' };
  const last = segments.at(-1)!.toLowerCase();
  const first = segments[0]!.toLowerCase();
  if (TOP_LEVEL_DOMAINS.has(last) || (segments.some((s) => HOST_WORDS.has(s)) && segments.length >= 4 && TOP_LEVEL_DOMAINS.has(segments.at(-2)!))) {
    return { kind: 'look-alike', token, reason: 'a hostname' };
  }
  if (FILE_EXTENSIONS.has(last)) return { kind: 'look-alike', token, reason: 'a file name' };
  if (segments.filter((s) => /^v?\d+$/.test(s)).length >= 2) return { kind: 'look-alike', token, reason: 'a version number' };
  if (segments.length > 5) return { kind: 'look-alike', token, reason: 'more than five segments' };
  if (EVENT_FIELD_ROOTS.has(first)) return { kind: 'look-alike', token, reason: 'an event field path' };
  if (/[A-Z]/.test(token)) return { kind: 'look-alike', token, reason: 'not lowercase (action names are)' };
  if (CODE_ROOTS.has(first)) return { kind: 'look-alike', token, reason: 'code' };
  let variables = 0;
  for (const segment of segments) {
    if (VARIABLE_SEGMENT.test(segment)) variables++;
    else if (!SEGMENT.test(segment)) return { kind: 'look-alike', token, reason: `segment "${segment}" is not a name segment` };
  }
  if (variables > 1) return { kind: 'look-alike', token, reason: 'more than one template variable' };
  return { kind: 'name', name: token };
}

/** Every judged dotted token of a table cell or list item (several actions may share one). */
export function judgeCell(cell: string): Candidate[] {
  return variablesAsWritten(cell)
    .replace(/`/g, ' ')
    .split(/[\s,;|]+/)
    .map((t) => judgeToken(t))
    .filter((c): c is Candidate => c !== null);
}
