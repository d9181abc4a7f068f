// Per-request DataLoader for Event.proof: the proofs of a page of events in one query.
import DataLoader from 'dataloader';
import type { IntegrityManager } from './integrity.manager.js';

export function createIntegrityLoaders(integrity: IntegrityManager, accountId: string) {
  return {
    proofById: new DataLoader(async (ids: readonly string[]) => {
      const found = await integrity.proofs(accountId, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}

export type IntegrityLoaders = ReturnType<typeof createIntegrityLoaders>;
