-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivering', 'retrying', 'delivered', 'dead');

-- CreateEnum
CREATE TYPE "DeliveryReason" AS ENUM ('route', 'default_targets', 'replay');

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "routing_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "deliveries" (
    "id" BIGSERIAL NOT NULL,
    "account_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "target_id" UUID NOT NULL,
    "route_id" UUID,
    "reason" "DeliveryReason" NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing_drops" (
    "account_id" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "routing_drops_pkey" PRIMARY KEY ("account_id","location","action")
);

-- CreateIndex
CREATE INDEX "deliveries_status_next_attempt_at_idx" ON "deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "deliveries_account_id_target_id_id_idx" ON "deliveries"("account_id", "target_id", "id");

-- CreateIndex
CREATE INDEX "deliveries_account_id_status_id_idx" ON "deliveries"("account_id", "status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_account_id_event_id_target_id_key" ON "deliveries"("account_id", "event_id", "target_id");

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_account_id_event_id_fkey" FOREIGN KEY ("account_id", "event_id") REFERENCES "events"("account_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
