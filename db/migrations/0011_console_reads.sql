-- The jobs list: newest activity first, paged by a (updated_at, job_id) keyset, whole or by state.
CREATE INDEX IF NOT EXISTS "job_leases_updated_idx" ON "job_leases" USING btree ("updated_at" DESC, "job_id" DESC);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "job_leases_state_updated_idx" ON "job_leases" USING btree ("state", "updated_at" DESC, "job_id" DESC);--> statement-breakpoint
-- The audit filters: by action or by actor (exact, or a prefix), newest (highest id) first. Byte order
-- ("C") so that a prefix is an index range under any database collation.
CREATE INDEX IF NOT EXISTS "audit_log_action_idx" ON "audit_log" USING btree ("action" COLLATE "C", "id" DESC);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "audit_log_actor_idx" ON "audit_log" USING btree ("actor" COLLATE "C", "id" DESC);--> statement-breakpoint
-- Live updates (GET /api/watchdog/stream): every change of an incident, a repair action, a lease, a rule
-- version or a worker says "<kind>:<key>" on the channel watchdog_live. NOTIFY is transactional: it is
-- delivered after the commit (never for a rolled-back change), identical notices of one transaction are
-- folded, and every console instance listening gets it (lib/watchdog/live loads the row and fans it out).
-- Only the key travels, never the row, so a notice stays far below PostgreSQL's 8000-byte payload limit.
CREATE OR REPLACE FUNCTION "watchdog_live_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ref text;
BEGIN
  IF TG_TABLE_NAME = 'job_leases' THEN
    ref := NEW.job_id;
  ELSIF TG_TABLE_NAME = 'workers' THEN
    ref := NEW.worker_id;
  ELSIF TG_TABLE_NAME = 'rule_sets' THEN
    ref := NEW.version::text;
  ELSE
    ref := NEW.id::text;
  END IF;
  IF octet_length(ref) <= 7000 THEN
    PERFORM pg_notify('watchdog_live', TG_ARGV[0] || ':' || ref);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "incidents_live" ON "incidents";--> statement-breakpoint
CREATE TRIGGER "incidents_live" AFTER INSERT OR UPDATE ON "incidents" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('incident');--> statement-breakpoint
DROP TRIGGER IF EXISTS "repair_actions_live" ON "repair_actions";--> statement-breakpoint
CREATE TRIGGER "repair_actions_live" AFTER INSERT OR UPDATE ON "repair_actions" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('action');--> statement-breakpoint
DROP TRIGGER IF EXISTS "job_leases_live" ON "job_leases";--> statement-breakpoint
CREATE TRIGGER "job_leases_live" AFTER INSERT OR UPDATE ON "job_leases" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('lease');--> statement-breakpoint
DROP TRIGGER IF EXISTS "rule_sets_live" ON "rule_sets";--> statement-breakpoint
CREATE TRIGGER "rule_sets_live" AFTER INSERT ON "rule_sets" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('rules');--> statement-breakpoint
-- A worker is news when it first appears, changes runner version, is found silent or seen again, or
-- after 30 s of quiet; not at every sighting (those are written up to every 5 s per worker).
DROP TRIGGER IF EXISTS "workers_live_insert" ON "workers";--> statement-breakpoint
CREATE TRIGGER "workers_live_insert" AFTER INSERT ON "workers" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('worker');--> statement-breakpoint
DROP TRIGGER IF EXISTS "workers_live_update" ON "workers";--> statement-breakpoint
CREATE TRIGGER "workers_live_update" AFTER UPDATE ON "workers" FOR EACH ROW
  WHEN (OLD.silent_detected_at IS DISTINCT FROM NEW.silent_detected_at OR OLD.runner_version IS DISTINCT FROM NEW.runner_version OR NEW.last_seen_at >= OLD.last_seen_at + interval '30 seconds')
  EXECUTE FUNCTION "watchdog_live_notify"('worker');
