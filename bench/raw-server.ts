// The baseline: a minimal node:http endpoint that runs the benchmark's queries as plain SQL
// through `pg` and returns the rows as JSON. No GraphQL, no validation, no framework.
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const COLUMNS = 'id, event_time, action, outcome, severity, location, initiator_id, initiator_name, target_id, target_type_uri, message';
const account = process.env.BENCH_ACCOUNT ?? 'local';

const queries: Record<string, (p: URLSearchParams) => { text: string; values: unknown[] }> = {
  // The last 50 events of one action in 24 hours. The action's catalog id, and its name:
  // a concrete name of a template action shares the template's id with the other names.
  action: (p) => ({
    text: `SELECT ${COLUMNS} FROM events WHERE account_id = $1 AND action_id = ANY($2::int[]) AND action = $4 AND event_time >= $3 ORDER BY event_time DESC, id DESC LIMIT 51`,
    values: [account, p.get('ids')!.split(',').map(Number), new Date(Date.now() - 86_400_000), p.get('name')],
  }),
  // One initiator's failures in 7 days.
  initiator: (p) => ({
    text: `SELECT ${COLUMNS} FROM events WHERE account_id = $1 AND initiator_id = $2 AND outcome = 'failure' AND event_time >= $3 ORDER BY event_time DESC, id DESC LIMIT 51`,
    values: [account, p.get('id'), new Date(Date.now() - 7 * 86_400_000)],
  }),
  // All events on one target id.
  target: (p) => ({
    text: `SELECT ${COLUMNS} FROM events WHERE account_id = $1 AND target_id = $2 AND event_time >= $3 ORDER BY event_time DESC, id DESC LIMIT 501`,
    values: [account, p.get('id'), new Date(Date.now() - 7 * 86_400_000)],
  }),
  // A page deep in the list, by keyset.
  page: (p) => ({
    text: `SELECT ${COLUMNS} FROM events WHERE account_id = $1 AND event_time >= $2 AND (event_time, id) < ($3, $4) ORDER BY event_time DESC, id DESC LIMIT 51`,
    values: [account, new Date(Date.now() - 7 * 86_400_000), new Date(Number(p.get('t'))), p.get('id')],
  }),
  // Counts by outcome per hour over 7 days (a plain GROUP BY).
  stats: () => ({
    text: `SELECT date_trunc('hour', event_time, 'UTC') AS bucket, outcome, count(*)::int AS n FROM events WHERE account_id = $1 AND event_time >= $2 GROUP BY 1, 2 ORDER BY 1, 2`,
    values: [account, new Date(Date.now() - 7 * 86_400_000)],
  }),
  // An action glob with a minimum severity.
  glob: (p) => ({
    text: `SELECT ${COLUMNS} FROM events WHERE account_id = $1 AND action_id = ANY($2::int[]) AND action LIKE $3 AND severity >= 'warning' AND event_time >= $4 ORDER BY event_time DESC, id DESC LIMIT 51`,
    values: [account, p.get('ids')!.split(',').map(Number), p.get('like'), new Date(Date.now() - 7 * 86_400_000)],
  }),
};

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url!, 'http://raw');
  const query = queries[url.pathname.slice(1)];
  if (!query) {
    res.writeHead(404).end();
    return;
  }
  try {
    const { rows } = await pool.query(query(url.searchParams));
    const body = JSON.stringify({ rows });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as { port: number }).port }));
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
