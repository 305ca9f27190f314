-- The fleet (API.md part 2, "New signals" and "The fleet"): the workers the console has seen, the
-- worker-level incidents (worker_silent: job_id null), and the indexes the no_progress and
-- loop_detected rules read. Statements that another migration of this round may have run already
-- (incidents.worker_id and its open index) are guarded with IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS "workers" (
	"worker_id" text PRIMARY KEY NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"runner_version" text,
	"silent_detected_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "workers_last_seen_idx" ON "workers" USING btree ("last_seen_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "workers_watch_idx" ON "workers" USING btree ("last_seen_at") WHERE "workers"."silent_detected_at" is null;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN IF NOT EXISTS "worker_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ALTER COLUMN "job_id" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "incidents_worker_id_idx" ON "incidents" USING btree ("worker_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "incidents_one_open_worker_idx" ON "incidents" USING btree ("worker_id","signal") WHERE "incidents"."status" = 'open' and "incidents"."job_id" is null;--> statement-breakpoint
ALTER TABLE "job_leases" ADD COLUMN IF NOT EXISTS "progress_check_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "job_leases_progress_idx" ON "job_leases" USING btree ("progress_check_at") WHERE "job_leases"."state" = 'active';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "helper_events_job_hash_idx" ON "helper_events" USING btree ("job_id","output_hash","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "helper_events_worker_time_idx" ON "helper_events" USING btree ("worker_id","created_at");
