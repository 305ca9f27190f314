CREATE TABLE "helper_event_days" (
	"day" date NOT NULL,
	"shard" smallint NOT NULL,
	"events" bigint NOT NULL,
	CONSTRAINT "helper_event_days_day_shard_pk" PRIMARY KEY("day","shard")
);
--> statement-breakpoint
CREATE INDEX "helper_events_failures_idx" ON "helper_events" USING btree ("created_at","job_id") WHERE "helper_events"."exit_code" <> 0 or "helper_events"."signal" is not null;--> statement-breakpoint
CREATE INDEX "helper_events_unclassified_idx" ON "helper_events" USING btree ("created_at","job_id") WHERE ("helper_events"."exit_code" <> 0 or "helper_events"."signal" is not null) and not ("helper_events"."signal" is not null and jsonb_array_length("helper_events"."suggested_actions") > 0);--> statement-breakpoint
CREATE INDEX "helper_events_retry_idx" ON "helper_events" USING btree ("created_at","job_id","phase","id") WHERE "helper_events"."suggested_actions" @> '[{"action":"retry"}]'::jsonb;--> statement-breakpoint
CREATE INDEX "helper_events_job_phase_idx" ON "helper_events" USING btree ("job_id","phase","created_at","exit_code","signal");