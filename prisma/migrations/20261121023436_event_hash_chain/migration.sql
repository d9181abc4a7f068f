-- AlterTable
ALTER TABLE "events" ADD COLUMN     "chain_hash" BYTEA,
ADD COLUMN     "seq" BIGINT;

-- CreateTable
CREATE TABLE "event_chains" (
    "account_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL DEFAULT 0,
    "head" BYTEA NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_chains_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "chain_checkpoints" (
    "account_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" BYTEA NOT NULL,

    CONSTRAINT "chain_checkpoints_pkey" PRIMARY KEY ("account_id","seq")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "key_id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("key_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "events_account_id_seq_key" ON "events"("account_id", "seq");
