-- Chain positions and links move from "events" to a narrow table of their own, so that a
-- batch's events are written before the account's chain lock and only these rows under it.

-- CreateTable
CREATE TABLE "event_links" (
    "account_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "event_links_pkey" PRIMARY KEY ("account_id","seq")
);

-- The links of the events chained so far (events stored before the chain have none, as before).
INSERT INTO "event_links" ("account_id", "seq", "event_id", "hash")
SELECT "account_id", "seq", "id", "chain_hash" FROM "events" WHERE "seq" IS NOT NULL AND "chain_hash" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "event_links_account_id_event_id_key" ON "event_links"("account_id", "event_id");

-- DropIndex
DROP INDEX "events_account_id_seq_key";

-- AlterTable
ALTER TABLE "events" DROP COLUMN "chain_hash",
DROP COLUMN "seq";
