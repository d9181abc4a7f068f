-- CreateEnum
CREATE TYPE "ChainVerificationStatus" AS ENUM ('running', 'done', 'failed');

-- DropTable
DROP TABLE "signing_keys";

-- CreateTable
CREATE TABLE "chain_verifications" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "status" "ChainVerificationStatus" NOT NULL,
    "from_seq" BIGINT NOT NULL,
    "to_seq" BIGINT NOT NULL,
    "checked" BIGINT NOT NULL DEFAULT 0,
    "result" JSONB,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "chain_verifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "chain_verifications_account_id_started_at_idx" ON "chain_verifications"("account_id", "started_at");
