-- DropIndex
DROP INDEX "events_account_id_action_event_time_idx";

-- DropIndex
DROP INDEX "events_account_id_service_prefix_event_time_idx";

-- DropIndex
DROP INDEX "events_action_id_idx";

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "content_hash" BYTEA NOT NULL;

-- CreateTable
CREATE TABLE "event_counts_minute" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "service_prefix" TEXT NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "location" TEXT NOT NULL,
    "data_event" BOOLEAN NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_minute_pkey" PRIMARY KEY ("account_id","bucket","service_prefix","outcome","severity","location","data_event")
);

-- CreateTable
CREATE TABLE "event_counts_hour" (
    "account_id" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "service_prefix" TEXT NOT NULL,
    "outcome" "Outcome" NOT NULL,
    "severity" "Severity" NOT NULL,
    "location" TEXT NOT NULL,
    "data_event" BOOLEAN NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "event_counts_hour_pkey" PRIMARY KEY ("account_id","bucket","service_prefix","outcome","severity","location","data_event")
);

-- CreateIndex
CREATE INDEX "events_action_id_account_id_event_time_idx" ON "events"("action_id", "account_id", "event_time" DESC);
