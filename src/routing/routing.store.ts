// Data access for routing. Targets, routes and settings go through Prisma. The routing
// configuration ingest reads and the delivery queue use SQL on the `pg` client they are
// given. (A batch's deliveries and drop counts are written with its events, by the events
// store's statement.)
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Outcome, Severity } from '../events/event.enums.js';
import type { RoutingConfig, RuleSpec } from './evaluate.js';
import type { TargetConfig, TargetKind } from './target-config.js';

export type Db = PrismaClient | Prisma.TransactionClient;
export type Queryable = pg.Pool | pg.PoolClient;

export interface TargetRecord {
  id: string;
  accountId: string;
  name: string;
  type: TargetKind;
  region: string;
  config: TargetConfig;
  hasSecret: boolean;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastFailureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RuleRecord extends RuleSpec {
  position: number;
}

export interface RouteRecord {
  id: string;
  accountId: string;
  name: string;
  version: number;
  rules: RuleRecord[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SettingsRecord {
  accountId: string;
  defaultTargetIds: string[];
  permittedTargetRegions: string[];
  metadataRegionPrimary: string | null;
  metadataRegionBackup: string | null;
  privateApiEndpointOnly: boolean;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'retrying' | 'delivered' | 'dead';

export interface DeliveryRecord {
  id: string;
  accountId: string;
  eventId: string;
  targetId: string;
  routeId: string | null;
  reason: 'route' | 'default_targets' | 'replay';
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

type TargetRow = Prisma.TargetGetPayload<object>;

function toTarget(t: TargetRow): TargetRecord {
  return {
    id: t.id,
    accountId: t.accountId,
    name: t.name,
    type: t.type,
    region: t.region,
    config: t.config as unknown as TargetConfig,
    hasSecret: t.secret !== null,
    lastSuccessAt: t.lastSuccessAt,
    lastFailureAt: t.lastFailureAt,
    lastFailureReason: t.lastFailureReason,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

const routeInclude = { rules: { orderBy: { position: 'asc' }, include: { targets: { orderBy: { position: 'asc' } } } } } as const;
type RouteRow = Prisma.RouteGetPayload<{ include: typeof routeInclude }>;

function toRoute(r: RouteRow): RouteRecord {
  return {
    id: r.id,
    accountId: r.accountId,
    name: r.name,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    rules: r.rules.map((rule) => ({
      position: rule.position,
      locations: rule.locations,
      actionPatterns: rule.actionPatterns,
      minSeverity: (rule.minSeverity as Severity | null) ?? null,
      outcomes: rule.outcomes as Outcome[],
      targetIds: rule.targets.map((t) => t.targetId),
    })),
  };
}

function toDelivery(r: Record<string, any>): DeliveryRecord {
  return {
    id: String(r.id),
    accountId: r.account_id,
    eventId: r.event_id,
    targetId: r.target_id,
    routeId: r.route_id,
    reason: r.reason,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

export function createRoutingStore(prisma: PrismaClient, pool: pg.Pool) {
  return {
    prisma,
    pool,

    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
    },

    /**
     * Creates the account row on first use and bumps its routing version. Every routing
     * change does this first: the row lock makes one account's changes run one at a time
     * (limits and references are checked against a stable state), and ingest in every
     * process sees the new version at its next batch.
     */
    async touchAccount(db: Db, accountId: string): Promise<void> {
      await db.account.upsert({ where: { id: accountId }, create: { id: accountId, routingVersion: 1 }, update: { routingVersion: { increment: 1 } } });
    },

    // ---- targets -----------------------------------------------------------------------

    async listTargets(accountId: string): Promise<TargetRecord[]> {
      return (await prisma.target.findMany({ where: { accountId }, orderBy: { name: 'asc' } })).map(toTarget);
    },

    async findTarget(db: Db, accountId: string, id: string): Promise<TargetRecord | null> {
      const t = await db.target.findFirst({ where: { id, accountId } });
      return t ? toTarget(t) : null;
    },

    async targetsByIds(ids: readonly string[]): Promise<TargetRecord[]> {
      return (await prisma.target.findMany({ where: { id: { in: [...ids] } } })).map(toTarget);
    },

    async existingTargetIds(db: Db, accountId: string, ids: string[]): Promise<Set<string>> {
      const rows = await db.target.findMany({ where: { accountId, id: { in: ids } }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },

    async targetNameTaken(db: Db, accountId: string, name: string, exceptId?: string): Promise<boolean> {
      return (await db.target.count({ where: { accountId, name, ...(exceptId ? { NOT: { id: exceptId } } : {}) } })) > 0;
    },

    async createTarget(db: Db, data: { id: string; accountId: string; name: string; type: TargetKind; region: string; config: TargetConfig; secret: string | null }): Promise<TargetRecord> {
      return toTarget(await db.target.create({ data: { ...data, config: data.config as unknown as Prisma.InputJsonValue } }));
    },

    async updateTarget(db: Db, id: string, data: { name?: string; region?: string; config?: TargetConfig; secret?: string | null }): Promise<TargetRecord> {
      const { config, ...rest } = data;
      return toTarget(await db.target.update({ where: { id }, data: { ...rest, ...(config ? { config: config as unknown as Prisma.InputJsonValue } : {}) } }));
    },

    async deleteTarget(db: Db, id: string): Promise<void> {
      await db.target.delete({ where: { id } });
    },

    /** Routes (with rule positions) and settings that name a target. */
    async targetReferrers(db: Db, targetId: string): Promise<{ routes: Array<{ name: string; rules: number[] }>; defaultTarget: boolean }> {
      const rules = await db.ruleTarget.findMany({ where: { targetId }, include: { rule: { include: { route: true } } } });
      const byRoute = new Map<string, number[]>();
      for (const r of rules) byRoute.set(r.rule.route.name, [...(byRoute.get(r.rule.route.name) ?? []), r.rule.position]);
      const defaults = await db.settingsDefaultTarget.count({ where: { targetId } });
      return { routes: [...byRoute].map(([name, positions]) => ({ name, rules: positions.sort((a, b) => a - b) })), defaultTarget: defaults > 0 };
    },

    /** Every target, with its stored (sealed) secret and configuration: for sealing what was stored in plain text. */
    async allTargetSecrets(client: Queryable): Promise<Array<{ id: string; config: TargetConfig; secret: string | null }>> {
      const { rows } = await client.query('SELECT id, config, secret FROM targets');
      return rows.map((r) => ({ id: r.id, config: r.config, secret: r.secret }));
    },

    async replaceTargetSecrets(client: Queryable, id: string, config: TargetConfig, secret: string | null): Promise<void> {
      await client.query('UPDATE targets SET config = $2, secret = $3 WHERE id = $1', [id, JSON.stringify(config), secret]);
    },

    /** Secrets (sealed) and configuration of targets, for the delivery worker. */
    async targetsForDelivery(client: Queryable, ids: string[]): Promise<Map<string, { id: string; name: string; type: TargetKind; config: TargetConfig; secret: string | null; accountId: string }>> {
      const { rows } = await client.query('SELECT id, account_id, name, type, config, secret FROM targets WHERE id = ANY($1::uuid[])', [ids]);
      return new Map(rows.map((r) => [r.id, { id: r.id, accountId: r.account_id, name: r.name, type: r.type, config: r.config, secret: r.secret }]));
    },

    async recordTargetOutcome(client: Queryable, targetId: string, failure: string | null): Promise<void> {
      if (failure === null) await client.query('UPDATE targets SET last_success_at = now() WHERE id = $1', [targetId]);
      else await client.query('UPDATE targets SET last_failure_at = now(), last_failure_reason = $2 WHERE id = $1', [targetId, failure.slice(0, 1000)]);
    },

    // ---- routes ------------------------------------------------------------------------

    async listRoutes(accountId: string): Promise<RouteRecord[]> {
      return (await prisma.route.findMany({ where: { accountId }, include: routeInclude, orderBy: { name: 'asc' } })).map(toRoute);
    },

    async findRoute(db: Db, accountId: string, id: string): Promise<RouteRecord | null> {
      const r = await db.route.findFirst({ where: { id, accountId }, include: routeInclude });
      return r ? toRoute(r) : null;
    },

    async countRoutes(db: Db, accountId: string): Promise<number> {
      return db.route.count({ where: { accountId } });
    },

    async routeNameTaken(db: Db, accountId: string, name: string, exceptId?: string): Promise<boolean> {
      return (await db.route.count({ where: { accountId, name, ...(exceptId ? { NOT: { id: exceptId } } : {}) } })) > 0;
    },

    async createRoute(db: Db, accountId: string, name: string): Promise<string> {
      const id = randomUUID();
      await db.route.create({ data: { id, accountId, name } });
      return id;
    },

    /** Sets name and version only if the version is still `expected`; false otherwise. */
    async bumpRoute(db: Db, id: string, expected: number | null, name?: string): Promise<boolean> {
      const result = await db.route.updateMany({
        where: { id, ...(expected !== null ? { version: expected } : {}) },
        data: { version: { increment: 1 }, ...(name ? { name } : {}) },
      });
      return result.count === 1;
    },

    async replaceRules(db: Db, routeId: string, rules: RuleSpec[]): Promise<void> {
      await db.routeRule.deleteMany({ where: { routeId } });
      for (const [position, rule] of rules.entries()) {
        await db.routeRule.create({
          data: {
            id: randomUUID(),
            routeId,
            position,
            locations: [...rule.locations],
            actionPatterns: [...rule.actionPatterns],
            minSeverity: rule.minSeverity,
            outcomes: [...rule.outcomes],
            targets: { create: rule.targetIds.map((targetId, i) => ({ targetId, position: i })) },
          },
        });
      }
    },

    async deleteRoute(db: Db, id: string): Promise<void> {
      await db.route.delete({ where: { id } });
    },

    // ---- settings ----------------------------------------------------------------------

    async getSettings(db: Db, accountId: string): Promise<SettingsRecord> {
      const s = await db.accountSettings.findUnique({ where: { accountId }, include: { defaultTargets: { orderBy: { position: 'asc' } } } });
      return {
        accountId,
        defaultTargetIds: s?.defaultTargets.map((d) => d.targetId) ?? [],
        permittedTargetRegions: s?.permittedTargetRegions ?? [],
        metadataRegionPrimary: s?.metadataRegionPrimary ?? null,
        metadataRegionBackup: s?.metadataRegionBackup ?? null,
        privateApiEndpointOnly: s?.privateApiEndpointOnly ?? false,
      };
    },

    async saveSettings(db: Db, s: SettingsRecord): Promise<void> {
      const data = {
        permittedTargetRegions: s.permittedTargetRegions,
        metadataRegionPrimary: s.metadataRegionPrimary,
        metadataRegionBackup: s.metadataRegionBackup,
        privateApiEndpointOnly: s.privateApiEndpointOnly,
      };
      await db.accountSettings.upsert({ where: { accountId: s.accountId }, create: { accountId: s.accountId, ...data }, update: data });
      await db.settingsDefaultTarget.deleteMany({ where: { accountId: s.accountId } });
      if (s.defaultTargetIds.length) {
        await db.settingsDefaultTarget.createMany({ data: s.defaultTargetIds.map((targetId, position) => ({ accountId: s.accountId, targetId, position })) });
      }
    },

    async targetsOutsideRegions(db: Db, accountId: string, regions: string[]): Promise<Array<{ name: string; region: string }>> {
      return db.target.findMany({ where: { accountId, region: { notIn: regions } }, select: { name: true, region: true }, orderBy: { name: 'asc' } });
    },

    // ---- what ingest reads ----------------------------------------------------------------

    /** The account's routing version (null: the account has no row, so no routing). */
    async routingVersion(accountId: string): Promise<number | null> {
      const { rows } = await pool.query('SELECT routing_version FROM accounts WHERE id = $1', [accountId]);
      return rows[0] ? (rows[0].routing_version as number) : null;
    },

    async loadRoutingConfig(accountId: string): Promise<RoutingConfig> {
      const { rows } = await pool.query(
        `SELECT r.id, r.name, rr.position, rr.locations, rr.action_patterns, rr.min_severity, rr.outcomes::text[] AS outcomes,
                array_agg(rt.target_id::text ORDER BY rt.position) AS target_ids
           FROM routes r JOIN route_rules rr ON rr.route_id = r.id JOIN rule_targets rt ON rt.rule_id = rr.id
          WHERE r.account_id = $1 GROUP BY r.id, r.name, rr.id ORDER BY r.name, rr.position`,
        [accountId],
      );
      const routes = new Map<string, { id: string; name: string; rules: RuleSpec[] }>();
      for (const r of rows) {
        const route = routes.get(r.id) ?? { id: r.id as string, name: r.name as string, rules: [] as RuleSpec[] };
        route.rules.push({ locations: r.locations, targetIds: r.target_ids, actionPatterns: r.action_patterns, minSeverity: r.min_severity, outcomes: r.outcomes });
        routes.set(r.id, route);
      }
      const defaults = await pool.query('SELECT target_id::text FROM settings_default_targets WHERE account_id = $1 ORDER BY position', [accountId]);
      return { routes: [...routes.values()], defaultTargetIds: defaults.rows.map((d) => d.target_id) };
    },

    /** The counters and the batches' drops not yet added to them (one snapshot: each drop once). */
    async listDrops(accountId: string): Promise<Array<{ location: string; action: string; count: number; lastAt: Date }>> {
      const { rows } = await pool.query(
        `SELECT location, action, sum(count)::bigint AS count, max(last_at) AS last_at FROM (
            SELECT location, action, count, last_at FROM routing_drops WHERE account_id = $1
            UNION ALL
            SELECT t.location, t.action, t.count, b.at FROM routing_drop_batches b, unnest(b.locations, b.actions, b.counts) AS t(location, action, count)
             WHERE b.account_id = $1) d
          GROUP BY location, action ORDER BY count DESC, location, action`,
        [accountId],
      );
      return rows.map((r) => ({ location: r.location, action: r.action, count: Number(r.count), lastAt: r.last_at }));
    },

    /**
     * Adds up to `limit` batches' drops (oldest first, of any account) to the counters and
     * deletes them, in one statement: a reader sees them in one place or the other. Batches
     * another round holds are skipped. Returns how many were added.
     */
    async foldDropBatches(limit: number): Promise<number> {
      const { rows } = await pool.query(
        `WITH taken AS (
            DELETE FROM routing_drop_batches WHERE (account_id, seq) IN (
              SELECT account_id, seq FROM routing_drop_batches ORDER BY account_id, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING account_id, at, locations, actions, counts),
          added AS (
            INSERT INTO routing_drops AS r (account_id, location, action, shard, count, last_at)
            SELECT b.account_id, t.location, t.action, 0, sum(t.count), max(b.at)
              FROM taken b, unnest(b.locations, b.actions, b.counts) AS t(location, action, count)
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (account_id, location, action, shard) DO UPDATE SET count = r.count + EXCLUDED.count, last_at = greatest(r.last_at, EXCLUDED.last_at))
         SELECT count(*)::int AS n FROM taken`,
        [limit],
      );
      return rows[0].n as number;
    },

    // ---- the delivery queue ------------------------------------------------------------

    /** Takes due deliveries (and ones whose lease ran out) for this worker. */
    async claim(limit: number, leaseMs: number): Promise<DeliveryRecord[]> {
      const { rows } = await pool.query(
        `UPDATE deliveries d SET status = 'delivering', attempts = d.attempts + 1, lease_until = now() + make_interval(secs => $2::float8 / 1000)
          WHERE d.id IN (
            SELECT id FROM deliveries
             WHERE (status IN ('pending', 'retrying') AND next_attempt_at <= now())
                OR (status = 'delivering' AND lease_until < now())
             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING d.*`,
        [limit, leaseMs],
      );
      return rows.map(toDelivery);
    },

    /** After a crash of the only process (embedded database): its leases are void. */
    async releaseAllLeases(): Promise<number> {
      const { rowCount } = await pool.query("UPDATE deliveries SET status = 'retrying', lease_until = NULL WHERE status = 'delivering'");
      return rowCount ?? 0;
    },

    async markDelivered(ids: string[]): Promise<void> {
      await pool.query("UPDATE deliveries SET status = 'delivered', delivered_at = now(), lease_until = NULL, last_error = NULL WHERE id = ANY($1::bigint[])", [ids]);
    },

    /** Schedules the next attempt of each delivery, or gives it up (dead). */
    async markFailed(rows: Array<{ id: string; nextAttemptAt: Date | null }>, error: string): Promise<void> {
      await pool.query(
        `UPDATE deliveries d SET status = CASE WHEN t.next IS NULL THEN 'dead'::"DeliveryStatus" ELSE 'retrying'::"DeliveryStatus" END,
                next_attempt_at = coalesce(t.next, d.next_attempt_at), lease_until = NULL, last_error = $3
           FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, next) WHERE d.id = t.id`,
        [rows.map((r) => r.id), rows.map((r) => r.nextAttemptAt), error.slice(0, 1000)],
      );
    },

    async listDeliveries(
      accountId: string,
      filter: { statuses?: DeliveryStatus[] | null; targetId?: string | null; eventId?: string | null },
      page: { afterId: string | null; limit: number },
    ): Promise<DeliveryRecord[]> {
      const { rows } = await pool.query(
        `SELECT * FROM deliveries WHERE account_id = $1
            AND ($2::"DeliveryStatus"[] IS NULL OR status = ANY($2::"DeliveryStatus"[]))
            AND ($3::uuid IS NULL OR target_id = $3::uuid)
            AND ($4::text IS NULL OR event_id = $4)
            AND ($5::bigint IS NULL OR id < $5::bigint)
          ORDER BY id DESC LIMIT $6`,
        [accountId, filter.statuses?.length ? filter.statuses : null, filter.targetId ?? null, filter.eventId ?? null, page.afterId, page.limit],
      );
      return rows.map(toDelivery);
    },

    async countDeliveries(accountId: string, filter: { statuses?: DeliveryStatus[] | null; targetId?: string | null; eventId?: string | null }): Promise<number> {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE account_id = $1
            AND ($2::"DeliveryStatus"[] IS NULL OR status = ANY($2::"DeliveryStatus"[]))
            AND ($3::uuid IS NULL OR target_id = $3::uuid) AND ($4::text IS NULL OR event_id = $4)`,
        [accountId, filter.statuses?.length ? filter.statuses : null, filter.targetId ?? null, filter.eventId ?? null],
      );
      return rows[0].n;
    },

    /** Sends deliveries again from scratch; returns the ids found in this account. */
    async redeliver(accountId: string, ids: string[]): Promise<string[]> {
      const { rows } = await pool.query(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL
          WHERE account_id = $1 AND id = ANY($2::bigint[]) AND status <> 'delivering' RETURNING id`,
        [accountId, ids],
      );
      return rows.map((r) => String(r.id));
    },

    /** Queues past events (a filter's WHERE over `events e`) for a target; returns how many. */
    async replay(accountId: string, targetId: string, where: string, params: unknown[]): Promise<number> {
      const t = params.length + 1;
      const { rowCount } = await pool.query(
        `INSERT INTO deliveries (account_id, event_id, target_id, reason)
         SELECT e.account_id, e.id, $${t}::uuid, 'replay' FROM events e WHERE ${where}
         ON CONFLICT (account_id, event_id, target_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL
           WHERE deliveries.status IN ('delivered', 'dead')`,
        [...params, targetId],
      );
      return rowCount ?? 0;
    },

    async countForReplay(where: string, params: unknown[], cap: number): Promise<number> {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM events e WHERE ${where} LIMIT $${params.length + 1}) x`, [...params, cap + 1]);
      return rows[0].n;
    },
  };
}

export type RoutingStore = ReturnType<typeof createRoutingStore>;
