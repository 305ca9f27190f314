-- A helper event killed before it exited (a timed-out claim) has no exit code: exit_code may be null.
ALTER TABLE "helper_events" ALTER COLUMN "exit_code" DROP NOT NULL;--> statement-breakpoint
-- The D30 partial indexes count a null exit code as a failure: "is distinct from 0" instead of "<> 0"
-- (the D30 queries repeat these predicates word for word).
DROP INDEX IF EXISTS "helper_events_failures_idx";--> statement-breakpoint
CREATE INDEX "helper_events_failures_idx" ON "helper_events" USING btree ("created_at","job_id") WHERE "helper_events"."exit_code" is distinct from 0 or "helper_events"."signal" is not null;--> statement-breakpoint
DROP INDEX IF EXISTS "helper_events_unclassified_idx";--> statement-breakpoint
CREATE INDEX "helper_events_unclassified_idx" ON "helper_events" USING btree ("created_at","job_id") WHERE ("helper_events"."exit_code" is distinct from 0 or "helper_events"."signal" is not null) and not ("helper_events"."signal" is not null and jsonb_array_length("helper_events"."suggested_actions") > 0);--> statement-breakpoint
-- Release/reclaim requests closed as obsolete before this version were stored as result 'failed' with an
-- "obsolete: ..." note: they become result 'obsolete', decided by the system, as new ones are.
UPDATE "repair_actions" SET "result" = 'obsolete', "decided_by" = coalesce("decided_by", 'system')
WHERE "result" = 'failed' AND "decision" IS NULL AND "action" IN ('release', 'reclaim') AND "decision_note" LIKE 'obsolete: %';
