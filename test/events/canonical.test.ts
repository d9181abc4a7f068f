// The hand-written canonical serialisation of events must equal the generic one.
import { describe, expect, it } from 'vitest';
import { canonicalEvent, canonicalJson, contentHash, contentsWriter, eventContent } from '../../src/events/canonical.js';
import type { EventRecord } from '../../src/events/event.model.js';
import { prng } from '../../src/events/generator.js';
import { AddressType, CredentialType, InitiatorType, Outcome, Severity } from '../../src/events/event.enums.js';

function randomEvent(random: () => number, n: number): EventRecord {
  const maybe = <T>(v: T): T | null => (random() < 0.3 ? null : v);
  // Strings JSON escapes or writes as they are: quotes, controls, lone and paired surrogates, DEL, U+2028.
  const texts = ['plain', 'quote " and \\ backslash', 'ünïcødé ✓', 'line\nbreak', '', 'tab\there', 'bell\u0007 unit\u001f', 'lone \ud800 and \udfff', 'pair 😀', 'del\u007f ls\u2028'];
  const text = () => texts[Math.floor(random() * texts.length)]!;
  return {
    accountId: 'acct',
    id: `e-${n}`,
    eventTime: new Date(1_700_000_000_000 + Math.floor(random() * 1e9)),
    receivedAt: new Date(),
    actionId: 7,
    action: 'svc.thing.create',
    actionName: 'svc.thing.create',
    templateValue: maybe('wml_model'),
    servicePrefix: 'svc',
    objectType: 'thing',
    verb: 'create',
    correlationId: maybe(`c-${n}`),
    dataEvent: random() < 0.5,
    initiator: {
      id: maybe(`IBMid-${n}`),
      name: maybe(text()),
      authnId: maybe(text()),
      authnName: maybe(text()),
      typeURI: maybe(InitiatorType.SERVICE_ID),
      credential: { type: maybe(CredentialType.PUBLIC_ACCESS) },
      host: { address: maybe('10.0.0.1'), addressType: maybe(AddressType.IPV6), agent: maybe(text()) },
    },
    target: { id: maybe('crn:v1:x'), name: maybe(text()), alias: maybe(text()), typeURI: maybe('svc/thing'), resourceGroupId: maybe('rg'), host: { address: maybe('h') } },
    observer: { name: 'ActivityTracker' },
    outcome: random() < 0.5 ? Outcome.SUCCESS : Outcome.FAILURE,
    reason: { reasonCode: maybe(Math.floor(random() * 500) + 100), reasonType: maybe(text()), reasonForFailure: maybe(text()) },
    severity: Severity.WARNING,
    location: 'us-south',
    message: text(),
    requestData: maybe({ z: 1, a: [3, { y: null, b: 'x' }], m: { k: true, c: 1.5 } }),
    responseData: maybe([{ b: 2, a: 1 }]),
    logSourceCRN: maybe('crn:v1:log'),
    saveServiceCopy: random() < 0.5,
  };
}

describe('canonical serialisation', () => {
  it('the fast path equals the generic walk for any event', () => {
    const random = prng(3);
    for (let n = 0; n < 500; n++) {
      const e = randomEvent(random, n);
      expect(canonicalEvent(e)).toBe(canonicalJson(eventContent(e)));
    }
  });

  it('sorts keys at every level, and the hash ignores what the gateway adds', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const e = randomEvent(prng(9), 1);
    expect(contentHash({ ...e, receivedAt: new Date(0), accountId: 'other' })).toEqual(contentHash(e));
    expect(contentHash({ ...e, message: `${e.message}!` })).not.toEqual(contentHash(e));
  });

  it("a batch's contents buffer holds each content's UTF-8 bytes, also after it grows", () => {
    const random = prng(5);
    const contents = Array.from({ length: 40 }, (_, n) => canonicalEvent(randomEvent(random, n)) + 'é😀'.repeat(n * 20));
    // Room for one content at first: it grows several times.
    const writer = contentsWriter(1);
    contents.forEach((c) => expect(writer.add(c).equals(Buffer.from(c))).toBe(true));
    const all = writer.contents(contents.map((_, i) => i));
    expect(all.bytes.equals(Buffer.from(contents.join('')))).toBe(true);
    expect(all.lengths).toEqual(contents.map((c) => Buffer.byteLength(c)));
    // A subset (a batch written again without the events stored meanwhile), in the order given.
    const some = writer.contents([39, 3, 17]);
    expect(some.bytes.equals(Buffer.from(contents[39]! + contents[3]! + contents[17]!))).toBe(true);
    expect(some.lengths).toEqual([39, 3, 17].map((i) => Buffer.byteLength(contents[i]!)));
  });
});

describe('DateTime answers', () => {
  it('are written as Date#toISOString writes them, also at the edges of the fast path', async () => {
    const { isoString } = await import('../../src/server/scalars.js');
    const random = prng(11);
    const times = [0, -1, 253402300799999, 253402300800000, -30610224000001, -30610224000000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(999, 11, 31, 23, 59, 59, 9), -62198755200000];
    for (let i = 0; i < 2000; i++) times.push(Math.floor((random() - 0.3) * 4e13));
    for (const t of times) expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
  });

  it('are parsed as graphql-scalars parses them: the same Date, or refused with its error', async () => {
    const { DateTime } = await import('../../src/server/scalars.js');
    const { DateTimeResolver } = await import('graphql-scalars');
    const outcome = (parse: (v: unknown) => unknown, value: string) => {
      try {
        return (parse(value) as Date).getTime();
      } catch (error) {
        return (error as Error).message;
      }
    };
    const random = prng(12);
    const values = ['2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00.5Z', '2026-01-01T24:00:00Z', '2026-12-31T23:59:60Z',
      '2026-11-21T19:00:00.123Z', '2026-11-21T19:00:00.1234Z', '2026-11-21T19:00:00+01:00', '2026-11-21 19:00:00Z', '0999-01-01T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-21T19:00:00z'];
    for (let i = 0; i < 500; i++) {
      const d = new Date(Math.floor(random() * 4e12));
      // Now and then a calendar day past the month's end (2026-02-31).
      values.push(random() < 0.2 ? `${d.toISOString().slice(0, 8)}${28 + Math.floor(random() * 4)}${d.toISOString().slice(10)}` : d.toISOString());
    }
    for (const value of values) expect(outcome((v) => DateTime.parseValue(v), value), value).toEqual(outcome((v) => DateTimeResolver.parseValue(v), value));
  });
});
