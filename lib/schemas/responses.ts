import { z } from 'zod';
import { RepairActionName } from './evidence';
import { Phase, RoleName, Signal } from './common';
import { Learning } from './learnings';

/**
 * The shapes the API answers with (the `to…Json` mappers of lib/watchdog), one schema per shape. They
 * feed the OpenAPI document; test/openapi.test.ts holds real answers against them.
 */

const Time = z.iso.datetime();
const NullableTime = Time.nullable();

export const HealthAnswer = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['pglite', 'postgres']),
  version: z.string(),
});

export const WorkerRun = z.object({
  id: z.uuid(),
  worker_id: z.string(),
  job_id: z.string(),
  phase: Phase,
  status: z.enum(['ok', 'failed', 'retried', 'stuck']),
  started_at: Time,
  ended_at: NullableTime,
  created_at: Time,
  updated_at: Time,
});
export const WorkerRunAnswer = z.object({ run: WorkerRun });

export const Lease = z.object({
  job_id: z.string(),
  worker_id: z.string(),
  fencing_token: z.number().int(),
  lease_expires_at: Time,
  last_heartbeat_at: Time,
  acquired_at: Time,
  state: z.enum(['active', 'released', 'expired', 'completed']),
  risk_level: z.enum(['normal', 'near_expiry', 'expired', 'stale']),
  ready_for_reclaim: z.boolean(),
  completed_at: NullableTime,
  completed_artifact_check_id: z.uuid().nullable(),
});
export const Directive = z.object({ action: z.string(), reason: z.string() });
export const LeaseAnswer = z.object({ lease: Lease, directives: z.array(Directive) });

export const SuggestedAction = z.object({
  action: RepairActionName,
  authority: z.enum(['worker', 'system', 'supervisor']),
  delay_s: z.number().optional(),
  escalation: z.enum(['notify_owner', 'needs_human']).optional(),
});
export const Classification = z.object({
  signal: Signal.nullable(),
  rule_version: z.number().int(),
  suggested_actions: z.array(SuggestedAction),
});
export const HelperEvent = z.object({
  id: z.uuid(),
  job_id: z.string(),
  worker_id: z.string(),
  command: z.string(),
  phase: Phase.nullable(),
  exit_code: z.number().int(),
  output: z.string().nullable(),
  output_hash: z.string(),
  error_code: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  created_at: Time,
  received_at: Time,
  signal: Signal.nullable(),
  rule_version: z.number().int(),
  suggested_actions: z.array(SuggestedAction),
  incident_id: z.uuid().nullable(),
});
/** Learnings of the classified signal (only when the classification has one), newest first, at most three. */
const SignalLearnings = z.array(Learning).max(3).optional();
export const HelperEventAnswer = z.object({ event: HelperEvent, classification: Classification, incident_id: z.uuid().nullable(), learnings: SignalLearnings });
export const ErrorDetail = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
export const HelperEventBatchAnswer = z.object({
  results: z.array(
    z.object({
      id: z.string().nullable(),
      status: z.number().int(),
      error: ErrorDetail.optional(),
      classification: Classification.optional(),
      incident_id: z.uuid().nullable().optional(),
      learnings: SignalLearnings,
    }),
  ),
});

export const RepairAction = z.object({
  id: z.uuid(),
  job_id: z.string(),
  trigger: z.string(),
  action: RepairActionName,
  authority: z.enum(['worker', 'system', 'supervisor']),
  result: z.enum(['success', 'failed', 'needs_human', 'pending']).nullable(),
  suggestion: z.boolean(),
  evidence_event_ids: z.array(z.string()),
  note: z.string().nullable(),
  phase: z.string().nullable(),
  output_hash: z.string().nullable(),
  incident_id: z.uuid().nullable(),
  requested_by: z.string(),
  decision: z.enum(['approve', 'reject']).nullable(),
  decided_by: z.string().nullable(),
  decided_at: NullableTime,
  decision_note: z.string().nullable(),
  created_at: Time,
});
export const RepairActionAnswer = z.object({ action: RepairAction });
export const RepairActionList = z.object({ actions: z.array(RepairAction) });
export const DecisionAnswer = z.object({ action: RepairAction, lease: Lease.nullable() });

export const ArtifactCheck = z.object({
  id: z.uuid(),
  job_id: z.string(),
  primary_url: z.string(),
  files: z.array(z.unknown()),
  http_status: z.number().int().nullable(),
  file_count: z.number().int(),
  expected_file_count: z.number().int(),
  passed: z.boolean(),
  failure_reason: z.string().nullable(),
  checked_at: Time,
  requested_by: z.string(),
});
export const ArtifactCheckAnswer = z.object({ check: ArtifactCheck });
export const CompleteAnswer = z.object({ completed: z.literal(true), artifact_check_id: z.uuid() });

export const Incident = z.object({
  id: z.uuid(),
  job_id: z.string(),
  signal: Signal,
  status: z.enum(['open', 'resolved']),
  first_failure_at: Time,
  detected_at: Time,
  resolved_at: NullableTime,
  resolution: z.string().nullable(),
  evidence_event_ids: z.array(z.string()),
  details: z.record(z.string(), z.unknown()),
  rule_version: z.number().int(),
});
export const IncidentList = z.object({ incidents: z.array(Incident) });

export const AuditEntry = z.object({
  id: z.number().int(),
  at: Time,
  actor: z.string(),
  actor_role: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  job_id: z.string().nullable(),
  output_hash: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});
export const AuditPage = z.object({ entries: z.array(AuditEntry), next_cursor: z.string().nullable() });
export const AuditVerification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  first_bad_id: z.number().int().optional(),
  reason: z.string().optional(),
});

export const LeaseHistoryEntry = z.object({
  event: z.string(),
  worker_id: z.string(),
  fencing_token: z.number().int(),
  lease_expires_at: NullableTime,
  at: Time,
  actor: z.string(),
});
export const JobTimeline = z.object({
  job_id: z.string(),
  lease: Lease.nullable(),
  lease_history: z.array(LeaseHistoryEntry),
  runs: z.array(WorkerRun),
  events: z.array(HelperEvent),
  actions: z.array(RepairAction),
  checks: z.array(ArtifactCheck),
  incidents: z.array(Incident),
  audit: z.array(AuditEntry),
});
export const JobList = z.object({
  jobs: z.array(Lease.extend({ open_incidents: z.number().int(), last_check_passed: z.boolean().nullable() })),
});

export const Rule = z.object({
  signal: Signal,
  threshold: z.number(),
  auto_repair: z.string(),
  escalate: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});
export const RuleSet = z.object({
  version: z.number().int(),
  updated_at: Time,
  updated_by: z.string(),
  updated_by_role: z.string(),
  rules: z.array(Rule),
});
export const RuleVersions = z.object({ versions: z.array(RuleSet) });

export const SweepAnswer = z.object({
  swept_at: Time,
  findings: z.array(z.object({ signal: Signal, job_id: z.string(), incident_id: z.uuid().nullable(), action_id: z.uuid().nullable().optional() })),
});

export const TokenCreated = z.object({ id: z.uuid(), token: z.string() });
export const Token = z.object({
  id: z.uuid(),
  name: z.string(),
  role: RoleName,
  worker_id: z.string().nullable(),
  prefix: z.string(),
  created_at: Time,
  created_by: z.string(),
  revoked_at: NullableTime,
  last_used_at: NullableTime,
});
export const TokenList = z.object({ tokens: z.array(Token) });
export const TokenAnswer = z.object({ token: Token });

/** The console overview (milestones D1/D7/D14/D30 derived from the data); its fields belong to the overview. */
export const OverviewAnswer = z.record(z.string(), z.unknown());
