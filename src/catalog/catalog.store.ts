// Data access for the catalog. Called only by the catalog manager.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { LocationRecord } from './locations.data.js';

export function createCatalogStore(prisma: PrismaClient) {
  return {
    listLocations(): Promise<LocationRecord[]> {
      return prisma.location.findMany({ orderBy: [{ kind: 'asc' }, { code: 'asc' }] });
    },

    /** Inserts missing reference locations and refreshes names; never deletes. */
    async upsertLocations(locations: readonly LocationRecord[]): Promise<void> {
      await prisma.$transaction(
        locations.map((l) =>
          prisma.location.upsert({
            where: { code: l.code },
            create: l,
            update: { name: l.name, geography: l.geography, kind: l.kind },
          }),
        ),
      );
    },
  };
}

export type CatalogStore = ReturnType<typeof createCatalogStore>;
