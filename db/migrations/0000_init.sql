CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"worker_id" text,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "artifact_checks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"worker_id" text,
	"primary_url" text NOT NULL,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"http_status" integer,
	"file_count" integer NOT NULL,
	"expected_file_count" integer NOT NULL,
	"passed" boolean NOT NULL,
	"failure_reason" text,
	"checked_at" timestamp with time zone NOT NULL,
	"requested_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"actor_role" text,
	"action" text NOT NULL,
	"target" text,
	"job_id" text,
	"output_hash" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "d30_decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"decision" text NOT NULL,
	"note" text,
	"metrics" jsonb NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "helper_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"command" text NOT NULL,
	"phase" text,
	"exit_code" integer NOT NULL,
	"output" text,
	"output_hash" text NOT NULL,
	"error_code" text,
	"duration_ms" integer,
	"created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"signal" text,
	"rule_version" integer NOT NULL,
	"suggested_actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"incident_id" uuid,
	"body_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"signal" text NOT NULL,
	"status" text NOT NULL,
	"first_failure_at" timestamp with time zone NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	"evidence_event_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rule_version" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_leases" (
	"job_id" text PRIMARY KEY NOT NULL,
	"worker_id" text NOT NULL,
	"fencing_token" bigint NOT NULL,
	"lease_expires_at" timestamp with time zone NOT NULL,
	"last_heartbeat_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL,
	"state" text NOT NULL,
	"ready_for_reclaim" boolean DEFAULT false NOT NULL,
	"sweep_stage" integer DEFAULT 0 NOT NULL,
	"completed_at" timestamp with time zone,
	"completed_artifact_check_id" uuid,
	"completed_output_hash" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lease_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"fencing_token" bigint NOT NULL,
	"event" text NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"job_id" text,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "repair_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"trigger" text NOT NULL,
	"action" text NOT NULL,
	"authority" text NOT NULL,
	"result" text,
	"suggestion" boolean DEFAULT false NOT NULL,
	"evidence_event_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"note" text,
	"phase" text,
	"output_hash" text,
	"incident_id" uuid,
	"requested_by" text NOT NULL,
	"decision" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"body_hash" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_sets" (
	"version" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text NOT NULL,
	"updated_by_role" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "worker_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"worker_id" text NOT NULL,
	"job_id" text NOT NULL,
	"phase" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_token_hash_idx" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "artifact_checks_job_id_idx" ON "artifact_checks" USING btree ("job_id","checked_at");--> statement-breakpoint
CREATE INDEX "artifact_checks_checked_at_idx" ON "artifact_checks" USING btree ("checked_at");--> statement-breakpoint
CREATE INDEX "audit_log_job_id_idx" ON "audit_log" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "helper_events_job_id_idx" ON "helper_events" USING btree ("job_id","created_at");--> statement-breakpoint
CREATE INDEX "helper_events_worker_id_idx" ON "helper_events" USING btree ("worker_id");--> statement-breakpoint
CREATE INDEX "helper_events_created_at_idx" ON "helper_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "helper_events_signal_idx" ON "helper_events" USING btree ("signal","created_at");--> statement-breakpoint
CREATE INDEX "helper_events_incident_id_idx" ON "helper_events" USING btree ("incident_id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_idx" ON "incidents" USING btree ("job_id","signal") WHERE "incidents"."status" = 'open';--> statement-breakpoint
CREATE INDEX "incidents_job_id_idx" ON "incidents" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","detected_at");--> statement-breakpoint
CREATE INDEX "incidents_detected_at_idx" ON "incidents" USING btree ("detected_at");--> statement-breakpoint
CREATE INDEX "job_leases_state_expires_idx" ON "job_leases" USING btree ("state","lease_expires_at");--> statement-breakpoint
CREATE INDEX "job_leases_sweep_idx" ON "job_leases" USING btree ("sweep_stage","lease_expires_at") WHERE "job_leases"."state" in ('active', 'expired');--> statement-breakpoint
CREATE INDEX "job_leases_worker_id_idx" ON "job_leases" USING btree ("worker_id");--> statement-breakpoint
CREATE INDEX "lease_history_job_id_idx" ON "lease_history" USING btree ("job_id","at");--> statement-breakpoint
CREATE INDEX "notifications_due_idx" ON "notifications" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "repair_actions_job_id_idx" ON "repair_actions" USING btree ("job_id","created_at");--> statement-breakpoint
CREATE INDEX "repair_actions_result_idx" ON "repair_actions" USING btree ("result","created_at");--> statement-breakpoint
CREATE INDEX "repair_actions_incident_id_idx" ON "repair_actions" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "repair_actions_created_at_idx" ON "repair_actions" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "repair_actions_one_pending_idx" ON "repair_actions" USING btree ("job_id","action") WHERE "repair_actions"."result" = 'pending';--> statement-breakpoint
CREATE INDEX "worker_runs_job_id_idx" ON "worker_runs" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "worker_runs_worker_id_idx" ON "worker_runs" USING btree ("worker_id");--> statement-breakpoint
CREATE INDEX "worker_runs_started_at_idx" ON "worker_runs" USING btree ("started_at");