// Canonical serialisation of events: JSON with object keys sorted at every level and no
// insignificant whitespace (as RFC 8785 for the values events hold). The same event always
// yields the same bytes, so its SHA-256 identifies its content: for idempotent retries now,
// and for the tamper-evident chain.
import { createHash } from 'node:crypto';
import { withRoom } from './binary-arrays.js';
import type { EventRecord } from './event.model.js';

export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** The content a client controls; what the gateway adds on receipt is left out. */
export function eventContent(event: EventRecord): Omit<EventRecord, 'accountId' | 'receivedAt' | 'actionId' | 'actionName'> {
  const { accountId: _a, receivedAt: _r, actionId: _i, actionName: _n, ...content } = event;
  return content;
}

/** Characters JSON.stringify escapes in a string (and surrogates, lone ones among them). */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(v), without calling it for the usual string that needs no escape. */
const str = (v: string | null) => (v === null ? 'null' : JSON_ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`);

/**
 * canonicalJson(eventContent(e)), written out for the fixed shape of an event (keys in
 * sorted order) because ingest computes it for every event; only the free-form payloads
 * go through the generic walk. A test checks that both agree.
 */
export function canonicalEvent(e: EventRecord): string {
  const i = e.initiator;
  const t = e.target;
  return (
    `{"action":${str(e.action)},"correlationId":${str(e.correlationId)},"dataEvent":${e.dataEvent},` +
    `"eventTime":"${e.eventTime.toISOString()}","id":${str(e.id)},` +
    `"initiator":{"authnId":${str(i.authnId)},"authnName":${str(i.authnName)},"credential":{"type":${str(i.credential.type)}},` +
    `"host":{"address":${str(i.host.address)},"addressType":${str(i.host.addressType)},"agent":${str(i.host.agent)}},` +
    `"id":${str(i.id)},"name":${str(i.name)},"typeURI":${str(i.typeURI)}},` +
    `"location":${str(e.location)},"logSourceCRN":${str(e.logSourceCRN)},"message":${str(e.message)},` +
    `"objectType":${str(e.objectType)},"observer":{"name":${str(e.observer.name)}},"outcome":${str(e.outcome)},` +
    `"reason":{"reasonCode":${e.reason.reasonCode === null ? 'null' : e.reason.reasonCode},"reasonForFailure":${str(e.reason.reasonForFailure)},"reasonType":${str(e.reason.reasonType)}},` +
    `"requestData":${canonicalJson(e.requestData)},"responseData":${canonicalJson(e.responseData)},` +
    `"saveServiceCopy":${e.saveServiceCopy},"servicePrefix":${str(e.servicePrefix)},"severity":${str(e.severity)},` +
    `"target":{"alias":${str(t.alias)},"host":{"address":${str(t.host.address)}},"id":${str(t.id)},"name":${str(t.name)},` +
    `"resourceGroupId":${str(t.resourceGroupId)},"typeURI":${str(t.typeURI)}},` +
    `"templateValue":${str(e.templateValue)},"verb":${str(e.verb)}}`
  );
}

/**
 * A batch's canonical contents in UTF-8, one after the other in one buffer: hashed from it
 * (no second encoding) and sent whole to PostgreSQL, which hashes them into the chain.
 */
export function contentsWriter(expected: number) {
  let buffer: Buffer = Buffer.allocUnsafe(Math.max(expected, 1) * 2048);
  let end = 0;
  const starts: number[] = [];
  return {
    /** Appends a content; returns its bytes (a view of the buffer it was written to). */
    add(content: string): Buffer {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      buffer = withRoom(buffer, end, content.length * 3);
      starts.push(end);
      end += buffer.write(content, end);
      return buffer.subarray(starts[starts.length - 1]!, end);
    },
    /** The contents at `indices` (in that order, by order of addition) and each one's size. */
    contents(indices: number[]): { bytes: Buffer; lengths: number[] } {
      const length = (i: number) => (i + 1 < starts.length ? starts[i + 1]! : end) - starts[i]!;
      const lengths = indices.map(length);
      const whole = indices.length === starts.length && indices.every((i, k) => i === k);
      const bytes = whole ? buffer.subarray(0, end) : Buffer.concat(indices.map((i) => buffer.subarray(starts[i]!, starts[i]! + length(i))));
      return { bytes, lengths };
    },
  };
}

export function contentHash(event: EventRecord): Buffer {
  return createHash('sha256').update(canonicalEvent(event)).digest();
}
