-- Issue 17 (rules preview speed). The replay reads each job's lease changes in the order
-- (job_id, at, id) to fold away the renewals no rule can decide on (lib/watchdog/rules/replay-evidence.ts);
-- with id in the index that order is an index scan instead of a sort of every change of the window.
-- The job story's reads by (job_id, at) use the same index.
DROP INDEX IF EXISTS "lease_history_job_id_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "lease_history_job_id_idx" ON "lease_history" USING btree ("job_id","at","id");
