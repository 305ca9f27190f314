-- Live updates without serialising the fleet's heartbeats (issue 21). NOTIFY takes a database-wide lock
-- from a transaction's commit until its commit record is flushed, so every transaction that notifies
-- commits one at a time: with 0011's row trigger on every job_leases update, eight workers renewing
-- their leases ran at the rate of one. A lease is now announced by the database when it changes hands
-- or state (acquired, released, reclaimed, expired, stuck, completed) — rare, and worth the order —
-- while a plain renewal (expiry, heartbeat time) is announced after its commit by the console that
-- wrote it, gathered with others into one NOTIFY (lib/watchdog/announce.ts).
DROP TRIGGER IF EXISTS "job_leases_live" ON "job_leases";--> statement-breakpoint
DROP TRIGGER IF EXISTS "job_leases_live_insert" ON "job_leases";--> statement-breakpoint
CREATE TRIGGER "job_leases_live_insert" AFTER INSERT ON "job_leases" FOR EACH ROW EXECUTE FUNCTION "watchdog_live_notify"('lease');--> statement-breakpoint
DROP TRIGGER IF EXISTS "job_leases_live_update" ON "job_leases";--> statement-breakpoint
CREATE TRIGGER "job_leases_live_update" AFTER UPDATE ON "job_leases" FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.worker_id IS DISTINCT FROM NEW.worker_id OR OLD.fencing_token IS DISTINCT FROM NEW.fencing_token
    OR OLD.ready_for_reclaim IS DISTINCT FROM NEW.ready_for_reclaim OR OLD.sweep_stage IS DISTINCT FROM NEW.sweep_stage OR OLD.completed_at IS DISTINCT FROM NEW.completed_at)
  EXECUTE FUNCTION "watchdog_live_notify"('lease');
