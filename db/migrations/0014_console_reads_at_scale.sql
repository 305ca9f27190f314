-- Console reads at scale (issue 21): the overview, the workers list and the job search answer from
-- bounded index ranges and a small rollup instead of scans of helper_events / incidents / job_leases.
-- Plain btree indexes, a trigger-kept table, expression statistics and (where pg_trgm exists) GIN: the
-- migration runs the same on PostgreSQL and PGlite. Every figure stays exact.
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
-- Overview D14 (incidents of three kinds ever recorded, how many and the first): a rollup per signal, kept
-- by triggers on incidents as helper_event_days is on helper_events, instead of counting every incident
-- ever opened. One row per signal and shard (the writing backend's pid % 8), so concurrent detections
-- rarely wait on one row; a signal's count is the sum over its shards, its first the least.
CREATE TABLE IF NOT EXISTS "incident_signal_counts" (
	"signal" text NOT NULL,
	"shard" smallint NOT NULL,
	"incidents" bigint NOT NULL,
	"first_detected_at" timestamp with time zone,
	CONSTRAINT "incident_signal_counts_signal_shard_pk" PRIMARY KEY("signal","shard")
);--> statement-breakpoint
CREATE OR REPLACE FUNCTION incident_signal_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO incident_signal_counts (signal, shard, incidents, first_detected_at)
    SELECT n.signal, (pg_backend_pid() % 8)::smallint, count(*), min(n.detected_at)
    FROM new_rows n GROUP BY 1 ORDER BY 1
    ON CONFLICT (signal, shard) DO UPDATE SET incidents = incident_signal_counts.incidents + excluded.incidents,
      first_detected_at = least(incident_signal_counts.first_detected_at, excluded.first_detected_at);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO incident_signal_counts (signal, shard, incidents, first_detected_at)
    SELECT o.signal, (pg_backend_pid() % 8)::smallint, -count(*), null
    FROM old_rows o GROUP BY 1 ORDER BY 1
    ON CONFLICT (signal, shard) DO UPDATE SET incidents = incident_signal_counts.incidents + excluded.incidents;
    -- the first of a kind may be among the deleted: recount it (no console path deletes incidents)
    UPDATE incident_signal_counts c SET first_detected_at = (SELECT min(i.detected_at) FROM incidents i WHERE i.signal = c.signal)
    WHERE c.signal IN (SELECT DISTINCT o.signal FROM old_rows o);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
-- an update that moves an incident to another signal or detection time (no console path does): per row
CREATE OR REPLACE FUNCTION incident_signal_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO incident_signal_counts (signal, shard, incidents, first_detected_at)
  VALUES (OLD.signal, (pg_backend_pid() % 8)::smallint, -1, null), (NEW.signal, (pg_backend_pid() % 8)::smallint, 1, null)
  ON CONFLICT (signal, shard) DO UPDATE SET incidents = incident_signal_counts.incidents + excluded.incidents;
  UPDATE incident_signal_counts c SET first_detected_at = (SELECT min(i.detected_at) FROM incidents i WHERE i.signal = c.signal)
  WHERE c.signal IN (OLD.signal, NEW.signal);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION incident_signal_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM incident_signal_counts;
  RETURN NULL;
END
$$;--> statement-breakpoint
DROP TRIGGER IF EXISTS incident_signal_counts_insert ON incidents;--> statement-breakpoint
CREATE TRIGGER incident_signal_counts_insert AFTER INSERT ON incidents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_signal_counts_apply();--> statement-breakpoint
DROP TRIGGER IF EXISTS incident_signal_counts_delete ON incidents;--> statement-breakpoint
CREATE TRIGGER incident_signal_counts_delete AFTER DELETE ON incidents
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_signal_counts_apply();--> statement-breakpoint
DROP TRIGGER IF EXISTS incident_signal_counts_update ON incidents;--> statement-breakpoint
CREATE TRIGGER incident_signal_counts_update AFTER UPDATE OF signal, detected_at ON incidents FOR EACH ROW
  WHEN (OLD.signal IS DISTINCT FROM NEW.signal OR OLD.detected_at IS DISTINCT FROM NEW.detected_at)
  EXECUTE FUNCTION incident_signal_counts_move();--> statement-breakpoint
DROP TRIGGER IF EXISTS incident_signal_counts_truncate ON incidents;--> statement-breakpoint
CREATE TRIGGER incident_signal_counts_truncate AFTER TRUNCATE ON incidents
  FOR EACH STATEMENT EXECUTE FUNCTION incident_signal_counts_truncate();--> statement-breakpoint
-- Backfill after the triggers exist (CREATE TRIGGER waited for in-flight writes; later ones wait for this
-- migration to commit and are counted by the triggers), so no incident is counted twice or missed.
DELETE FROM incident_signal_counts;--> statement-breakpoint
INSERT INTO incident_signal_counts (signal, shard, incidents, first_detected_at)
SELECT signal, 0::smallint, count(*), min(detected_at) FROM incidents GROUP BY 1;--> statement-breakpoint
-- Overview open incidents by signal (how many, unacknowledged, the oldest): index-only over the open ones.
CREATE INDEX IF NOT EXISTS "incidents_open_signal_idx" ON "incidents" USING btree ("signal","detected_at","acknowledged_at") WHERE "status" = 'open';--> statement-breakpoint
-- Workers list: only the open incidents that name no worker (none opened since 0004) join their job's
-- lease. Statistics on that expression tell the planner how many there are, so it hashes the leases when
-- there are thousands and probes by key when there are few.
CREATE STATISTICS IF NOT EXISTS "incidents_named_worker_stats" ON (coalesce("worker_id", "details"->>'worker_id')) FROM "incidents";--> statement-breakpoint
ANALYZE "incidents";--> statement-breakpoint
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
