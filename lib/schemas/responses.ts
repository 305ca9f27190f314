import { z } from 'zod';
import { IncidentPage, OncallIncident } from './oncall';
import { Learning } from './learnings';
import { Authority, RepairActionName, RepairDecision, RepairResult } from './evidence';
import { DatabaseKind, Phase, RoleName, Signal } from './common';
import { DIRECTIVE_ACTIONS, ESCALATIONS, LEASE_EVENTS, LEASE_STATES, RISK_LEVELS, RUN_STATUSES } from './enums';

/**
 * The shapes the API answers with, one schema per shape: the domain's `to…Json` mappers return the
 * types inferred here (`LeaseJson`, `HelperEventJson`, …), the console pages read the same types, and
 * the OpenAPI document (lib/openapi.ts) is generated from these schemas; test/openapi.test.ts holds
 * real answers against them.
 */

const Time = z.iso.datetime();
const NullableTime = Time.nullable();

export const HealthAnswer = z.object({
  status: z.enum(['ok', 'degraded']),
  database: DatabaseKind,
  version: z.string(),
});

export const WorkerRun = z.object({
  id: z.uuid(),
  worker_id: z.string(),
  job_id: z.string(),
  phase: Phase,
  status: z.enum(RUN_STATUSES),
  started_at: Time,
  ended_at: NullableTime,
  created_at: Time,
  updated_at: Time,
});
export type WorkerRunJson = z.output<typeof WorkerRun>;
export const WorkerRunAnswer = z.object({ run: WorkerRun });

export const Lease = z.object({
  job_id: z.string(),
  worker_id: z.string(),
  fencing_token: z.number().int(),
  lease_expires_at: Time,
  last_heartbeat_at: Time,
  acquired_at: Time,
  state: z.enum(LEASE_STATES),
  risk_level: z.enum(RISK_LEVELS),
  ready_for_reclaim: z.boolean(),
  completed_at: NullableTime,
  completed_artifact_check_id: z.uuid().nullable(),
});
export type LeaseJson = z.output<typeof Lease>;
export const Directive = z.object({ action: z.enum(DIRECTIVE_ACTIONS), reason: z.string() });
export type DirectiveJson = z.output<typeof Directive>;
export const LeaseAnswer = z.object({ lease: Lease, directives: z.array(Directive) });

export const SuggestedAction = z.object({
  action: RepairActionName,
  authority: Authority,
  delay_s: z.number().optional(),
  escalation: z.enum(ESCALATIONS).optional(),
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
  exit_code: z.number().int().nullable(),
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
export type HelperEventJson = z.output<typeof HelperEvent>;
export type SuggestedActionJson = z.output<typeof SuggestedAction>;
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
  authority: Authority,
  result: RepairResult.nullable(),
  suggestion: z.boolean(),
  evidence_event_ids: z.array(z.string()),
  note: z.string().nullable(),
  phase: Phase.nullable(),
  output_hash: z.string().nullable(),
  incident_id: z.uuid().nullable(),
  requested_by: z.string(),
  decision: RepairDecision.nullable(),
  decided_by: z.string().nullable(),
  decided_at: NullableTime,
  decision_note: z.string().nullable(),
  created_at: Time,
});
export type RepairActionJson = z.output<typeof RepairAction>;
export const RepairActionAnswer = z.object({ action: RepairAction });
/** A listed action carries its job's lease as it is now (additive: `null` when the job has no lease). */
export const RepairActionListItem = RepairAction.extend({ lease: Lease.nullable() });
export const RepairActionList = z.object({ actions: z.array(RepairActionListItem) });
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
export type ArtifactCheckJson = z.output<typeof ArtifactCheck>;
export const ArtifactCheckAnswer = z.object({ check: ArtifactCheck });
export const CompleteAnswer = z.object({ completed: z.literal(true), artifact_check_id: z.uuid() });

/** The incident as every answer shows it (lib/schemas/oncall.ts has the on-call shapes). */
export const Incident = OncallIncident;
export const IncidentList = IncidentPage;
export type IncidentJson = z.output<typeof Incident>;

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
export type AuditEntryJson = z.output<typeof AuditEntry>;
export const AuditPage = z.object({ entries: z.array(AuditEntry), next_cursor: z.string().nullable() });
export type AuditPageJson = z.output<typeof AuditPage>;
export const AuditVerification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  first_bad_id: z.number().int().optional(),
  reason: z.string().optional(),
  /** the newest entry checked (absent on an empty log): keep it elsewhere to notice a cut-off tail later */
  last_id: z.number().int().optional(),
  last_hash: z.string().optional(),
});
export type AuditVerificationJson = z.output<typeof AuditVerification>;

export const LeaseHistoryEntry = z.object({
  event: z.enum(LEASE_EVENTS),
  worker_id: z.string(),
  fencing_token: z.number().int(),
  lease_expires_at: NullableTime,
  at: Time,
  actor: z.string(),
});
export type LeaseHistoryEntryJson = z.output<typeof LeaseHistoryEntry>;
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
export type JobTimelineJson = z.output<typeof JobTimeline>;
export const JobListItem = Lease.extend({ open_incidents: z.number().int(), last_check_passed: z.boolean().nullable() });
export type JobListItemJson = z.output<typeof JobListItem>;
export const JobList = z.object({ jobs: z.array(JobListItem), next_cursor: z.string().nullable() });

export const Rule = z.object({
  signal: Signal,
  threshold: z.number(),
  auto_repair: z.string(),
  escalate: z.string(),
  enabled: z.boolean(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});
export type RuleJson = z.output<typeof Rule>;
export const RuleSet = z.object({
  version: z.number().int(),
  updated_at: Time,
  updated_by: z.string(),
  updated_by_role: z.string(),
  rules: z.array(Rule),
});
export type RuleSetJson = z.output<typeof RuleSet>;
export const RuleVersions = z.object({ versions: z.array(RuleSet) });
export type RuleVersionsJson = z.output<typeof RuleVersions>;

export const SweepAnswer = z.object({
  swept_at: Time,
  findings: z.array(z.object({ signal: Signal, job_id: z.string().nullable(), worker_id: z.string().optional(), incident_id: z.uuid().nullable(), action_id: z.uuid().nullable().optional() })),
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
export type TokenJson = z.output<typeof Token>;
export const TokenList = z.object({ tokens: z.array(Token) });
export const TokenAnswer = z.object({ token: Token });

/** The console overview (milestones D1/D7/D14/D30 derived from the data): lib/schemas/overview.ts. */
export { Overview as OverviewAnswer } from './overview';
export type { Milestone as MilestoneJson, MilestoneItem as MilestoneItemJson, Overview as OverviewJson } from './overview';
