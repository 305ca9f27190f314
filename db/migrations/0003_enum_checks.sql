-- One source per enum: every column holding one of the product's enums accepts only the values of its
-- list in lib/schemas/enums.ts (`enumChecks`; test/enum-checks.test.ts keeps the two equal).
-- Notifications waiting for a (further) attempt were 'queued' or 'retrying': both are 'pending' now.
UPDATE "notifications" SET "status" = 'pending' WHERE "status" IN ('queued', 'retrying');
--> statement-breakpoint
ALTER TABLE "worker_runs" ADD CONSTRAINT "worker_runs_phase_check" CHECK ("phase" in ('doctor', 'touch', 'claim', 'context', 'progress', 'build', 'upload', 'complete'));
--> statement-breakpoint
ALTER TABLE "worker_runs" ADD CONSTRAINT "worker_runs_status_check" CHECK ("status" in ('ok', 'failed', 'retried', 'stuck'));
--> statement-breakpoint
ALTER TABLE "job_leases" ADD CONSTRAINT "job_leases_state_check" CHECK ("state" in ('active', 'released', 'expired', 'completed'));
--> statement-breakpoint
ALTER TABLE "lease_history" ADD CONSTRAINT "lease_history_event_check" CHECK ("event" in ('acquired', 'released', 'reclaimed', 'expired', 'completed'));
--> statement-breakpoint
ALTER TABLE "helper_events" ADD CONSTRAINT "helper_events_phase_check" CHECK ("phase" in ('doctor', 'touch', 'claim', 'context', 'progress', 'build', 'upload', 'complete'));
--> statement-breakpoint
ALTER TABLE "helper_events" ADD CONSTRAINT "helper_events_signal_check" CHECK ("signal" in ('claim_no_output', 'fetch_failed', 'lease_near_expiry', 'lease_expired', 'queue_stuck', 'artifact_gate_fail', 'no_progress', 'loop_detected', 'worker_silent'));
--> statement-breakpoint
ALTER TABLE "repair_actions" ADD CONSTRAINT "repair_actions_action_check" CHECK ("action" in ('touch', 'retry', 'heartbeat', 'mark_stuck', 'block_complete', 'notify_owner', 'release', 'reclaim'));
--> statement-breakpoint
ALTER TABLE "repair_actions" ADD CONSTRAINT "repair_actions_authority_check" CHECK ("authority" in ('worker', 'system', 'supervisor'));
--> statement-breakpoint
ALTER TABLE "repair_actions" ADD CONSTRAINT "repair_actions_result_check" CHECK ("result" in ('success', 'failed', 'needs_human', 'pending', 'obsolete'));
--> statement-breakpoint
ALTER TABLE "repair_actions" ADD CONSTRAINT "repair_actions_decision_check" CHECK ("decision" in ('approve', 'reject'));
--> statement-breakpoint
ALTER TABLE "repair_actions" ADD CONSTRAINT "repair_actions_phase_check" CHECK ("phase" in ('doctor', 'touch', 'claim', 'context', 'progress', 'build', 'upload', 'complete'));
--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_signal_check" CHECK ("signal" in ('claim_no_output', 'fetch_failed', 'lease_near_expiry', 'lease_expired', 'queue_stuck', 'artifact_gate_fail', 'no_progress', 'loop_detected', 'worker_silent'));
--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_status_check" CHECK ("status" in ('open', 'resolved'));
--> statement-breakpoint
ALTER TABLE "rule_sets" ADD CONSTRAINT "rule_sets_updated_by_role_check" CHECK ("updated_by_role" in ('worker', 'system', 'supervisor', 'owner'));
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_role_check" CHECK ("role" in ('worker', 'system', 'supervisor', 'owner'));
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" in ('supervisor', 'owner'));
--> statement-breakpoint
ALTER TABLE "d30_decisions" ADD CONSTRAINT "d30_decisions_decision_check" CHECK ("decision" in ('continue', 'escalate_to_watchdog_agent', 'change_owner'));
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_status_check" CHECK ("status" in ('pending', 'delivered', 'failed'));
