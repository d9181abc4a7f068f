// The configuration each kind of target needs, checked before anything is stored. Secrets
// (API keys, the webhook's HMAC key) are kept apart and never shown again.
import { IssueList } from '../errors/errors.js';

export type TargetKind = 'cloud_object_storage' | 'event_streams' | 'cloud_logs' | 'webhook';

export interface CosConfig { endpoint: string; bucket: string; crn: string }
export interface EventStreamsConfig { brokers: string[]; topic: string; crn: string }
export interface CloudLogsConfig { endpoint: string; instanceCrn: string }
export interface WebhookConfig { url: string; headers: Record<string, string> }
export type TargetConfig = CosConfig | EventStreamsConfig | CloudLogsConfig | WebhookConfig;

/** What a client sends: exactly one of the kinds, with its settings. */
export interface TargetSettingsInput {
  cloudObjectStorage?: { endpoint?: string | null; bucket?: string | null; crn?: string | null; apiKey?: string | null } | null;
  eventStreams?: { brokers?: string[] | null; topic?: string | null; crn?: string | null; apiKey?: string | null } | null;
  cloudLogs?: { endpoint?: string | null; instanceCrn?: string | null; apiKey?: string | null } | null;
  webhook?: { url?: string | null; headers?: Array<{ name: string; value: string }> | null; secret?: string | null } | null;
}

export interface CheckedSettings {
  kind: TargetKind;
  config: TargetConfig;
  /** undefined: keep the stored secret; null: none. */
  secret: string | null | undefined;
}

const CRN = /^crn:v1:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:[a-zA-Z0-9/-]*:[A-Za-z0-9-]*:[A-Za-z0-9-]*:[A-Za-z0-9/._-]*$/;
const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER = /^[a-zA-Z0-9.-]{1,253}:\d{1,5}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers the gateway sets itself or that would break the request. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'connection', 'transfer-encoding', 'x-audit-signature', 'x-audit-timestamp', 'x-audit-delivery']);
const KINDS: Array<[keyof TargetSettingsInput, TargetKind]> = [
  ['cloudObjectStorage', 'cloud_object_storage'],
  ['eventStreams', 'event_streams'],
  ['cloudLogs', 'cloud_logs'],
  ['webhook', 'webhook'],
];

function url(issues: IssueList, field: string, value: string | null | undefined, protocols: string[]): string {
  if (!value) {
    issues.add(field, 'is required');
    return '';
  }
  try {
    const parsed = new URL(value);
    if (!protocols.includes(parsed.protocol)) issues.add(field, `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
    else if (parsed.username || parsed.password) issues.add(field, 'must not contain credentials (use the secret)');
    else if (value.length > 2048) issues.add(field, 'must be at most 2048 characters');
  } catch {
    issues.add(field, `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
  }
  return value;
}

function crn(issues: IssueList, field: string, value: string | null | undefined, service: string): string {
  if (!value) issues.add(field, 'is required');
  else if (!CRN.test(value) || value.split(':')[4] !== service) issues.add(field, `must be a CRN of ${service} (crn:v1:<cloud>:<type>:${service}:<region>:a/<account>:<instance>::)`);
  return value ?? '';
}

function secret(issues: IssueList, field: string, value: string | null | undefined, minLength: number): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (value.length < minLength || value.length > 4096) issues.add(field, `must be ${minLength} to 4096 characters`);
  return value;
}

/**
 * Checks the settings of a target: exactly one kind, every field of it. `kind` is the
 * target's current kind on update (it cannot change).
 */
export function checkTargetSettings(input: TargetSettingsInput, at: string, kind?: TargetKind, requireSecret = false): CheckedSettings {
  const issues = new IssueList();
  const given = KINDS.filter(([key]) => input[key] !== undefined && input[key] !== null);
  if (given.length !== 1) {
    issues.add(at, `give exactly one of ${KINDS.map(([k]) => k).join(', ')} (got ${given.length})`);
    issues.throwIfAny();
  }
  const [key, givenKind] = given[0]!;
  if (kind && kind !== givenKind) {
    issues.add(`${at}.${key}`, `this target is of type ${kind}; its type cannot change`);
    issues.throwIfAny();
  }
  const f = `${at}.${key}`;
  let result: CheckedSettings;
  switch (givenKind) {
    case 'cloud_object_storage': {
      const v = input.cloudObjectStorage!;
      const bucket = v.bucket ?? '';
      if (!BUCKET.test(bucket)) issues.add(`${f}.bucket`, 'must be 3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit');
      result = { kind: givenKind, config: { endpoint: url(issues, `${f}.endpoint`, v.endpoint, ['https:']), bucket, crn: crn(issues, `${f}.crn`, v.crn, 'cloud-object-storage') }, secret: secret(issues, `${f}.apiKey`, v.apiKey, 8) };
      break;
    }
    case 'event_streams': {
      const v = input.eventStreams!;
      const brokers = v.brokers ?? [];
      if (brokers.length < 1 || brokers.length > 10) issues.add(`${f}.brokers`, 'must list 1 to 10 brokers');
      brokers.forEach((b, i) => {
        if (!BROKER.test(b) || Number(b.split(':')[1]) > 65535) issues.add(`${f}.brokers[${i}]`, 'must be host:port');
      });
      if (!TOPIC.test(v.topic ?? '')) issues.add(`${f}.topic`, 'must be 1 to 249 letters, digits, dots, underscores and dashes');
      result = { kind: givenKind, config: { brokers, topic: v.topic ?? '', crn: crn(issues, `${f}.crn`, v.crn, 'messagehub') }, secret: secret(issues, `${f}.apiKey`, v.apiKey, 8) };
      break;
    }
    case 'cloud_logs': {
      const v = input.cloudLogs!;
      result = { kind: givenKind, config: { endpoint: url(issues, `${f}.endpoint`, v.endpoint, ['https:']), instanceCrn: crn(issues, `${f}.instanceCrn`, v.instanceCrn, 'logs') }, secret: secret(issues, `${f}.apiKey`, v.apiKey, 8) };
      break;
    }
    case 'webhook': {
      const v = input.webhook!;
      const headers: Record<string, string> = {};
      const list = v.headers ?? [];
      if (list.length > 20) issues.add(`${f}.headers`, 'must have at most 20 headers');
      list.forEach((h, i) => {
        const name = h.name.toLowerCase();
        if (!HEADER_NAME.test(h.name)) issues.add(`${f}.headers[${i}].name`, 'must be a valid header name');
        else if (RESERVED_HEADERS.has(name)) issues.add(`${f}.headers[${i}].name`, `"${h.name}" is set by the gateway`);
        else if (name in headers) issues.add(`${f}.headers[${i}].name`, `"${h.name}" appears twice`);
        if (/[\r\n\u0000]/.test(h.value) || h.value.length > 1024) issues.add(`${f}.headers[${i}].value`, 'must be at most 1024 characters on one line');
        headers[name] = h.value;
      });
      const hmac = secret(issues, `${f}.secret`, v.secret, 16);
      if (requireSecret && !hmac) issues.add(`${f}.secret`, 'is required: deliveries are signed with it (HMAC-SHA256)');
      result = { kind: givenKind, config: { url: url(issues, `${f}.url`, v.url, ['https:', 'http:']), headers }, secret: hmac };
      break;
    }
  }
  issues.throwIfAny();
  return result;
}
