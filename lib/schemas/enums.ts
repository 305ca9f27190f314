/**
 * The single source of every enum of the product: one `as const` list each. zod (`z.enum(LIST)`), the
 * drizzle columns (`text('x', { enum: LIST })`), the database CHECK constraints (migration
 * 0003_enum_checks, kept equal to these lists by test/enum-checks.test.ts), the console pages and the
 * CLI all read them from here. Plain data: no zod, no imports, so the one-file runner can use it too.
 *
 * Adding a value to a list whose column has a CHECK constraint (see `enumChecks` below) needs a
 * migration that drops and re-adds that constraint.
 */

/** The helper phases of a job (API.md worker-runs `phase`). */
export const PHASES = ['doctor', 'touch', 'claim', 'context', 'progress', 'build', 'upload', 'complete'] as const;
export type Phase = (typeof PHASES)[number];

/** worker_runs.status */
export const RUN_STATUSES = ['ok', 'failed', 'retried', 'stuck'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** job_leases.state */
export const LEASE_STATES = ['active', 'released', 'expired', 'completed'] as const;
export type LeaseState = (typeof LEASE_STATES)[number];

/** lease_history.event: what happened to a lease */
export const LEASE_EVENTS = ['acquired', 'renewed', 'released', 'reclaimed', 'expired', 'completed'] as const;
export type LeaseEvent = (typeof LEASE_EVENTS)[number];

/** What a heartbeat answer's `directives` ask of the lease holder. */
export const DIRECTIVE_ACTIONS = ['heartbeat', 'retry', 'stop', 'await_supervisor'] as const;
export type DirectiveAction = (typeof DIRECTIVE_ACTIONS)[number];

/** The rollout milestones the overview derives from the data. */
export const MILESTONES = ['D1', 'D7', 'D14', 'D30'] as const;
export type MilestoneKey = (typeof MILESTONES)[number];

/** A lease's `risk_level` (computed, not stored). */
export const RISK_LEVELS = ['normal', 'near_expiry', 'expired', 'stale'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Every signal the watchdog detects (API.md "Signals", part 1 and part 2), in the order the console shows them. */
export const SIGNALS = ['claim_no_output', 'fetch_failed', 'lease_near_expiry', 'lease_expired', 'queue_stuck', 'artifact_gate_fail', 'no_progress', 'loop_detected', 'worker_silent'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A rule's `params.severity` and an incident's `severity`, lowest first. */
export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** repair_actions.action */
export const REPAIR_ACTIONS = ['touch', 'retry', 'heartbeat', 'mark_stuck', 'block_complete', 'notify_owner', 'release', 'reclaim'] as const;
export type RepairActionName = (typeof REPAIR_ACTIONS)[number];

/** The repair actions a supervisor decides (requested by a worker or the system as `pending`). */
export const DANGEROUS_ACTIONS = ['release', 'reclaim'] as const satisfies readonly RepairActionName[];
export type DangerousAction = (typeof DANGEROUS_ACTIONS)[number];

/** repair_actions.authority: who may execute the action */
export const AUTHORITIES = ['worker', 'system', 'supervisor'] as const;
export type Authority = (typeof AUTHORITIES)[number];

/** How the runner records its touches and retries: as the system's repairs, as the worker's, or whichever the console accepts. */
export const RUNNER_AUTHORITIES = ['system', 'worker', 'auto'] as const satisfies readonly (Authority | 'auto')[];
export type RunnerAuthority = (typeof RUNNER_AUTHORITIES)[number];

/** repair_actions.result; `obsolete`: a pending request whose job completed or was released meanwhile. */
export const REPAIR_RESULTS = ['success', 'failed', 'needs_human', 'pending', 'obsolete'] as const;
export type RepairResult = (typeof REPAIR_RESULTS)[number];

/** repair_actions.decision: a supervisor's answer to a pending release/reclaim */
export const REPAIR_DECISIONS = ['approve', 'reject'] as const;
export type RepairDecision = (typeof REPAIR_DECISIONS)[number];

/** The `status` filter of the repair action list. */
export const REPAIR_ACTION_FILTERS = ['pending', 'decided', 'all'] as const;

/** How a suggested action escalates when it does not help. */
export const ESCALATIONS = ['notify_owner', 'needs_human'] as const;
export type Escalation = (typeof ESCALATIONS)[number];

/** Every role (API.md "Roles and credentials"); api_tokens.role, rule_sets.updated_by_role. */
export const ROLES = ['worker', 'system', 'supervisor', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** The roles a person (users.role, a browser session) can have. */
export const USER_ROLES = ['supervisor', 'owner'] as const satisfies readonly Role[];
export type UserRole = (typeof USER_ROLES)[number];

/** The roles that read the whole fleet (everything but a worker). */
export const READER_ROLES = ['system', 'supervisor', 'owner'] as const satisfies readonly Role[];

/** The roles that write evidence (a worker for its own worker_id, the system for any). */
export const EVIDENCE_ROLES = ['worker', 'system'] as const satisfies readonly Role[];

/** The console's languages (BCP 47): English and Traditional Chinese. The first is the fallback. */
export const LOCALES = ['en', 'zh-Hant'] as const;
export type Locale = (typeof LOCALES)[number];

/** The events of the live stream (GET /api/watchdog/stream): each carries the object as the REST API returns it. */
export const LIVE_EVENTS = ['incident', 'action', 'lease', 'rules', 'worker'] as const;
export type LiveEvent = (typeof LIVE_EVENTS)[number];

/** incidents.status */
export const INCIDENT_STATUSES = ['open', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The `status` filter of the incident list. */
export const INCIDENT_FILTERS = ['open', 'acknowledged', 'unacknowledged', 'resolved', 'all'] as const;
export type IncidentFilter = (typeof INCIDENT_FILTERS)[number];

/** notifications.status: waiting for (another) delivery attempt, delivered, or given up. */
export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** notifications.kind: why a message is sent (typed, not constrained in the database: channels add kinds). */
export const NOTIFICATION_KINDS = ['notify_owner', 'needs_human', 'supervisor_review', 'incident_opened', 'incident_escalated', 'incident_resolved', 'test'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The three outcomes of the D30 review (d30_decisions.decision). */
export const D30_DECISIONS = ['continue', 'escalate_to_watchdog_agent', 'change_owner'] as const;
export type D30Decision = (typeof D30_DECISIONS)[number];

/** A silence's `state` (computed from its window). */
export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
export type SilenceState = (typeof SILENCE_STATES)[number];

/** A worker's fleet `status`. */
export const WORKER_STATUSES = ['working', 'idle', 'silent', 'retired'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** A notification channel's `kind`. */
export const CHANNEL_KINDS = ['webhook', 'slack', 'line', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** learnings.source */
export const LEARNING_SOURCES = ['system', 'person'] as const;
export type LearningSource = (typeof LEARNING_SOURCES)[number];

/** The database behind the console (health answer). */
export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * The columns the database constrains to a list: table → column → list. Migration 0003_enum_checks
 * created one CHECK constraint `<table>_<column>_check` for each; db/schema.ts declares the same
 * constraints from this table, and test/enum-checks.test.ts compares each constraint with its list.
 */
export const enumChecks = {
  worker_runs: { phase: PHASES, status: RUN_STATUSES },
  job_leases: { state: LEASE_STATES },
  lease_history: { event: LEASE_EVENTS },
  helper_events: { phase: PHASES, signal: SIGNALS },
  repair_actions: { action: REPAIR_ACTIONS, authority: AUTHORITIES, result: REPAIR_RESULTS, decision: REPAIR_DECISIONS, phase: PHASES },
  incidents: { signal: SIGNALS, status: INCIDENT_STATUSES },
  rule_sets: { updated_by_role: ROLES },
  api_tokens: { role: ROLES },
  users: { role: USER_ROLES, locale: LOCALES },
  d30_decisions: { decision: D30_DECISIONS },
  notifications: { status: NOTIFICATION_STATUSES },
} as const satisfies Record<string, Record<string, readonly string[]>>;
