-- Lease history is the evidence a rules preview replays (API.md part 2, "Rules preview"): every change of a
-- lease is kept — acquisitions, renewals (heartbeats), releases, reclaims, expiries, completions.
-- Renewals were not recorded before: the event list gains 'renewed'.
ALTER TABLE "lease_history" DROP CONSTRAINT IF EXISTS "lease_history_event_check";--> statement-breakpoint
ALTER TABLE "lease_history" ADD CONSTRAINT "lease_history_event_check" CHECK ("event" in ('acquired', 'renewed', 'released', 'reclaimed', 'expired', 'completed'));--> statement-breakpoint
-- A replay reads the history of a window of time, not of one job.
CREATE INDEX IF NOT EXISTS "lease_history_at_idx" ON "lease_history" USING btree ("at");--> statement-breakpoint
-- Worker sightings for the worker_silent replay: the evidence of one worker in time order.
CREATE INDEX IF NOT EXISTS "lease_history_worker_at_idx" ON "lease_history" USING btree ("worker_id","at");
