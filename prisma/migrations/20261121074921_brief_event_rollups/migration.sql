-- CreateTable
CREATE TABLE "event_counts_minute_brief" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "data_event" BOOLEAN NOT NULL,
    "shard" SMALLINT NOT NULL DEFAULT 0,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_minute_brief_pkey" PRIMARY KEY ("account_id","bucket","outcome","severity","data_event","shard")
);

-- CreateTable
CREATE TABLE "event_counts_hour_brief" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "data_event" BOOLEAN NOT NULL,
    "shard" SMALLINT NOT NULL DEFAULT 0,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_hour_brief_pkey" PRIMARY KEY ("account_id","bucket","outcome","severity","data_event","shard")
);

-- CreateIndex
CREATE INDEX "event_counts_minute_brief_unmerged_idx" ON "event_counts_minute_brief"("bucket") WHERE (shard <> 0);

-- CreateIndex
CREATE INDEX "event_counts_hour_brief_unmerged_idx" ON "event_counts_hour_brief"("bucket") WHERE (shard <> 0);

-- Backfill: the brief counts are sums of the full counts already kept (all shards folded).
INSERT INTO "event_counts_minute_brief" ("account_id", "bucket", "outcome", "severity", "data_event", "count")
SELECT "account_id", "bucket", "outcome", "severity", "data_event", sum("count")
  FROM "event_counts_minute" GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "event_counts_hour_brief" ("account_id", "bucket", "outcome", "severity", "data_event", "count")
SELECT "account_id", "bucket", "outcome", "severity", "data_event", sum("count")
  FROM "event_counts_hour" GROUP BY 1, 2, 3, 4, 5;

-- Fresh statistics, so the planner reads the new tables the cheap way from the start.
ANALYZE "event_counts_minute_brief";
ANALYZE "event_counts_hour_brief";
