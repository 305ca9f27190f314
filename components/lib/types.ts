/** Shapes of the API answers the console reads (type-only imports of the domain's JSON mappers). */
import type { toCheckJson } from '@/lib/watchdog/artifacts';
import type { toAuditJson } from '@/lib/watchdog/audit';
import type { toEventJson } from '@/lib/watchdog/events';
import type { toIncidentJson } from '@/lib/watchdog/incidents';
import type { listLeaseHistory, LeaseJson } from '@/lib/watchdog/leases';
import type { toActionJson } from '@/lib/watchdog/repairs';
import type { RuleSet } from '@/lib/watchdog/rules';
import type { toTokenJson } from '@/lib/watchdog/access';
import type { toRunJson } from '@/lib/watchdog/events';
import type { LearningJson } from '@/lib/watchdog/learnings';

export type { Milestone, MilestoneItem, Overview } from '@/lib/watchdog/metrics';
export type { Rule, RuleSet } from '@/lib/watchdog/rules';
export type { LeaseJson } from '@/lib/watchdog/leases';

export type HelperEvent = ReturnType<typeof toEventJson>;
export type RepairAction = ReturnType<typeof toActionJson>;
export type ArtifactCheck = ReturnType<typeof toCheckJson>;
export type Incident = ReturnType<typeof toIncidentJson>;
export type AuditEntry = ReturnType<typeof toAuditJson>;
export type WorkerRun = ReturnType<typeof toRunJson>;
export type LeaseHistoryEntry = Awaited<ReturnType<typeof listLeaseHistory>>[number];
export type ApiToken = ReturnType<typeof toTokenJson>;

export interface JobStory {
  job_id: string;
  lease: LeaseJson | null;
  lease_history: LeaseHistoryEntry[];
  runs: WorkerRun[];
  events: HelperEvent[];
  actions: RepairAction[];
  checks: ArtifactCheck[];
  incidents: Incident[];
  audit: AuditEntry[];
}

export type JobListItem = LeaseJson & { open_incidents: number; last_check_passed: boolean | null };

export interface RuleVersions {
  versions: RuleSet[];
}

export interface AuditPage {
  entries: AuditEntry[];
  next_cursor: string | null;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  first_bad_id?: number;
  reason?: string;
}

export type Learning = LearningJson;
export interface LearningPage {
  learnings: Learning[];
  next_cursor: string | null;
}
