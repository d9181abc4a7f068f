-- AlterTable
ALTER TABLE "routing_drops" DROP CONSTRAINT "routing_drops_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "routing_drops_pkey" PRIMARY KEY ("account_id", "location", "action", "shard");
