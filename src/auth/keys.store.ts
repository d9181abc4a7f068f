// Data access for API keys and accounts.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Role } from './principal.js';

export type Db = PrismaClient | Prisma.TransactionClient;

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  role: Role;
  name: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

type KeyRow = Prisma.ApiKeyGetPayload<object>;

function toKey({ secretHash: _hidden, ...row }: KeyRow): ApiKeyRecord {
  return row;
}

export function createKeysStore(prisma: PrismaClient) {
  return {
    prisma,

    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
    },

    /** The key with its secret's hash, for authentication. */
    findForAuthentication(id: string): Promise<KeyRow | null> {
      return prisma.apiKey.findUnique({ where: { id } });
    },

    async find(db: Db, id: string): Promise<ApiKeyRecord | null> {
      const row = await db.apiKey.findUnique({ where: { id } });
      return row && toKey(row);
    },

    async list(accountId: string): Promise<ApiKeyRecord[]> {
      return (await prisma.apiKey.findMany({ where: { accountId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] })).map(toKey);
    },

    /** Creates the account on first use; the operator account is marked as such. */
    async ensureAccount(db: Db, id: string, operator: boolean): Promise<void> {
      await db.account.upsert({ where: { id }, create: { id, isOperator: operator }, update: operator ? { isOperator: true } : {} });
    },

    async create(tx: Prisma.TransactionClient, data: { id: string; accountId: string; role: Role; name: string; secretHash: string; createdBy: string }): Promise<ApiKeyRecord> {
      return toKey(await tx.apiKey.create({ data }));
    },

    async revoke(tx: Prisma.TransactionClient, id: string, by: string): Promise<ApiKeyRecord> {
      return toKey(await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date(), revokedBy: by } }));
    },

    async touch(id: string): Promise<void> {
      await prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date() } });
    },

    countActiveAdmins(accountId: string): Promise<number> {
      return prisma.apiKey.count({ where: { accountId, role: 'admin', revokedAt: null } });
    },
  };
}

export type KeysStore = ReturnType<typeof createKeysStore>;
