CREATE TABLE "learnings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" text,
	"incident_id" uuid,
	"worker_id" text,
	"signal" text,
	"learned" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"next_worker_should_check" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"assumptions_to_test" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "learnings_created_at_idx" ON "learnings" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "learnings_signal_checks_idx" ON "learnings" USING btree ("signal","created_at") WHERE jsonb_array_length("learnings"."next_worker_should_check") > 0;--> statement-breakpoint
CREATE INDEX "learnings_job_id_idx" ON "learnings" USING btree ("job_id","created_at");--> statement-breakpoint
CREATE INDEX "learnings_worker_id_idx" ON "learnings" USING btree ("worker_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "learnings_one_system_per_incident_idx" ON "learnings" USING btree ("incident_id") WHERE "learnings"."source" = 'system';
