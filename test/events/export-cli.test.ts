// `npm run events:export` as a real process: the matching events as NDJSON or CSV.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateEvents, toGraphQLInput } from '../../src/events/generator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestGateway } from '../support/gateway.js';
import { runScript } from '../support/processes.js';

let db: TestDatabase;
let failures = 0;

beforeAll(async () => {
  db = await createTestDatabase('events_export');
  const gw = await startTestGateway('events_export', {}, db);
  const to = new Date(Date.now() - 60_000);
  const inputs = [...generateEvents(await gw.gateway.managers.catalog.snapshot(), { count: 1200, seed: 5, from: new Date(to.getTime() - 86_400_000), to })];
  failures = inputs.filter((e) => e.outcome === 'failure').length;
  for (let i = 0; i < inputs.length; i += 600) {
    const res = await gw.gql('mutation($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { createdCount } }', { inputs: inputs.slice(i, i + 600).map(toGraphQLInput) });
    expect(res.body.errors).toBeUndefined();
  }
  await gw.stop(); // the embedded database admits one process at a time
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

/** The tool's output; a non-zero exit rejects with its code and output (as execFile does). */
async function exportCli(...args: string[]) {
  const result = await runScript('src/cli/events-export.ts', args, { DATABASE_URL: '', ...db.env });
  if (result.code !== 0) throw Object.assign(new Error(result.stderr), result);
  return { stdout: result.stdout, stderr: result.stderr };
}

it('streams the matching events as NDJSON, oldest first', async () => {
  const { stdout, stderr } = await exportCli('--format', 'ndjson', '--outcome', 'failure');
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(failures);
  expect(lines.every((e) => e.outcome === 'failure')).toBe(true);
  expect(lines.map((e) => e.eventTime)).toEqual([...lines.map((e) => e.eventTime)].sort());
  expect(lines[0]).toMatchObject({ id: expect.any(String), action: expect.any(String), initiator: { id: expect.any(String) }, target: { typeURI: expect.any(String) }, severity: expect.stringMatching(/warning|critical/) });
  expect(stderr).toContain(`exported ${failures} events`);
}, 60_000);

it('writes CSV with a header and quoted fields', async () => {
  const { stdout } = await exportCli('--format', 'csv', '--service', 'pm-20', '--min-severity', 'normal');
  const [header, ...rows] = stdout.trim().split('\n');
  expect(header).toMatch(/^id,eventTime,action,outcome,severity,location,initiator\.id/);
  expect(rows.length).toBeGreaterThan(10);
  expect(rows.every((r) => r.includes(',pm-20.'))).toBe(true);
}, 60_000);

it('explains bad options in their first line, then the usage (exit 2)', async () => {
  await expect(exportCli('--format', 'xml')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --format must be one of ndjson, csv \(got "xml"\)\nusage: npm run events:export/) });
  await expect(exportCli('--format', 'csv', '--service', 'nope')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown service "nope"') });
}, 60_000);
