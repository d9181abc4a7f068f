// API keys: creation (the key is returned once), listing, revocation, and authentication of
// the key a request presents. Checking a secret costs a scrypt computation, so a verified
// key is remembered in memory; the remembered entry is re-checked against the database
// (cheaply, without scrypt) every few seconds, so a revocation reaches every process soon.
import { hash } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit-trail.js';
import { classifyDatabaseError } from '../errors/database-errors.js';
import { ConflictError, IssueList, NotFoundError } from '../errors/errors.js';
import { isUuid } from '../errors/ids.js';
import type { Logger } from '../logging/logger.js';
import { generateApiKey, parseApiKey, secretMatches } from './api-key.js';
import type { ApiKeyRecord, KeysStore } from './keys.store.js';
import { ROLES, type Principal, type Role } from './principal.js';

export const ACCOUNT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const NAME_MAX = 100;
const CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;

export interface KeysManagerDeps {
  store: KeysStore;
  audit: AuditRecorder;
  log: Logger;
  operatorAccount: string;
  /** How long a verified key is trusted before its row is read again. */
  recheckMs?: number;
  onWrite?: () => Promise<unknown>;
}

interface Remembered {
  keyId: string;
  principal: Principal;
  checkedAt: number;
}


export function createKeysManager({ store, audit, log, operatorAccount, recheckMs = 5000, onWrite }: KeysManagerDeps) {
  const verified = new Map<string, Remembered>();
  const touched = new Map<string, number>();

  function forget(keyId: string) {
    for (const [digest, entry] of verified) if (entry.keyId === keyId) verified.delete(digest);
  }

  function touch(keyId: string) {
    const last = touched.get(keyId) ?? 0;
    if (Date.now() - last < TOUCH_EVERY_MS) return;
    touched.set(keyId, Date.now());
    store.touch(keyId).catch((error: unknown) => log.debug({ err: error }, 'could not record key use'));
  }

  async function create(actor: Principal, input: { accountId?: string | null; role: Role; name: string }, createdBy: string): Promise<{ record: ApiKeyRecord; key: string }> {
    const accountId = input.accountId ?? actor.accountId;
    const issues = new IssueList();
    if (!ACCOUNT_ID.test(accountId)) issues.add('input.accountId', 'must be 1 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (!ROLES.includes(input.role)) issues.add('input.role', `must be one of ${ROLES.join(', ')}`);
    const name = input.name.trim();
    if (!name || name.length > NAME_MAX || /[\u0000-\u001f]/.test(name)) issues.add('input.name', `must be 1 to ${NAME_MAX} printable characters`);
    issues.throwIfAny();
    const generated = await generateApiKey();
    try {
      const record = await store.transaction(async (tx) => {
        await store.ensureAccount(tx, accountId, accountId === operatorAccount);
        const created = await store.create(tx, { id: generated.id, accountId, role: input.role, name, secretHash: generated.secretHash, createdBy });
        await audit(tx, { actor, accountId, action: 'key.create', subject: { id: created.id, name, type: 'key' }, request: { accountId, role: input.role, name } });
        return created;
      });
      return { record, key: generated.key };
    } finally {
      await onWrite?.();
    }
  }

  return {
    operatorAccount,

    /** The principal of a presented key, or null when it is malformed, unknown or revoked. */
    async authenticate(presented: string): Promise<Principal | null> {
      const parsed = parseApiKey(presented);
      if (!parsed) return null;
      // One-shot: a Hash object per request cost several times the digest itself.
      const digest = hash('sha256', presented, 'hex');
      const remembered = verified.get(digest);
      if (remembered && Date.now() - remembered.checkedAt < recheckMs) {
        touch(remembered.keyId);
        return remembered.principal;
      }
      let row: Awaited<ReturnType<KeysStore['findForAuthentication']>>;
      try {
        row = await store.findForAuthentication(parsed.id);
      } catch (error) {
        // The database is away: a key verified before stays trusted until it is back.
        if (remembered && classifyDatabaseError(error)?.kind === 'unavailable') return remembered.principal;
        throw error;
      }
      if (!row || row.revokedAt) {
        verified.delete(digest);
        return null;
      }
      if (!remembered && !(await secretMatches(parsed.secret, row.secretHash))) return null;
      const principal: Principal = { accountId: row.accountId, role: row.role, keyId: row.id, name: row.name, operator: row.accountId === operatorAccount };
      if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value!);
      verified.set(digest, { keyId: row.id, principal, checkedAt: Date.now() });
      touch(row.id);
      return principal;
    },

    /** An admin creates a key in its account; an operator admin in any account. */
    async createKey(actor: Principal, input: { accountId?: string | null; role: Role; name: string }): Promise<{ record: ApiKeyRecord; key: string }> {
      if (input.accountId && input.accountId !== actor.accountId && !actor.operator) {
        throw new NotFoundError('account', input.accountId);
      }
      return create(actor, input, actor.keyId ? `key:${actor.keyId}` : `tool:${actor.name}`);
    },

    listKeys: (accountId: string) => store.list(accountId),

    /** Revokes a key of the actor's account (an operator admin: of any account). */
    async revokeKey(actor: Principal, id: string): Promise<ApiKeyRecord> {
      try {
        return await store.transaction(async (tx) => {
          const key = isUuid(id) ? await store.find(tx, id) : null;
          if (!key || (key.accountId !== actor.accountId && !actor.operator)) throw new NotFoundError('key', id);
          if (key.revokedAt) throw new ConflictError(`key "${key.name}" was already revoked at ${key.revokedAt.toISOString()}`);
          const revoked = await store.revoke(tx, id, actor.keyId ? `key:${actor.keyId}` : `tool:${actor.name}`);
          await audit(tx, { actor, accountId: key.accountId, action: 'key.revoke', subject: { id, name: key.name, type: 'key' }, request: { id } });
          return revoked;
        });
      } finally {
        forget(id);
        await onWrite?.();
      }
    },

    /**
     * The embedded (single-user) setup: when the operator account has no usable admin key,
     * make one. The caller prints it; it is not stored anywhere in the clear.
     */
    async ensureLocalAdminKey(actor: Principal): Promise<string | null> {
      if ((await store.countActiveAdmins(operatorAccount)) > 0) return null;
      return (await create(actor, { accountId: operatorAccount, role: 'admin', name: 'local admin (created at first start)' }, `tool:${actor.name}`)).key;
    },
  };
}

export type KeysManager = ReturnType<typeof createKeysManager>;
