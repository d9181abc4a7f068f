-- CreateTable
CREATE TABLE "event_counts_minute_slim" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "service_prefix" TEXT NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_minute_slim_pkey" PRIMARY KEY ("account_id","bucket","service_prefix","outcome","severity")
);

-- CreateTable
CREATE TABLE "event_counts_hour_slim" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "service_prefix" TEXT NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_hour_slim_pkey" PRIMARY KEY ("account_id","bucket","service_prefix","outcome","severity")
);

-- Backfill: the slim counts are sums of the full counts already kept.
INSERT INTO "event_counts_minute_slim" ("account_id", "bucket", "service_prefix", "outcome", "severity", "count")
SELECT "account_id", "bucket", "service_prefix", "outcome", "severity", sum("count")
  FROM "event_counts_minute" GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "event_counts_hour_slim" ("account_id", "bucket", "service_prefix", "outcome", "severity", "count")
SELECT "account_id", "bucket", "service_prefix", "outcome", "severity", sum("count")
  FROM "event_counts_hour" GROUP BY 1, 2, 3, 4, 5;

-- Fresh statistics, so the planner reads the new tables the cheap way from the start.
ANALYZE "event_counts_minute_slim";
ANALYZE "event_counts_hour_slim";
