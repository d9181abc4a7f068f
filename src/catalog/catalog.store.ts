// Data access for the catalog. Only the catalog manager calls it; it holds no rules.
// Functions that take `db` run inside the caller's transaction when given one.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Action, Service } from '../generated/prisma/client.js';
import { globToLike } from './naming.js';
import type { LocationRecord } from './locations.data.js';

export type { Action, Service };
export type Db = PrismaClient | Prisma.TransactionClient;

export interface ServiceFilter {
  text?: string | null;
  prefixes?: string[] | null;
  location?: string | null;
}

export interface ActionFilter {
  service?: string | null;
  objectType?: string | null;
  verb?: string | null;
  group?: string | null;
  text?: string | null;
  pattern?: string | null;
  location?: string | null;
  deprecated?: boolean | null;
}

export interface KeysetPage {
  /** Exclusive lower bound of the sort key (a prefix or an action name). */
  after?: string | null;
  limit: number;
}

export type NewAction = Omit<Action, 'id' | 'createdAt' | 'updatedAt'>;

const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function serviceWhere(filter: ServiceFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filter.text) {
    const t = like(filter.text);
    parts.push(Prisma.sql`(s.prefix ILIKE ${t} OR s.display_name ILIKE ${t} OR coalesce(s.description, '') ILIKE ${t})`);
  }
  if (filter.prefixes?.length) parts.push(Prisma.sql`s.prefix = ANY(${filter.prefixes}::text[])`);
  if (filter.location) {
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM service_locations sl WHERE sl.service_id = s.id AND sl.location_code = ${filter.location})`);
  }
  return Prisma.join(parts, ' AND ');
}

function actionWhere(filter: ActionFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filter.service) parts.push(Prisma.sql`s.prefix = ${filter.service}`);
  if (filter.objectType) parts.push(Prisma.sql`a.object_type = ${filter.objectType}`);
  if (filter.verb) parts.push(Prisma.sql`a.verb = ${filter.verb}`);
  if (filter.group) parts.push(Prisma.sql`lower(a.group_name) = lower(${filter.group})`);
  if (filter.deprecated !== undefined && filter.deprecated !== null) parts.push(Prisma.sql`a.deprecated = ${filter.deprecated}`);
  if (filter.text) {
    const t = like(filter.text);
    parts.push(Prisma.sql`(a.name ILIKE ${t} OR coalesce(a.description, '') ILIKE ${t} OR coalesce(a.group_name, '') ILIKE ${t})`);
  }
  if (filter.pattern) {
    // A template action matches when the pattern matches the template or one of its names.
    const p = globToLike(filter.pattern);
    parts.push(Prisma.sql`(a.name LIKE ${p} ESCAPE '\\' OR EXISTS (
      SELECT 1 FROM unnest(a.template_values) v
       WHERE replace(a.name, '<' || a.template_variable || '>', v) LIKE ${p} ESCAPE '\\'))`);
  }
  if (filter.location) {
    // Services that declare no locations may emit anywhere.
    parts.push(Prisma.sql`(NOT EXISTS (SELECT 1 FROM service_locations sl WHERE sl.service_id = s.id)
      OR EXISTS (SELECT 1 FROM service_locations sl WHERE sl.service_id = s.id AND sl.location_code = ${filter.location}))`);
  }
  return Prisma.join(parts, ' AND ');
}

interface ActionRow {
  id: number;
  name: string;
  service_id: number;
  object_type: string;
  verb: string;
  extra_segments: string[];
  template_variable: string | null;
  template_values: string[];
  description: string | null;
  group_name: string | null;
  http_method: string | null;
  http_path: string | null;
  deprecated: boolean;
  source_document: string | null;
  created_at: Date;
  updated_at: Date;
}

function toAction(r: ActionRow): Action {
  return {
    id: r.id,
    name: r.name,
    serviceId: r.service_id,
    objectType: r.object_type,
    verb: r.verb,
    extraSegments: r.extra_segments,
    templateVariable: r.template_variable,
    templateValues: r.template_values,
    description: r.description,
    groupName: r.group_name,
    httpMethod: r.http_method,
    httpPath: r.http_path,
    deprecated: r.deprecated,
    sourceDocument: r.source_document,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createCatalogStore(prisma: PrismaClient) {
  return {
    prisma,

    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return prisma.$transaction(fn, { maxWait: 10_000, timeout: 60_000 });
    },

    // ---- locations -------------------------------------------------------------------
    listLocations(): Promise<LocationRecord[]> {
      return prisma.location.findMany({ orderBy: [{ kind: 'asc' }, { code: 'asc' }] });
    },

    async locationCodes(db: Db = prisma): Promise<Set<string>> {
      return new Set((await db.location.findMany({ select: { code: true } })).map((l) => l.code));
    },

    /** Inserts missing reference locations and refreshes names; never deletes. */
    async upsertLocations(locations: readonly LocationRecord[]): Promise<void> {
      await prisma.$transaction(
        locations.map((l) =>
          prisma.location.upsert({ where: { code: l.code }, create: l, update: { name: l.name, geography: l.geography, kind: l.kind } }),
        ),
      );
    },

    // ---- services --------------------------------------------------------------------
    findService(prefix: string, db: Db = prisma): Promise<Service | null> {
      return db.service.findUnique({ where: { prefix } });
    },

    servicesByIds(ids: readonly number[]): Promise<Service[]> {
      return prisma.service.findMany({ where: { id: { in: [...ids] } } });
    },

    async allServices(db: Db = prisma): Promise<Service[]> {
      return db.service.findMany({ orderBy: { prefix: 'asc' } });
    },

    async countServices(db: Db = prisma): Promise<number> {
      return db.service.count();
    },

    /** Services other than those of `source` (a built-in document). */
    async countServicesNotFrom(source: string): Promise<number> {
      return prisma.service.count({ where: { OR: [{ sourceDocument: null }, { sourceDocument: { not: source } }] } });
    },

    async listServices(filter: ServiceFilter, page: KeysetPage): Promise<Service[]> {
      const after = page.after ? Prisma.sql`AND s.prefix > ${page.after}` : Prisma.empty;
      const ids = await prisma.$queryRaw<Array<{ id: number }>>(
        Prisma.sql`SELECT s.id FROM services s WHERE ${serviceWhere(filter)} ${after} ORDER BY s.prefix LIMIT ${page.limit}`,
      );
      const rows = await prisma.service.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: { prefix: 'asc' } });
      return rows;
    },

    async countMatchingServices(filter: ServiceFilter): Promise<number> {
      const [row] = await prisma.$queryRaw<Array<{ n: bigint }>>(
        Prisma.sql`SELECT count(*) AS n FROM services s WHERE ${serviceWhere(filter)}`,
      );
      return Number(row!.n);
    },

    createService(db: Db, data: { prefix: string; displayName: string; description: string | null; sourceDocument: string | null }): Promise<Service> {
      return db.service.create({ data });
    },

    updateService(db: Db, id: number, data: Partial<Pick<Service, 'displayName' | 'description' | 'sourceDocument'>>): Promise<Service> {
      return db.service.update({ where: { id }, data });
    },

    deleteService(db: Db, id: number): Promise<Service> {
      return db.service.delete({ where: { id } });
    },

    async serviceLocations(db: Db, serviceId: number): Promise<string[]> {
      const rows = await db.serviceLocation.findMany({ where: { serviceId }, orderBy: { locationCode: 'asc' } });
      return rows.map((r) => r.locationCode);
    },

    async locationsByServiceIds(ids: readonly number[]): Promise<Map<number, string[]>> {
      const rows = await prisma.serviceLocation.findMany({ where: { serviceId: { in: [...ids] } }, orderBy: { locationCode: 'asc' } });
      const byService = new Map<number, string[]>();
      for (const r of rows) byService.set(r.serviceId, [...(byService.get(r.serviceId) ?? []), r.locationCode]);
      return byService;
    },

    async replaceServiceLocations(db: Db, serviceId: number, codes: string[]): Promise<void> {
      await db.serviceLocation.deleteMany({ where: { serviceId } });
      if (codes.length) await db.serviceLocation.createMany({ data: codes.map((locationCode) => ({ serviceId, locationCode })) });
    },

    async addServiceLocations(db: Db, serviceId: number, codes: string[]): Promise<void> {
      if (codes.length) await db.serviceLocation.createMany({ data: codes.map((locationCode) => ({ serviceId, locationCode })), skipDuplicates: true });
    },

    async actionCountsByServiceIds(ids: readonly number[]): Promise<Map<number, { total: number; deprecated: number; templates: number }>> {
      const rows = await prisma.$queryRaw<Array<{ service_id: number; total: bigint; deprecated: bigint; templates: bigint }>>(
        Prisma.sql`SELECT service_id, count(*) AS total, count(*) FILTER (WHERE deprecated) AS deprecated,
                          count(*) FILTER (WHERE template_variable IS NOT NULL) AS templates
                     FROM actions WHERE service_id = ANY(${[...ids]}::int[]) GROUP BY service_id`,
      );
      return new Map(rows.map((r) => [r.service_id, { total: Number(r.total), deprecated: Number(r.deprecated), templates: Number(r.templates) }]));
    },

    countActionsOfService(db: Db, serviceId: number): Promise<number> {
      return db.action.count({ where: { serviceId } });
    },

    // ---- actions ---------------------------------------------------------------------
    findAction(name: string, db: Db = prisma): Promise<Action | null> {
      return db.action.findUnique({ where: { name } });
    },

    findActionsByNames(db: Db, names: string[]): Promise<Action[]> {
      return db.action.findMany({ where: { name: { in: names } } });
    },

    /** Template actions whose shape could produce `name` (the caller checks the value). */
    async templateCandidates(name: string, db: Db = prisma): Promise<Action[]> {
      const rows = await db.$queryRaw<ActionRow[]>(
        Prisma.sql`SELECT * FROM actions WHERE template_variable IS NOT NULL
                      AND ${name} LIKE replace(replace(replace(name, '%', '\\%'), '<' || template_variable || '>', '%'), '_', '\\_') ESCAPE '\\'`,
      );
      return rows.map(toAction);
    },

    /** Template actions of the given services (to check expansions against new names). */
    templatesOfServices(db: Db, serviceIds: number[]): Promise<Action[]> {
      return db.action.findMany({ where: { serviceId: { in: serviceIds }, templateVariable: { not: null } } });
    },

    async listActions(filter: ActionFilter, page: KeysetPage): Promise<Action[]> {
      const after = page.after ? Prisma.sql`AND a.name > ${page.after}` : Prisma.empty;
      const rows = await prisma.$queryRaw<ActionRow[]>(
        Prisma.sql`SELECT a.* FROM actions a JOIN services s ON s.id = a.service_id
                    WHERE ${actionWhere(filter)} ${after} ORDER BY a.name LIMIT ${page.limit}`,
      );
      return rows.map(toAction);
    },

    /** The first `limit` matching actions of each service, in one query. */
    async listActionsOfServices(filter: ActionFilter, serviceIds: number[], limit: number): Promise<Action[]> {
      const rows = await prisma.$queryRaw<ActionRow[]>(
        Prisma.sql`SELECT * FROM (
                     SELECT a.*, row_number() OVER (PARTITION BY a.service_id ORDER BY a.name) AS rank
                       FROM actions a JOIN services s ON s.id = a.service_id
                      WHERE a.service_id = ANY(${serviceIds}::int[]) AND ${actionWhere(filter)}) ranked
                    WHERE rank <= ${limit} ORDER BY name`,
      );
      return rows.map(toAction);
    },

    async countMatchingActions(filter: ActionFilter): Promise<number> {
      const [row] = await prisma.$queryRaw<Array<{ n: bigint }>>(
        Prisma.sql`SELECT count(*) AS n FROM actions a JOIN services s ON s.id = a.service_id WHERE ${actionWhere(filter)}`,
      );
      return Number(row!.n);
    },

    async createActions(db: Db, rows: NewAction[]): Promise<void> {
      await db.action.createMany({ data: rows });
    },

    updateAction(db: Db, id: number, data: Partial<NewAction>): Promise<Action> {
      return db.action.update({ where: { id }, data });
    },

    deleteAction(db: Db, id: number): Promise<Action> {
      return db.action.delete({ where: { id } });
    },

    async actionHasEvents(db: Db, actionId: number): Promise<boolean> {
      const rows = await db.$queryRaw<Array<{ one: number }>>(Prisma.sql`SELECT 1 AS one FROM events WHERE action_id = ${actionId} LIMIT 1`);
      return rows.length > 0;
    },
  };
}

export type CatalogStore = ReturnType<typeof createCatalogStore>;
