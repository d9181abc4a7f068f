-- Ingest writes the drops of a batch as one row here (no upsert per location and action)
-- and the upkeep round adds them to routing_drops (src/routing/routing.store.ts).

-- CreateTable
CREATE TABLE "routing_drop_batches" (
    "account_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "locations" TEXT[],
    "actions" TEXT[],
    "counts" BIGINT[],

    CONSTRAINT "routing_drop_batches_pkey" PRIMARY KEY ("account_id","seq")
);
