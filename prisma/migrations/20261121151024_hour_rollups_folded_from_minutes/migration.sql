-- The per-hour counts are no longer added to by ingest: a folding round recomputes them from
-- the per-minute counts of the same dimensions, for the hours listed here (src/events/rollups.ts).
-- The per-hour counts of a database migrated now are complete, so no hour is listed.

-- CreateTable
CREATE TABLE "rollup_pending_hours" (
    "account_id" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,

    CONSTRAINT "rollup_pending_hours_pkey" PRIMARY KEY ("account_id","hour")
);
