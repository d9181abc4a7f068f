-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "LocationKind" AS ENUM ('regional', 'global');

-- CreateEnum
CREATE TYPE "Outcome" AS ENUM ('success', 'pending', 'failure');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('normal', 'warning', 'critical');

-- CreateEnum
CREATE TYPE "InitiatorType" AS ENUM ('service/security/account/user', 'service/security/account/serviceid', 'service/security/client/certificateid', 'service/security/clientid');

-- CreateEnum
CREATE TYPE "CredentialType" AS ENUM ('token', 'user', 'apikey', 'certificate', 'public-access', 'hmac', 'compute-resource', 'instance-identity-token', 'apikey-serviceid', 's2s-authorization');

-- CreateEnum
CREATE TYPE "AddressType" AS ENUM ('IPv4', 'IPv6', 'CSE', 'subnet');

-- CreateEnum
CREATE TYPE "TargetType" AS ENUM ('cloud_object_storage', 'event_streams', 'cloud_logs', 'webhook');

-- CreateTable
CREATE TABLE "locations" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "geography" TEXT,
    "kind" "LocationKind" NOT NULL DEFAULT 'regional',

    CONSTRAINT "locations_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "services" (
    "id" SERIAL NOT NULL,
    "prefix" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "description" TEXT,
    "source_document" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_locations" (
    "service_id" INTEGER NOT NULL,
    "location_code" TEXT NOT NULL,

    CONSTRAINT "service_locations_pkey" PRIMARY KEY ("service_id","location_code")
);

-- CreateTable
CREATE TABLE "actions" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "service_id" INTEGER NOT NULL,
    "object_type" TEXT NOT NULL,
    "verb" TEXT NOT NULL,
    "extra_segments" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "template_variable" TEXT,
    "template_values" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "description" TEXT,
    "group_name" TEXT,
    "http_method" TEXT,
    "http_path" TEXT,
    "deprecated" BOOLEAN NOT NULL DEFAULT false,
    "source_document" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "is_operator" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "account_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action_id" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "template_value" TEXT,
    "service_prefix" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "verb" TEXT NOT NULL,
    "correlation_id" TEXT,
    "data_event" BOOLEAN NOT NULL DEFAULT false,
    "initiator_id" TEXT,
    "initiator_name" TEXT,
    "initiator_authn_id" TEXT,
    "initiator_authn_name" TEXT,
    "initiator_type_uri" "InitiatorType",
    "credential_type" "CredentialType",
    "host_address" TEXT,
    "address_type" "AddressType",
    "agent" TEXT,
    "target_id" TEXT,
    "target_name" TEXT,
    "target_alias" TEXT,
    "target_type_uri" TEXT,
    "target_resource_group_id" TEXT,
    "target_host_address" TEXT,
    "observer_name" TEXT NOT NULL DEFAULT 'ActivityTracker',
    "outcome" "Outcome" NOT NULL,
    "reason_code" INTEGER,
    "reason_type" TEXT,
    "reason_for_failure" TEXT,
    "severity" "Severity" NOT NULL,
    "location" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "request_data" JSONB,
    "response_data" JSONB,
    "log_source_crn" TEXT,
    "save_service_copy" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "events_pkey" PRIMARY KEY ("account_id","id")
);

-- CreateTable
CREATE TABLE "targets" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "TargetType" NOT NULL,
    "region" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "secret" TEXT,
    "last_success_at" TIMESTAMPTZ(3),
    "last_failure_at" TIMESTAMPTZ(3),
    "last_failure_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routes" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "route_rules" (
    "id" UUID NOT NULL,
    "route_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "locations" TEXT[],
    "action_patterns" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "min_severity" "Severity",
    "outcomes" "Outcome"[] DEFAULT ARRAY[]::"Outcome"[],

    CONSTRAINT "route_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rule_targets" (
    "rule_id" UUID NOT NULL,
    "target_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "rule_targets_pkey" PRIMARY KEY ("rule_id","target_id")
);

-- CreateTable
CREATE TABLE "account_settings" (
    "account_id" TEXT NOT NULL,
    "permitted_target_regions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metadata_region_primary" TEXT,
    "metadata_region_backup" TEXT,
    "private_api_endpoint_only" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_settings_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "settings_default_targets" (
    "account_id" TEXT NOT NULL,
    "target_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "settings_default_targets_pkey" PRIMARY KEY ("account_id","target_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "services_prefix_key" ON "services"("prefix");

-- CreateIndex
CREATE INDEX "service_locations_location_code_idx" ON "service_locations"("location_code");

-- CreateIndex
CREATE UNIQUE INDEX "actions_name_key" ON "actions"("name");

-- CreateIndex
CREATE INDEX "actions_service_id_name_idx" ON "actions"("service_id", "name");

-- CreateIndex
CREATE INDEX "actions_object_type_idx" ON "actions"("object_type");

-- CreateIndex
CREATE INDEX "actions_verb_idx" ON "actions"("verb");

-- CreateIndex
CREATE INDEX "events_account_id_event_time_id_idx" ON "events"("account_id", "event_time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "events_account_id_action_event_time_idx" ON "events"("account_id", "action", "event_time" DESC);

-- CreateIndex
CREATE INDEX "events_account_id_service_prefix_event_time_idx" ON "events"("account_id", "service_prefix", "event_time" DESC);

-- CreateIndex
CREATE INDEX "events_account_id_initiator_id_event_time_idx" ON "events"("account_id", "initiator_id", "event_time" DESC);

-- CreateIndex
CREATE INDEX "events_account_id_target_id_event_time_idx" ON "events"("account_id", "target_id", "event_time" DESC);

-- CreateIndex
CREATE INDEX "events_account_id_correlation_id_idx" ON "events"("account_id", "correlation_id");

-- CreateIndex
CREATE INDEX "events_action_id_idx" ON "events"("action_id");

-- CreateIndex
CREATE INDEX "targets_account_id_created_at_idx" ON "targets"("account_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "targets_account_id_name_key" ON "targets"("account_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "routes_account_id_name_key" ON "routes"("account_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "route_rules_route_id_position_key" ON "route_rules"("route_id", "position");

-- CreateIndex
CREATE INDEX "rule_targets_target_id_idx" ON "rule_targets"("target_id");

-- CreateIndex
CREATE INDEX "settings_default_targets_target_id_idx" ON "settings_default_targets"("target_id");

-- AddForeignKey
ALTER TABLE "service_locations" ADD CONSTRAINT "service_locations_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_locations" ADD CONSTRAINT "service_locations_location_code_fkey" FOREIGN KEY ("location_code") REFERENCES "locations"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "targets" ADD CONSTRAINT "targets_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "route_rules" ADD CONSTRAINT "route_rules_route_id_fkey" FOREIGN KEY ("route_id") REFERENCES "routes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rule_targets" ADD CONSTRAINT "rule_targets_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "route_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rule_targets" ADD CONSTRAINT "rule_targets_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_settings" ADD CONSTRAINT "account_settings_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "settings_default_targets" ADD CONSTRAINT "settings_default_targets_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account_settings"("account_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "settings_default_targets" ADD CONSTRAINT "settings_default_targets_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
