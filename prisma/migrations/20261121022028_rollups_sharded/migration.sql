-- AlterTable
ALTER TABLE "event_counts_minute" DROP CONSTRAINT "event_counts_minute_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "event_counts_minute_pkey" PRIMARY KEY ("account_id", "bucket", "service_prefix", "outcome", "severity", "location", "data_event", "shard");

-- AlterTable
ALTER TABLE "event_counts_minute_slim" DROP CONSTRAINT "event_counts_minute_slim_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "event_counts_minute_slim_pkey" PRIMARY KEY ("account_id", "bucket", "service_prefix", "outcome", "severity", "shard");

-- AlterTable
ALTER TABLE "event_counts_hour" DROP CONSTRAINT "event_counts_hour_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "event_counts_hour_pkey" PRIMARY KEY ("account_id", "bucket", "service_prefix", "outcome", "severity", "location", "data_event", "shard");

-- AlterTable
ALTER TABLE "event_counts_hour_slim" DROP CONSTRAINT "event_counts_hour_slim_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "event_counts_hour_slim_pkey" PRIMARY KEY ("account_id", "bucket", "service_prefix", "outcome", "severity", "shard");
