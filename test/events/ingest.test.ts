// Recording events over GraphQL: every rule has a failing case that writes nothing, retries
// are idempotent, a batch is all or nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_COLUMNS } from '../../src/events/events.store.js';
import { serverUrl } from '../support/database.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventInputs } from '../support/events.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('events_ingest');
});
afterAll(async () => {
  await gw?.stop();
});

const RECORD = `mutation($input: EventInput!) { recordEvent(input: $input) {
  created warnings { index field message }
  event { id actionName templateValue objectType verb severity message location outcome observer { name }
          action { name templateVariable service { prefix } } service { prefix displayName }
          reason { reasonCode } target { typeURI } initiator { iamId typeURI credential { type } host { address addressType } } } } }`;
const RECORD_MANY = 'mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount duplicateCount warnings { index message } events { id severity } } }';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const event = eventInputs('ingest', { ageMs: 60_000, base: { initiator: { id: 'IBMid-100', name: 'ana@example.com', typeURI: 'USER', credential: { type: 'TOKEN' } } } });

/**
 * What is stored: events, their per-minute counts, their per-hour counts as readers see them
 * (folded hours from the per-hour rollup, pending ones from the per-minute rollup) and the
 * pending hours.
 */
async function stored() {
  const { rows } = await gw.gateway.db.pool.query(
    `SELECT (SELECT count(*) FROM events)::int AS events,
            (SELECT coalesce(sum(count), 0) FROM event_counts_minute)::int AS minute,
            ((SELECT coalesce(sum(count), 0) FROM event_counts_hour c
               WHERE NOT EXISTS (SELECT FROM rollup_pending_hours p WHERE p.account_id = c.account_id AND p.hour = c.bucket))
             + (SELECT coalesce(sum(m.count), 0) FROM rollup_pending_hours p
                  JOIN event_counts_minute m ON m.account_id = p.account_id AND m.bucket >= p.hour AND m.bucket < p.hour + interval '1 hour'))::int AS hour,
            (SELECT count(*) FROM rollup_pending_hours)::int AS pending`,
  );
  return rows[0] as { events: number; minute: number; hour: number; pending: number };
}

/** Sends a request that must be refused and checks that nothing was written. */
async function refused(query: string, variables: Record<string, unknown>, code = 'BAD_USER_INPUT') {
  const before = await stored();
  const res = await gw.gql(query, variables);
  expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(res.body)).toBe(code);
  expect(await stored()).toEqual(before);
  return res.body.errors![0]!;
}

describe('recordEvent', () => {
  it('stores a valid event with the defaults filled in, and counts it in the rollups', async () => {
    const before = await stored();
    const res = await gw.gql(RECORD, { input: event({ id: 'first', reason: { reasonCode: 403 }, outcome: 'FAILURE' }) });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.recordEvent).toMatchObject({
      created: true,
      warnings: [],
      event: {
        id: 'first',
        actionName: 'audit-log.vsi.reboot',
        templateValue: null,
        objectType: 'vsi',
        verb: 'reboot',
        severity: 'CRITICAL',
        message: 'Classic Virtual Server Instances: An event is generated when an initiator reboots an instance failure',
        observer: { name: 'ActivityTracker' },
        action: { name: 'audit-log.vsi.reboot', service: { prefix: 'audit-log' } },
        service: { prefix: 'audit-log', displayName: 'Classic Virtual Server Instances' },
      },
    });
    const after = await stored();
    expect(after).toMatchObject({ events: before.events + 1, minute: before.minute + 1, hour: before.hour + 1 });
    expect(after.pending).toBeGreaterThan(0);
    // Folded (a clock a day ahead: every hour has ended), the per-hour rows hold every event.
    expect(await gw.gateway.managers.events.foldHourRollups(new Date(Date.now() + 86_400_000))).toBe(after.pending);
    const { rows } = await gw.gateway.db.pool.query('SELECT coalesce(sum(count), 0)::int AS n FROM event_counts_hour');
    expect(rows[0].n).toBe(after.minute);
    expect(await stored()).toEqual({ ...after, pending: 0 });
  });

  // Ingest sends each column as a binary array (text as UTF-8, no quoting), enums as array literals.
  it('stores times before and after PostgreSQL\'s epoch to the millisecond, and numbers, flags and enums as sent', async () => {
    const times = ['1990-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.001Z', '2024-02-29T12:34:56.789Z'];
    const inputs = times.map((eventTime, i) =>
      event({
        id: `epoch-${i}`,
        eventTime,
        dataEvent: i % 2 === 0,
        saveServiceCopy: i % 2 === 1,
        outcome: 'FAILURE',
        reason: { reasonCode: 500 + i },
        initiator: { id: 'IBMid-100', typeURI: 'SERVICE_ID', credential: { type: 'APIKEY' }, host: { address: '10.0.0.1', addressType: 'IPV4' } },
      }),
    );
    const res = await gw.gql(RECORD_MANY, { inputs });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    for (const [i, eventTime] of times.entries()) {
      const { body } = await gw.gql<{ event: Record<string, any> }>('query($id: String!) { event(id: $id) { eventTime dataEvent saveServiceCopy outcome severity reason { reasonCode } initiator { typeURI credential { type } host { address addressType } } } }', { id: `epoch-${i}` });
      expect(body.data!.event).toEqual({
        eventTime,
        dataEvent: i % 2 === 0,
        saveServiceCopy: i % 2 === 1,
        outcome: 'FAILURE',
        severity: 500 + i === 503 ? 'CRITICAL' : 'WARNING', // from the reason code
        reason: { reasonCode: 500 + i },
        initiator: { typeURI: 'SERVICE_ID', credential: { type: 'APIKEY' }, host: { address: '10.0.0.1', addressType: 'IPV4' } },
      });
    }
  });

  it('stores text and JSON with quotes, backslashes, commas, braces, the word NULL, \\N, tabs and line breaks exactly as sent', async () => {
    const awkward = ['say "hi", \\o/ {x}', 'NULL', 'C:\\path\\"q"', 'ünïcødé ✓,\nline\ttab\r\nCRLF', '{}', '"', '\\', '\\N', '\\.', 'a\\tb\\nc'];
    const inputs = awkward.map((text, i) =>
      event({
        id: `awkward-${i}`,
        message: text,
        correlationId: text,
        initiator: { id: 'IBMid-100', name: text, host: { agent: text } },
        target: { name: text, alias: text },
        reason: { reasonCode: 200, reasonType: text },
        requestData: { text, list: [text, null, 1.5, true], nested: { [text]: text } },
      }),
    );
    const res = await gw.gql(RECORD_MANY, { inputs });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    for (const [i, text] of awkward.entries()) {
      const { body } = await gw.gql<{ event: Record<string, any> }>('query($id: String!) { event(id: $id) { message correlationId initiator { name host { agent } } target { name alias } reason { reasonType } requestData } }', { id: `awkward-${i}` });
      expect(body.data!.event, text).toEqual({
        message: text,
        correlationId: text,
        initiator: { name: text, host: { agent: text } },
        target: { name: text, alias: text },
        reason: { reasonType: text },
        requestData: { text, list: [text, null, 1.5, true], nested: { [text]: text } },
      });
    }
  });

  it('stores a concrete name of a template action with the template and the value', async () => {
    const res = await gw.gql(RECORD, { input: event({ action: 'pm-20.wml_pipeline.delete', target: { typeURI: 'pm-20/wml_pipeline' } }) });
    expect(res.body.data!.recordEvent.event).toMatchObject({
      actionName: 'pm-20.wml_pipeline.delete',
      templateValue: 'wml_pipeline',
      objectType: 'wml_pipeline',
      verb: 'delete',
      action: { name: 'pm-20.<asset_type>.delete', templateVariable: 'asset_type' },
    });
  });

  it.each([
    [{ reason: { reasonCode: 409 }, outcome: 'FAILURE' }, 'WARNING'],
    [{ reason: { reasonCode: 503 }, outcome: 'FAILURE' }, 'CRITICAL'],
    [{ reason: null, outcome: 'FAILURE' }, 'WARNING'],
    [{ reason: { reasonCode: 201 } }, 'NORMAL'],
    [{ reason: { reasonCode: 401 }, outcome: 'FAILURE', severity: 'NORMAL' }, 'NORMAL'],
  ])('derives the severity from %o when none is given: %s', async (overrides, severity) => {
    const res = await gw.gql(RECORD, { input: event(overrides) });
    expect(res.body.data!.recordEvent.event.severity).toBe(severity);
  });

  it('accepts a deprecated action with a warning', async () => {
    await gw.gql('mutation { deprecateAction(input: { name: "audit-log.vsi.pause" }) { action { deprecated } } }');
    const res = await gw.gql(RECORD, { input: event({ action: 'audit-log.vsi.pause' }) });
    expect(res.body.data!.recordEvent).toMatchObject({ created: true, warnings: [{ index: 0, field: 'input.action', message: 'action "audit-log.vsi.pause" is deprecated' }] });
  });

  it('accepts a service\'s declared location or global, and a target type with / for -', async () => {
    for (const location of ['eu-de', 'global']) {
      const res = await gw.gql(RECORD, { input: event({ action: 'speech-to-text.custom-language-model.create', location, target: { typeURI: 'speech-to-text/custom/language/model' } }) });
      expect(res.body.errors).toBeUndefined();
    }
  });

  it('returns the stored event for a retry and refuses the same id with other content', async () => {
    const input = event({ id: 'retry-me', eventTime: minutesAgo(2) });
    const first = await gw.gql(RECORD, { input });
    const again = await gw.gql(RECORD, { input });
    expect(first.body.data!.recordEvent.created).toBe(true);
    expect(again.body.data!.recordEvent).toMatchObject({ created: false, event: { id: 'retry-me' } });
    const error = await refused(RECORD, { input: { ...input, outcome: 'FAILURE' } }, 'CONFLICT');
    expect(error.message).toBe('event "retry-me" is already stored with other content; events are immutable');
  });

  it.each([
    ['an unknown action, with the closest names', { action: 'pm-20.wml_modl.list' }, 'input.action', /unknown action "pm-20\.wml_modl\.list"; did you mean "pm-20\.wml_model\.list"/],
    ['a template value the template does not list', { action: 'pm-20.wml_nothing.list' }, 'input.action', /unknown action/],
    ['an unknown location', { location: 'mars-1' }, 'input.location', /unknown location "mars-1"/],
    ['a location where the service does not generate events', { action: 'speech-to-text.custom-language-model.create', location: 'us-south' }, 'input.location', /generates events only in eu-de \(or global\)/],
    ['a target type of another service or object type', { target: { typeURI: 'audit-log/volume' } }, 'input.target.typeURI', /must start with "audit-log\/vsi"/],
    ['a time more than 5 minutes ahead', { eventTime: new Date(Date.now() + 6 * 60_000).toISOString() }, 'input.eventTime', /more than 5 minutes in the future/],
    ['a time before 1990', { eventTime: '1989-12-31T23:59:59Z' }, 'input.eventTime', /before 1990/],
    ['a missing initiator id', { initiator: { id: '' } }, 'input.initiator.id', /must not be empty|is required/],
    ['a reason code that is no HTTP status', { reason: { reasonCode: 42 } }, 'input.reason.reasonCode', /HTTP status/],
    ['request data over 64 KiB', { requestData: { blob: 'x'.repeat(65 * 1024) } }, 'input.requestData', /64 KiB/],
    ['request data nested too deep', { requestData: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, 'input.requestData', /nest more than 32 levels/],
    ['a NUL character in response data', { responseData: { note: 'a\u0000b' } }, 'input.responseData', /NUL/],
    ['a message over 4096 characters', { message: 'm'.repeat(4097) }, 'input.message', /at most 4096/],
    ['control characters', { message: 'bell\u0007' }, 'input.message', /control characters/],
    // Stored as U+FFFD, the event would no longer match its hash and link; jsonb refuses it.
    ['an unpaired surrogate in text', { message: 'lone \ud800 here' }, 'input.message', /valid Unicode text \(it holds an unpaired surrogate/],
    ['an unpaired surrogate in request data', { requestData: { note: 'lone \udc00' } }, 'input.requestData.note', /unpaired surrogate/],
    ['an unpaired surrogate in a response data key', { responseData: { 'key \ud83d': 1 } }, 'input.responseData', /holds a key that is not valid Unicode text/],
    ['an id over 128 characters', { id: 'i'.repeat(129) }, 'input.id', /at most 128/],
  ])('refuses %s', async (_label, overrides, field, reason) => {
    const error = await refused(RECORD, { input: event(overrides) });
    expect(error.extensions).toMatchObject({ field });
    expect(error.message).toMatch(reason);
  });

  it('refuses values outside the enums at the GraphQL layer with BAD_USER_INPUT', async () => {
    for (const overrides of [{ outcome: 'MAYBE' }, { severity: 'LOUD' }, { initiator: { id: 'x', typeURI: 'ROBOT' } }, { initiator: { id: 'x', credential: { type: 'PASSWORD' } } }]) {
      const before = await stored();
      const res = await gw.gql(RECORD, { input: event(overrides) });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await stored()).toEqual(before);
    }
    const missingTime = await gw.gql(RECORD, { input: { ...event(), eventTime: undefined } });
    expect(missingTime.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badTime = await gw.gql(RECORD, { input: event({ eventTime: '2026-02-30T10:00:00Z' }) });
    expect(badTime.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('recordEvents', () => {
  it('records a batch and reports created and duplicate counts', async () => {
    const inputs = [event({ id: 'b-1' }), event({ id: 'b-2', action: 'audit-log.vsi.pause' }), event({ id: 'b-3' })];
    const res = await gw.gql(RECORD_MANY, { inputs });
    expect(res.body.data!.recordEvents).toMatchObject({ createdCount: 3, duplicateCount: 0, warnings: [{ index: 1, message: 'action "audit-log.vsi.pause" is deprecated' }] });
    const again = await gw.gql(RECORD_MANY, { inputs });
    expect(again.body.data!.recordEvents).toMatchObject({ createdCount: 0, duplicateCount: 3 });
  });

  it('is all or nothing, and reports every bad item with its index, field and reason', async () => {
    const error = await refused(RECORD_MANY, {
      inputs: [event(), event({ action: 'nope.nothing.here' }), event(), event({ location: 'atlantis' }), event({ eventTime: '2001-01-01T00:00:00Z', reason: { reasonCode: 999 } })],
    });
    expect(error.message).toMatch(/^3 invalid items; first: item 1: inputs\[1\]\.action: unknown action "nope\.nothing\.here"/);
    expect((error.extensions!.issues as Array<{ index: number; field: string }>).map((i) => [i.index, i.field])).toEqual([
      [1, 'inputs[1].action'],
      [3, 'inputs[3].location'],
      [4, 'inputs[4].reason.reasonCode'],
    ]);
  });

  it('refuses a batch that conflicts with stored events, writing none of it', async () => {
    await gw.gql(RECORD, { input: event({ id: 'stored-once' }) });
    const error = await refused(RECORD_MANY, { inputs: [event({ id: 'fresh-1' }), event({ id: 'stored-once', outcome: 'PENDING' })] }, 'CONFLICT');
    expect(error.extensions).toMatchObject({ field: 'inputs[1].id' });
    expect((await gw.gql('{ event(id: "fresh-1") { id } }')).body.data!.event).toBeNull();
  });

  it('treats the same id twice in a batch as one event, or refuses it when the content differs', async () => {
    const same = event({ id: 'twice' });
    const ok = await gw.gql(RECORD_MANY, { inputs: [same, same] });
    expect(ok.body.data!.recordEvents).toMatchObject({ createdCount: 1, duplicateCount: 1 });
    const error = await refused(RECORD_MANY, { inputs: [event({ id: 'twice-2' }), event({ id: 'twice-2', outcome: 'FAILURE' })] });
    expect(error.extensions).toMatchObject({ field: 'inputs[1].id', index: 1 });
  });

  it('stores each event once when the same batch arrives several times at once, in either order', async () => {
    const before = await stored();
    const inputs = Array.from({ length: 50 }, () => event());
    // Two of the four in reverse order: batches sharing ids must not wait on each other in a cycle.
    const reversed = [...inputs].reverse();
    const answers = await Promise.all([inputs, reversed, inputs, reversed].map((batch) => gw.gql(RECORD_MANY, { inputs: batch })));
    for (const res of answers) expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
    const created = answers.map((res) => res.body.data!.recordEvents.createdCount as number);
    // Each event was created by exactly one of the four; the others got it back as a retry.
    expect(created.reduce((a, b) => a + b, 0)).toBe(50);
    expect(answers.map((res) => res.body.data!.recordEvents.duplicateCount as number).reduce((a, b) => a + b, 0)).toBe(150);
    expect(await stored()).toMatchObject({ events: before.events + 50, minute: before.minute + 50, hour: before.hour + 50 });
    // And each took one position in the chain: no gap, no repeat.
    const { rows } = await gw.gateway.db.pool.query(
      `SELECT count(*)::int AS n, count(l.seq)::int AS linked, count(DISTINCT l.seq)::int AS d, (max(l.seq) - min(l.seq) + 1)::int AS span
         FROM events e LEFT JOIN event_links l ON l.account_id = e.account_id AND l.event_id = e.id WHERE e.account_id = 'local'`,
    );
    expect(rows[0].linked).toBe(rows[0].n);
    expect(rows[0].d).toBe(rows[0].n);
    expect(rows[0].span).toBe(rows[0].n);
  });

  it.skipIf(!serverUrl)('never deadlocks two batches that share ids in opposite orders', async () => {
    const pool = gw.gateway.db.pool;
    const inputs = Array.from({ length: 21 }, (_, i) => event({ id: `order-${String(i).padStart(2, '0')}` }));
    const seed = await gw.gql(RECORD_MANY, { inputs: [event()] });
    const seedId = seed.body.data!.recordEvents.events[0].id as string;
    // A transaction of the test's own holds the middle id (uncommitted), so that both batches
    // get that far before either goes on: ascending, one holds the ids below it; descending,
    // the other would hold those above it, and each would then wait for the other.
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      const rest = ALL_COLUMNS.filter((c) => !['account_id', 'id'].includes(c));
      await holder.query(`INSERT INTO events (account_id, id, ${rest.join(', ')}, content_hash)
        SELECT account_id, $1, ${rest.join(', ')}, content_hash FROM events WHERE account_id = 'local' AND id = $2`, [inputs[10]!.id, seedId]);
      const answers = Promise.all([inputs, [...inputs].reverse()].map((batch) => gw.gql(RECORD_MANY, { inputs: batch })));
      await eventually(async () => (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n >= 2);
      await holder.query('ROLLBACK');
      const results = await answers;
      for (const res of results) expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
      expect(results.map((res) => res.body.data!.recordEvents.createdCount as number).sort()).toEqual([0, 21]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('refuses an empty batch and one over 1000 events', async () => {
    expect((await refused(RECORD_MANY, { inputs: [] })).extensions).toMatchObject({ field: 'inputs' });
    const big = Array.from({ length: 1001 }, (_, i) => event({ id: `big-${i}` }));
    expect((await refused(RECORD_MANY, { inputs: big })).message).toBe('inputs: must contain at most 1000 events (got 1001)');
  });
});

// Behind a pooler that cannot keep prepared statements, ingest's statement goes unnamed
// (the embedded database always does).
describe.skipIf(!serverUrl)('recordEvents with DATABASE_PREPARED_STATEMENTS=false', () => {
  let plain: TestGateway;
  beforeAll(async () => {
    plain = await startTestGateway('events_ingest_unprepared', { DATABASE_PREPARED_STATEMENTS: 'false' });
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('records, returns stored events for a retry and refuses other content under a stored id', async () => {
    const inputs = [event({ id: 'plain-1' }), event({ id: 'plain-2' })];
    const first = await plain.gql(RECORD_MANY, { inputs });
    expect(first.body.data!.recordEvents).toMatchObject({ createdCount: 2, duplicateCount: 0 });
    const again = await plain.gql(RECORD_MANY, { inputs: [...inputs, event({ id: 'plain-3' })] });
    expect(again.body.data!.recordEvents).toMatchObject({ createdCount: 1, duplicateCount: 2 });
    const other = await plain.gql(RECORD_MANY, { inputs: [{ ...inputs[0]!, outcome: 'FAILURE' }] });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});
