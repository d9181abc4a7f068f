// npm run events:export -- [filter options] --format ndjson|csv
// Streams the matching events, oldest first, to stdout with constant memory (a server-side
// cursor, and back-pressure on stdout).
import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { Outcome, Severity } from '../events/event.enums.js';
import type { EventFilter } from '../events/event-filter.js';
import type { EventRecord } from '../events/event.model.js';
import { runTool, UsageError } from './run-cli.js';

const USAGE = `usage: npm run events:export -- --format ndjson|csv [filter options]

Streams an account's events, oldest first, to stdout (constant memory), from the database
the configuration names. Unlike the events query (the last 7 days), it exports from the
first event on unless --from says otherwise.
  --format ndjson|csv                     one JSON event per line, or CSV with a header
  --from <ISO time>, --to <ISO time>      the time range (default: all of it)
  --service <prefix>                      repeatable
  --action <name, prefix or glob>         repeatable
  --outcome success|pending|failure       repeatable
  --min-severity normal|warning|critical
  --location <code>                       repeatable
  --initiator <id>, --target <id>, --correlation-id <id>, --text <text in the message>
  --account <id>                          the account (default OPERATOR_ACCOUNT)
  -h, --help                              this text`;

const CSV_COLUMNS: Array<[string, (e: EventRecord) => unknown]> = [
  ['id', (e) => e.id],
  ['eventTime', (e) => e.eventTime.toISOString()],
  ['action', (e) => e.action],
  ['outcome', (e) => e.outcome],
  ['severity', (e) => e.severity],
  ['location', (e) => e.location],
  ['initiator.id', (e) => e.initiator.id],
  ['initiator.name', (e) => e.initiator.name],
  ['initiator.typeURI', (e) => e.initiator.typeURI],
  ['initiator.credential.type', (e) => e.initiator.credential.type],
  ['initiator.host.address', (e) => e.initiator.host.address],
  ['target.id', (e) => e.target.id],
  ['target.name', (e) => e.target.name],
  ['target.typeURI', (e) => e.target.typeURI],
  ['reason.reasonCode', (e) => e.reason.reasonCode],
  ['reason.reasonForFailure', (e) => e.reason.reasonForFailure],
  ['correlationId', (e) => e.correlationId],
  ['dataEvent', (e) => e.dataEvent],
  ['message', (e) => e.message],
  ['requestData', (e) => (e.requestData === null ? '' : JSON.stringify(e.requestData))],
  ['responseData', (e) => (e.responseData === null ? '' : JSON.stringify(e.responseData))],
  ['logSourceCRN', (e) => e.logSourceCRN],
  ['receivedAt', (e) => e.receivedAt.toISOString()],
];

function date(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO date-time (got "${value}")`);
  return d;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

async function write(chunk: string): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runTool({
  usage: USAGE,
  options: {
    format: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    service: { type: 'string', multiple: true },
    action: { type: 'string', multiple: true },
    outcome: { type: 'string', multiple: true },
    'min-severity': { type: 'string' },
    location: { type: 'string', multiple: true },
    initiator: { type: 'string' },
    target: { type: 'string' },
    'correlation-id': { type: 'string' },
    text: { type: 'string' },
    account: { type: 'string' },
  },
  async run(values) {
    const format = oneOf(values.format ?? '', ['ndjson', 'csv'] as const, 'format');
    const filter: EventFilter = {
      from: date(values.from, 'from') ?? new Date(0),
      to: date(values.to, 'to') ?? null,
      services: values.service ?? null,
      actions: values.action ?? null,
      outcomes: values.outcome?.map((o) => oneOf(o, ['success', 'pending', 'failure'] as const, 'outcome') as Outcome) ?? null,
      minSeverity: values['min-severity'] ? (oneOf(values['min-severity'], ['normal', 'warning', 'critical'] as const, 'min-severity') as Severity) : null,
      locations: values.location ?? null,
      initiator: values.initiator ? { id: values.initiator } : null,
      target: values.target ? { id: values.target } : null,
      correlationId: values['correlation-id'] ?? null,
      text: values.text ?? null,
    };

    const [{ loadConfig }, { openDatabase }, { pendingMigrationNames, localMigrationNames }, { eventContent }, { createManagers }, { createToolLogger }] = await Promise.all([
      import('../config/config.js'),
      import('../database/database.js'),
      import('../database/migrations.js'),
      import('../events/canonical.js'),
      import('../gateway.js'),
      import('../logging/logger.js'),
    ]);
    const config = loadConfig();
    const log = createToolLogger('warn');
    const db = await openDatabase(config, log);
    try {
      if ((await pendingMigrationNames(db.pool, await localMigrationNames())).length) {
        throw new Error('the database is not migrated; run npm run db:migrate (or start the gateway) first');
      }
      const { events } = createManagers(db, log);
      const accountId = values.account ?? config.operatorAccount;
      let count: number;
      if (format === 'ndjson') {
        count = await events.exportEvents(accountId, filter, (e) => write(`${JSON.stringify({ ...eventContent(e), receivedAt: e.receivedAt })}\n`));
      } else {
        const csv = stringify({ header: true, columns: CSV_COLUMNS.map(([name]) => name) });
        csv.pipe(process.stdout);
        count = await events.exportEvents(accountId, filter, async (e) => {
          if (!csv.write(CSV_COLUMNS.map(([, value]) => value(e)))) await once(csv, 'drain');
        });
        csv.end();
        await once(csv, 'end');
      }
      console.error(`exported ${count} events${values.from ? '' : ' (from the first on)'}`);
    } finally {
      await db.close();
    }
  },
});
