-- helper_event_days (D30 series): kept by statement-level triggers with transition tables, so a
-- single-event ingest costs one upsert and a bulk insert one upsert per day it touches. Rows are
-- upserted in day order, so two concurrent multi-day statements cannot deadlock.
CREATE OR REPLACE FUNCTION helper_event_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO helper_event_days (day, shard, events)
    SELECT (n.created_at AT TIME ZONE 'UTC')::date, (pg_backend_pid() % 8)::smallint, count(*)
    FROM new_rows n GROUP BY 1 ORDER BY 1
    ON CONFLICT (day, shard) DO UPDATE SET events = helper_event_days.events + excluded.events;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO helper_event_days (day, shard, events)
    SELECT (o.created_at AT TIME ZONE 'UTC')::date, (pg_backend_pid() % 8)::smallint, -count(*)
    FROM old_rows o GROUP BY 1 ORDER BY 1
    ON CONFLICT (day, shard) DO UPDATE SET events = helper_event_days.events + excluded.events;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO helper_event_days (day, shard, events)
    SELECT d.day, (pg_backend_pid() % 8)::smallint, sum(d.delta)
    FROM (SELECT (o.created_at AT TIME ZONE 'UTC')::date AS day, -1 AS delta FROM old_rows o
          UNION ALL
          SELECT (n.created_at AT TIME ZONE 'UTC')::date, 1 FROM new_rows n) d
    GROUP BY d.day HAVING sum(d.delta) <> 0 ORDER BY d.day
    ON CONFLICT (day, shard) DO UPDATE SET events = helper_event_days.events + excluded.events;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION helper_event_days_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM helper_event_days;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER helper_event_days_insert AFTER INSERT ON helper_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helper_event_days_apply();
--> statement-breakpoint
CREATE TRIGGER helper_event_days_delete AFTER DELETE ON helper_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION helper_event_days_apply();
--> statement-breakpoint
CREATE TRIGGER helper_event_days_update AFTER UPDATE ON helper_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helper_event_days_apply();
--> statement-breakpoint
CREATE TRIGGER helper_event_days_truncate AFTER TRUNCATE ON helper_events
  FOR EACH STATEMENT EXECUTE FUNCTION helper_event_days_truncate();
--> statement-breakpoint
-- Backfill after the triggers exist: CREATE TRIGGER waited for in-flight inserts, later ones wait for this
-- migration to commit and are then counted by the trigger, so no event is counted twice or missed.
INSERT INTO helper_event_days (day, shard, events)
SELECT (created_at AT TIME ZONE 'UTC')::date, 0::smallint, count(*) FROM helper_events GROUP BY 1
ON CONFLICT (day, shard) DO UPDATE SET events = helper_event_days.events + excluded.events;
