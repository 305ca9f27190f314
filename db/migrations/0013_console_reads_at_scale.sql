-- Console reads at scale (issue 21): the overview, the workers list and the job search answer from
-- bounded index ranges instead of scans of helper_events / job_leases. Every index below is plain
-- btree or (where pg_trgm exists) GIN, so the migration runs the same on PostgreSQL and PGlite.
--
-- Overview "events in the last 24 h" (received_at window, with the flagged and failed-exit counts):
-- an index-only range of the window instead of a sequential scan of every event ever received.
CREATE INDEX IF NOT EXISTS "helper_events_received_idx" ON "helper_events" USING btree ("received_at","exit_code","signal");--> statement-breakpoint
-- Workers list: a worker's events and failures of the last 24 h, index-only (exit_code and signal in
-- the index, no heap visit per event). It replaces the (worker_id, created_at) index and the bare
-- worker_id one (every worker_id lookup uses its leading column), so ingest writes no more index entries
-- per event than before.
DROP INDEX IF EXISTS "helper_events_worker_time_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "helper_events_worker_time_idx" ON "helper_events" USING btree ("worker_id","created_at","exit_code","signal");--> statement-breakpoint
DROP INDEX IF EXISTS "helper_events_worker_id_idx";--> statement-breakpoint
-- Workers list: the lease a worker holds now (active, unexpired) is one index probe per worker, not a
-- walk of every active lease; replaces the bare worker_id index (its leading column serves those lookups).
CREATE INDEX IF NOT EXISTS "job_leases_worker_state_idx" ON "job_leases" USING btree ("worker_id","state","lease_expires_at");--> statement-breakpoint
DROP INDEX IF EXISTS "job_leases_worker_id_idx";--> statement-breakpoint
-- Overview live leases by risk (active and expired, by expiry, and the overdue ones not yet swept):
-- index-only, sweep_stage added to the (state, lease_expires_at) index the sweep already reads.
DROP INDEX IF EXISTS "job_leases_state_expires_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "job_leases_state_expires_idx" ON "job_leases" USING btree ("state","lease_expires_at","sweep_stage");--> statement-breakpoint
-- Overview gate pass rate (artifact checks of the last 7 days, passed or not): index-only.
DROP INDEX IF EXISTS "artifact_checks_checked_at_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "artifact_checks_checked_at_idx" ON "artifact_checks" USING btree ("checked_at","passed");--> statement-breakpoint
-- Overview D14 (incidents of three kinds, how many and the first): index-only per signal.
CREATE INDEX IF NOT EXISTS "incidents_signal_detected_idx" ON "incidents" USING btree ("signal","detected_at");--> statement-breakpoint
-- Overview open incidents by signal (how many, unacknowledged, the oldest): index-only over the open ones.
CREATE INDEX IF NOT EXISTS "incidents_open_signal_idx" ON "incidents" USING btree ("signal","detected_at","acknowledged_at") WHERE "status" = 'open';--> statement-breakpoint
-- Jobs search `q` (a substring of the job or worker id, ILIKE '%q%'): trigram indexes, so a search reads
-- the few matching leases instead of every lease. pg_trgm ships with PostgreSQL's contrib (trusted: the
-- database owner may create it) and with PGlite (db/client.ts loads it). Where it is not available or
-- may not be created, the search keeps working as before (a walk of job_leases_updated_idx).
DO $$
DECLARE
  trgm_schema text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm not created (%): the jobs search scans job_leases', SQLERRM;
    END;
  END IF;
  SELECT n.nspname INTO trgm_schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm';
  IF trgm_schema IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS "job_leases_job_trgm_idx" ON "job_leases" USING gin ("job_id" %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX IF NOT EXISTS "job_leases_worker_trgm_idx" ON "job_leases" USING gin ("worker_id" %I.gin_trgm_ops)', trgm_schema);
  END IF;
END
$$;
