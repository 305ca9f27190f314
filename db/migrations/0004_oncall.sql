-- On-call: incidents people acknowledge and resolve, worker-level incidents, silences, notification
-- channels and the delivery log. Existing rows upgrade in place: severities from the signal,
-- worker ids from the evidence or the lease, old incidents marked as already routed (no flood of
-- messages about the past), queued/retrying notifications become pending.
ALTER TABLE "incidents" ALTER COLUMN "job_id" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "worker_id" text;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "severity" text DEFAULT 'warning' NOT NULL;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "acknowledged_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "acknowledged_by" text;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "acknowledgement_note" text;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolved_by" text;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "silenced_by" uuid;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "routed_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolution_routed_at" timestamp with time zone;
--> statement-breakpoint
UPDATE "incidents" SET "severity" = 'critical' WHERE "signal" IN ('lease_expired', 'queue_stuck', 'artifact_gate_fail', 'loop_detected');
--> statement-breakpoint
UPDATE "incidents" i SET
  "worker_id" = coalesce(i."details"->>'worker_id', (SELECT l."worker_id" FROM "job_leases" l WHERE l."job_id" = i."job_id")),
  "routed_at" = i."detected_at",
  "resolution_routed_at" = i."resolved_at",
  "resolved_by" = CASE WHEN i."status" = 'resolved' THEN 'system' END;
--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_worker_idx" ON "incidents" USING btree ("worker_id","signal") WHERE "status" = 'open' AND "job_id" IS NULL;
--> statement-breakpoint
CREATE INDEX "incidents_worker_id_idx" ON "incidents" USING btree ("worker_id");
--> statement-breakpoint
CREATE INDEX "incidents_unrouted_idx" ON "incidents" USING btree ("detected_at") WHERE "routed_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "incidents_resolution_unrouted_idx" ON "incidents" USING btree ("resolved_at") WHERE "status" = 'resolved' AND "resolution_routed_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "incidents_unacknowledged_idx" ON "incidents" USING btree ("detected_at") WHERE "status" = 'open' AND "acknowledged_at" IS NULL;
--> statement-breakpoint
CREATE TABLE "silences" (
  "id" uuid PRIMARY KEY NOT NULL,
  "signal" text,
  "worker_id" text,
  "job_id" text,
  "starts_at" timestamp with time zone NOT NULL,
  "ends_at" timestamp with time zone NOT NULL,
  "comment" text NOT NULL,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone NOT NULL,
  "ended_by" text
);
--> statement-breakpoint
CREATE INDEX "silences_window_idx" ON "silences" USING btree ("ends_at","starts_at");
--> statement-breakpoint
CREATE TABLE "notification_channels" (
  "id" uuid PRIMARY KEY NOT NULL,
  "name" text NOT NULL,
  "kind" text NOT NULL,
  "config" jsonb NOT NULL,
  "sealed_config" text NOT NULL,
  "signals" jsonb,
  "min_severity" text DEFAULT 'warning' NOT NULL,
  "level" integer DEFAULT 1 NOT NULL,
  "after_s" integer DEFAULT 900 NOT NULL,
  "enabled" boolean DEFAULT true NOT NULL,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone NOT NULL,
  "updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "notification_channels_level_idx" ON "notification_channels" USING btree ("level") WHERE "enabled";
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "incident_id" uuid;
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "channel_id" uuid;
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "channel_name" text;
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "channel_kind" text DEFAULT 'webhook' NOT NULL;
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "last_http_status" integer;
--> statement-breakpoint
UPDATE "notifications" SET "status" = 'pending' WHERE "status" IN ('queued', 'retrying');
--> statement-breakpoint
CREATE INDEX "notifications_incident_id_idx" ON "notifications" USING btree ("incident_id");
--> statement-breakpoint
CREATE INDEX "notifications_created_at_idx" ON "notifications" USING btree ("created_at");
--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_once_per_channel_idx" ON "notifications" USING btree ("incident_id","channel_id","kind") WHERE "incident_id" IS NOT NULL AND "channel_id" IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_once_per_webhook_idx" ON "notifications" USING btree ("incident_id","kind") WHERE "incident_id" IS NOT NULL AND "channel_id" IS NULL;
