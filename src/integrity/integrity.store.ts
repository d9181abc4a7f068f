// Data access for the hash chain: heads, links (event_links: an event's position and link),
// chained events in position order, checkpoints, and the verifications that run in the
// background. Plain SQL on the pool.
import type pg from 'pg';
import type { EventRecord } from '../events/event.model.js';
import { inTransaction } from '../database/transaction.js';
import { ALL_COLUMNS, lockChain, rowToRecord, selectList } from '../events/events.store.js';

export interface CheckpointRecord {
  accountId: string;
  seq: number;
  hash: Buffer;
  signedAt: Date;
  keyId: string;
  signature: Buffer;
}

const toCheckpoint = (r: Record<string, any>): CheckpointRecord => ({
  accountId: r.account_id,
  seq: Number(r.seq),
  hash: r.hash,
  signedAt: r.signed_at,
  keyId: r.key_id,
  signature: r.signature,
});

export interface VerificationRecord {
  id: string;
  accountId: string;
  status: 'running' | 'done' | 'failed';
  from: number;
  to: number;
  checked: number;
  result: unknown;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const toVerification = (r: Record<string, any>): VerificationRecord => ({
  id: r.id,
  accountId: r.account_id,
  status: r.status,
  from: Number(r.from_seq),
  to: Number(r.to_seq),
  checked: Number(r.checked),
  result: r.result ?? null,
  error: r.error ?? null,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at ?? null,
});

const COLUMNS = ALL_COLUMNS.map((c) => `e.${c}`).join(', ');
/** Times as epoch milliseconds: PostgreSQL's text timestamps cost more to parse than the rest of a row. */
const CHAINED_COLUMNS = selectList(ALL_COLUMNS);

/** Events with no link: stored outside the chain (before it existed, or around the gateway). */
const UNLINKED = 'NOT EXISTS (SELECT 1 FROM event_links l WHERE l.account_id = e.account_id AND l.event_id = e.id)';

export function createIntegrityStore(pool: pg.Pool, options: { prepared?: boolean } = {}) {
  const prepared = options.prepared ?? false;
  return {
    pool,

    /** When the chain's migration was applied: events received before it have no position. */
    async chainStartedAt(): Promise<Date | null> {
      const { rows } = await pool.query(
        `SELECT min(finished_at) AS at FROM _prisma_migrations
          WHERE migration_name LIKE '%\\_event\\_hash\\_chain' AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      return rows[0]?.at ?? null;
    },

    /** Accounts with events outside their chain received before `before`, and how many. */
    async unchainedAccounts(before: Date): Promise<Array<{ accountId: string; count: number }>> {
      const { rows } = await pool.query(
        `SELECT e.account_id, count(*)::int AS count FROM events e WHERE ${UNLINKED} AND e.received_at < $1 GROUP BY e.account_id ORDER BY e.account_id`,
        [before],
      );
      return rows.map((r) => ({ accountId: r.account_id, count: r.count }));
    },

    /**
     * Appends up to `limit` of the account's unchained events received before `before`, in
     * receipt order, to its chain, in one transaction under the chain lock; `link` computes
     * each link. Returns how many it chained.
     */
    async adopt(accountId: string, before: Date, limit: number, link: (previous: Buffer, seq: number, event: EventRecord) => Buffer): Promise<number> {
      return inTransaction(pool, async (client) => {
        const chain = await lockChain(client, accountId);
        const { rows } = await client.query(
          `SELECT ${COLUMNS} FROM events e WHERE e.account_id = $1 AND ${UNLINKED} AND e.received_at < $2
            ORDER BY e.received_at, e.id LIMIT $3 FOR UPDATE OF e`,
          [accountId, before, limit],
        );
        let seq = chain.seq;
        let head = chain.head;
        const ids: string[] = [];
        const seqs: number[] = [];
        const hashes: Buffer[] = [];
        for (const row of rows) {
          head = link(head, ++seq, rowToRecord(row));
          ids.push(row.id);
          seqs.push(seq);
          hashes.push(head);
        }
        if (ids.length) {
          await client.query('INSERT INTO event_links (account_id, seq, event_id, hash) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bytea[])', [accountId, seqs, ids, hashes]);
          await client.query('UPDATE event_chains SET seq = $2, head = $3, updated_at = now() WHERE account_id = $1', [accountId, seq, head]);
        }
        return ids.length;
      });
    },

    async head(accountId: string): Promise<{ seq: number; head: Buffer } | null> {
      const { rows } = await pool.query('SELECT seq, head FROM event_chains WHERE account_id = $1', [accountId]);
      return rows[0] ? { seq: Number(rows[0].seq), head: rows[0].head } : null;
    },

    /** Heads that moved past their account's last checkpoint. */
    async uncheckpointedHeads(): Promise<Array<{ accountId: string; seq: number; head: Buffer }>> {
      const { rows } = await pool.query(
        `SELECT c.account_id, c.seq, c.head FROM event_chains c
          WHERE c.seq > coalesce((SELECT max(k.seq) FROM chain_checkpoints k WHERE k.account_id = c.account_id), 0)`,
      );
      return rows.map((r) => ({ accountId: r.account_id, seq: Number(r.seq), head: r.head }));
    },

    async linkAt(accountId: string, seq: number): Promise<{ id: string; hash: Buffer | null } | null> {
      const { rows } = await pool.query('SELECT event_id, hash FROM event_links WHERE account_id = $1 AND seq = $2', [accountId, seq]);
      return rows[0] ? { id: rows[0].event_id, hash: rows[0].hash } : null;
    },

    /**
     * Chained events from position `from` to `to`, in position order, read by ranges of
     * `batch` positions; the next range is asked for while the caller works through the
     * current one, so PostgreSQL and this process work at the same time. A link whose event
     * is gone is not returned: the walk sees the gap.
     */
    async *chained(accountId: string, from: number, to: number, batch = 5000): AsyncGenerator<{ seq: number; hash: Buffer; event: EventRecord }> {
      const range = (after: number) =>
        after >= to
          ? null
          : pool.query({
              name: prepared ? 'integrity_chained' : undefined,
              text: `SELECT ${CHAINED_COLUMNS}, l.seq, l.hash AS link FROM event_links l JOIN events e ON e.account_id = l.account_id AND e.id = l.event_id
                      WHERE l.account_id = $1 AND l.seq > $2 AND l.seq <= $3 ORDER BY l.seq`,
              values: [accountId, after, Math.min(to, after + batch)],
            });
      let after = from - 1;
      let next = range(after);
      while (next) {
        const { rows } = await next;
        after = Math.min(to, after + batch);
        next = range(after);
        // A range not taken (the caller stopped early) must not fail unobserved.
        next?.catch(() => undefined);
        for (const r of rows) yield { seq: Number(r.seq), hash: r.link, event: rowToRecord(r) };
      }
    },

    /**
     * An event that has no position, or a link past the head: both mean rows added around
     * the chain. The head is the one this statement sees, so the links ingest writes while a
     * long verification runs are not taken for strays. The first is an anti-join over the
     * account's events (two index scans).
     */
    async strays(accountId: string): Promise<{ outside: string | null; after: { id: string; seq: number } | null }> {
      const after = await pool.query(
        'SELECT l.event_id, l.seq FROM event_chains c JOIN event_links l ON l.account_id = c.account_id AND l.seq > c.seq WHERE c.account_id = $1 ORDER BY l.seq LIMIT 1',
        [accountId],
      );
      if (after.rows[0]) return { outside: null, after: { id: after.rows[0].event_id, seq: Number(after.rows[0].seq) } };
      const outside = await pool.query(`SELECT e.id FROM events e WHERE e.account_id = $1 AND ${UNLINKED} ORDER BY e.received_at, e.id LIMIT 1`, [accountId]);
      return { outside: outside.rows[0]?.id ?? null, after: null };
    },

    /** The proofs of several events of an account: one query (Event.proof in lists). */
    async proofsOf(accountId: string, ids: readonly string[]): Promise<Map<string, { seq: number; hash: Buffer; previous: Buffer | null; checkpoint: CheckpointRecord | null }>> {
      const { rows } = await pool.query(
        `SELECT l.event_id AS id, l.seq, l.hash, p.hash AS previous,
                k.account_id AS k_account, k.seq AS k_seq, k.hash AS k_hash, k.signed_at AS k_signed_at, k.key_id AS k_key_id, k.signature AS k_signature
           FROM event_links l
           LEFT JOIN event_links p ON p.account_id = l.account_id AND p.seq = l.seq - 1
           LEFT JOIN LATERAL (SELECT * FROM chain_checkpoints c WHERE c.account_id = l.account_id AND c.seq >= l.seq ORDER BY c.seq LIMIT 1) k ON true
          WHERE l.account_id = $1 AND l.event_id = ANY($2::text[])`,
        [accountId, [...ids]],
      );
      return new Map(
        rows.map((r) => [
          r.id as string,
          {
            seq: Number(r.seq),
            hash: r.hash as Buffer,
            previous: (r.previous as Buffer | null) ?? null,
            checkpoint: r.k_seq === null ? null : toCheckpoint({ account_id: r.k_account, seq: r.k_seq, hash: r.k_hash, signed_at: r.k_signed_at, key_id: r.k_key_id, signature: r.k_signature }),
          },
        ]),
      );
    },

    async saveCheckpoint(c: CheckpointRecord): Promise<boolean> {
      const { rowCount } = await pool.query(
        'INSERT INTO chain_checkpoints (account_id, seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
        [c.accountId, c.seq, c.hash, c.signedAt, c.keyId, c.signature],
      );
      return rowCount === 1;
    },

    async checkpoints(accountId: string, range: { from?: number; to?: number; limit?: number; newestFirst?: boolean } = {}): Promise<CheckpointRecord[]> {
      const { rows } = await pool.query(
        `SELECT * FROM chain_checkpoints WHERE account_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq ${range.newestFirst ? 'DESC' : 'ASC'} LIMIT $4`,
        [accountId, range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER, range.limit ?? 1_000_000],
      );
      return rows.map(toCheckpoint);
    },

    async createVerification(v: { id: string; accountId: string; from: number; to: number }): Promise<VerificationRecord> {
      const { rows } = await pool.query(
        `INSERT INTO chain_verifications (id, account_id, status, from_seq, to_seq) VALUES ($1, $2, 'running', $3, $4) RETURNING *`,
        [v.id, v.accountId, v.from, v.to],
      );
      return toVerification(rows[0]);
    },

    async recordVerificationProgress(id: string, checked: number): Promise<void> {
      await pool.query('UPDATE chain_verifications SET checked = $2, updated_at = now() WHERE id = $1', [id, checked]);
    },

    async finishVerification(id: string, end: { status: 'done' | 'failed'; checked: number; result?: unknown; error?: string }): Promise<void> {
      await pool.query('UPDATE chain_verifications SET status = $2, checked = $3, result = $4, error = $5, updated_at = now(), finished_at = now() WHERE id = $1', [
        id,
        end.status,
        end.checked,
        end.result === undefined ? null : JSON.stringify(end.result),
        end.error ?? null,
      ]);
    },

    async verification(accountId: string, id: string): Promise<VerificationRecord | null> {
      const { rows } = await pool.query('SELECT * FROM chain_verifications WHERE account_id = $1 AND id = $2', [accountId, id]);
      return rows[0] ? toVerification(rows[0]) : null;
    },

    async verifications(accountId: string, limit: number): Promise<VerificationRecord[]> {
      const { rows } = await pool.query('SELECT * FROM chain_verifications WHERE account_id = $1 ORDER BY started_at DESC, id LIMIT $2', [accountId, limit]);
      return rows.map(toVerification);
    },
  };
}

export type IntegrityStore = ReturnType<typeof createIntegrityStore>;
