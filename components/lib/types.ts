/**
 * Shapes of the API answers the console reads: the types inferred from the zod schemas of
 * lib/schemas/responses.ts, the same ones the domain's mappers return and the OpenAPI document shows.
 */
import type {
  ArtifactCheckJson,
  AuditEntryJson,
  AuditPageJson,
  AuditVerificationJson,
  HelperEventJson,
  IncidentJson,
  JobListItemJson,
  JobTimelineJson,
  LeaseHistoryEntryJson,
  RepairActionJson,
  RuleVersionsJson,
  TokenJson,
  WorkerRunJson,
} from '@/lib/schemas/responses';

export type { LeaseJson, MilestoneItemJson as MilestoneItem, MilestoneJson as Milestone, OverviewJson as Overview, RuleJson as Rule, RuleSetJson as RuleSet } from '@/lib/schemas/responses';

export type HelperEvent = HelperEventJson;
export type RepairAction = RepairActionJson;
export type ArtifactCheck = ArtifactCheckJson;
export type Incident = IncidentJson;
export type AuditEntry = AuditEntryJson;
export type WorkerRun = WorkerRunJson;
export type LeaseHistoryEntry = LeaseHistoryEntryJson;
export type ApiToken = TokenJson;
export type JobStory = JobTimelineJson;
export type JobListItem = JobListItemJson;
export type RuleVersions = RuleVersionsJson;
export type AuditPage = AuditPageJson;
export type AuditVerification = AuditVerificationJson;
