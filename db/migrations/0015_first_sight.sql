-- Issue 17 (rules preview speed). Each helper event records whether it is the FIRST SIGHT, in its job, of
-- its output hash (new_progress) and of its phase (new_phase) — together the "progress" of the no_progress
-- rule (rules/signals/no-progress.ts: an output hash or a phase the job had not shown before) — and, on a
-- first sight, the job's previous first sight (prev_progress_at; null on the job's first). A replay then
-- reads the quiet stretches at least quiet_s long as an index range (helper_events_quiet_idx) and the loop
-- candidates from the repeats of its window (helper_events_repeats_idx, `not new_progress`), instead of
-- grouping every (job, output hash) pair of the fleet (rules/replay-evidence.ts).
--
-- The three columns are EXACT whatever path stores the row (single-event statement, batch or group
-- statement, the judged transaction, a raw INSERT) and whatever the arrival order, because a BEFORE
-- INSERT trigger sets them (a value the writer passes is overwritten):
--   * "first" is by (created_at, id), the order of the sweep's min(created_at);
--   * the trigger first takes a transaction-scoped advisory lock on the job (7265013, hashtext(job_id)),
--     so transactions storing events of one job are judged one after the other; PL/pgSQL takes a fresh
--     snapshot for each query, so the later one sees what the earlier one committed;
--   * a row-level BEFORE trigger sees the rows its own statement inserted before it (a batch);
--   * an event created before a stored first sight (stored late, e.g. from a spool) takes the flag over:
--     the later twin's flag is cleared, and prev_progress_at of the job's later first sights recomputed,
--     in the same transaction;
--   * an id already stored (an idempotent repeat, refused by ON CONFLICT, or a conflicting body) changes
--     nothing.
CREATE OR REPLACE FUNCTION "helper_events_first_sight"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  earlier_output boolean;
  earlier_phase boolean;
  latest timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(7265013, hashtext(NEW.job_id));
  -- the common case, three index probes: is there an earlier event with this output hash, with this
  -- phase, and when was the job's latest first sight (normally before this event)
  SELECT
    EXISTS (SELECT 1 FROM helper_events h WHERE h.job_id = NEW.job_id AND h.output_hash = NEW.output_hash
      AND h.created_at <= NEW.created_at AND (h.created_at < NEW.created_at OR h.id < NEW.id)),
    NEW.phase IS NOT NULL AND EXISTS (SELECT 1 FROM helper_events h WHERE h.job_id = NEW.job_id AND h.phase = NEW.phase
      AND h.created_at <= NEW.created_at AND (h.created_at < NEW.created_at OR h.id < NEW.id)),
    (SELECT max(h.created_at) FROM helper_events h WHERE h.job_id = NEW.job_id AND (h.new_progress OR h.new_phase))
  INTO earlier_output, earlier_phase, latest;
  NEW.new_progress := NOT earlier_output;
  NEW.new_phase := NEW.phase IS NOT NULL AND NOT earlier_phase;
  NEW.prev_progress_at := NULL;
  IF NOT (NEW.new_progress OR NEW.new_phase) THEN
    RETURN NEW; -- a repeat: nothing else changes
  END IF;
  IF latest IS NULL OR latest < NEW.created_at THEN
    NEW.prev_progress_at := latest; -- the job's newest first sight
    RETURN NEW;
  END IF;
  -- stored late (created no later than a stored first sight of the job): an id already stored changes
  -- nothing (the row is not inserted); otherwise the later twins give up the flag, and the first sights
  -- after this one get their previous one again
  IF EXISTS (SELECT 1 FROM helper_events h WHERE h.id = NEW.id) THEN
    NEW.new_progress := false;
    NEW.new_phase := false;
    RETURN NEW;
  END IF;
  NEW.prev_progress_at := (SELECT max(h.created_at) FROM helper_events h WHERE h.job_id = NEW.job_id AND (h.new_progress OR h.new_phase)
    AND h.created_at <= NEW.created_at AND (h.created_at < NEW.created_at OR h.id < NEW.id));
  IF NEW.new_progress THEN
    UPDATE helper_events SET new_progress = false, prev_progress_at = CASE WHEN new_phase THEN prev_progress_at END
    WHERE job_id = NEW.job_id AND output_hash = NEW.output_hash AND new_progress
      AND created_at >= NEW.created_at AND (created_at > NEW.created_at OR id > NEW.id);
  END IF;
  IF NEW.new_phase THEN
    UPDATE helper_events SET new_phase = false, prev_progress_at = CASE WHEN new_progress THEN prev_progress_at END
    WHERE job_id = NEW.job_id AND phase = NEW.phase AND new_phase
      AND created_at >= NEW.created_at AND (created_at > NEW.created_at OR id > NEW.id);
  END IF;
  UPDATE helper_events h SET prev_progress_at = p.prev_at
  FROM (
    SELECT s.id, lag(s.created_at) OVER (ORDER BY s.created_at, s.id) AS prev_at
    FROM (SELECT x.id, x.created_at FROM helper_events x WHERE x.job_id = NEW.job_id AND (x.new_progress OR x.new_phase)
          UNION ALL SELECT NEW.id, NEW.created_at) s
  ) p
  WHERE h.id = p.id AND h.job_id = NEW.job_id AND h.created_at >= NEW.created_at AND (h.created_at > NEW.created_at OR h.id > NEW.id)
    AND h.prev_progress_at IS DISTINCT FROM p.prev_at;
  RETURN NEW;
END
$$;
--> statement-breakpoint
ALTER TABLE "helper_events" ADD COLUMN IF NOT EXISTS "new_progress" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "helper_events" ADD COLUMN IF NOT EXISTS "new_phase" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "helper_events" ADD COLUMN IF NOT EXISTS "prev_progress_at" timestamp with time zone;--> statement-breakpoint
-- Backfill, set-based in one statement: the first (created_at, id) of each (job, output hash) and of each
-- (job, phase), and for each the one before it in the job. The ALTERs above hold the table's exclusive lock
-- until this migration commits, so no event is stored between the backfill and the trigger. The flags do
-- not change the D30 day counts: that trigger is off for this one statement.
ALTER TABLE "helper_events" DISABLE TRIGGER "helper_event_days_update";--> statement-breakpoint
UPDATE "helper_events" h SET "new_progress" = f.first_output, "new_phase" = f.first_phase, "prev_progress_at" = f.prev_at
FROM (
  SELECT s.id, s.first_output, s.first_phase,
    lag(s.created_at) OVER (PARTITION BY s.job_id, s.first_output OR s.first_phase ORDER BY s.created_at, s.id) AS prev_at
  FROM (
    SELECT id, job_id, created_at,
      row_number() OVER (PARTITION BY job_id, output_hash ORDER BY created_at, id) = 1 AS first_output,
      phase IS NOT NULL AND row_number() OVER (PARTITION BY job_id, phase ORDER BY created_at, id) = 1 AS first_phase
    FROM helper_events
  ) s
) f
WHERE h.id = f.id AND (f.first_output OR f.first_phase);--> statement-breakpoint
ALTER TABLE "helper_events" ENABLE TRIGGER "helper_event_days_update";--> statement-breakpoint
CREATE TRIGGER "helper_events_first_sight" BEFORE INSERT ON "helper_events"
  FOR EACH ROW EXECUTE FUNCTION "helper_events_first_sight"();--> statement-breakpoint
-- A replay's quiet stretches: a job's first and last first sight (rules/replay-evidence.ts)…
CREATE INDEX IF NOT EXISTS "helper_events_progress_idx" ON "helper_events" USING btree ("job_id", "created_at") WHERE "new_progress" OR "new_phase";--> statement-breakpoint
-- …and the stretches between two, longest first: a range over the few at least quiet_s long.
CREATE INDEX IF NOT EXISTS "helper_events_quiet_idx" ON "helper_events" USING btree (("created_at" - "prev_progress_at")) INCLUDE ("job_id", "created_at", "prev_progress_at") WHERE "new_progress" OR "new_phase";--> statement-breakpoint
-- A replay's loop candidates: the repeats of an output hash in a window.
CREATE INDEX IF NOT EXISTS "helper_events_repeats_idx" ON "helper_events" USING btree ("created_at") INCLUDE ("job_id", "output_hash") WHERE NOT "new_progress";--> statement-breakpoint
-- A replay's event-rule candidates (rules/replay-evidence.ts `candidates`, the predicate word for word)…
CREATE INDEX IF NOT EXISTS "helper_events_candidates_idx" ON "helper_events" USING btree ("created_at")
  WHERE ("phase" = 'claim' AND ("exit_code" IS NULL OR "error_code" IS NOT NULL))
    OR ("phase" IN ('context', 'progress', 'upload', 'complete') AND ("error_code" IS NOT NULL OR "output" ~* '(fetch failed|internal|500)'));--> statement-breakpoint
-- …the claims that may have run past a timeout…
CREATE INDEX IF NOT EXISTS "helper_events_claims_idx" ON "helper_events" USING btree ("duration_ms", "created_at") WHERE "phase" = 'claim';--> statement-breakpoint
-- …and the events that failed on their own, index-only.
CREATE INDEX IF NOT EXISTS "helper_events_failing_idx" ON "helper_events" USING btree ("created_at") INCLUDE ("job_id", "id") WHERE "exit_code" IS DISTINCT FROM 0;
