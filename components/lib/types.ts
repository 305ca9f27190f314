/**
 * The shapes of the API answers the console reads: `z.infer` of the one zod schema per shape in lib/schemas/
 * (the schemas the OpenAPI document is made of), so the UI, the routes and the document cannot drift apart.
 */
import type { z } from 'zod';
import type { D30DecisionResult } from '@/lib/schemas/metrics';
import type * as F from '@/lib/schemas/fleet';
import type * as O from '@/lib/schemas/oncall';
import type * as L from '@/lib/schemas/learnings';
import type * as P from '@/lib/schemas/people';
import type * as R from '@/lib/schemas/responses';

export type { Milestone, Overview } from '@/lib/schemas/overview';
export type { D30Metrics } from '@/lib/schemas/metrics';
export type { RoleName } from '@/lib/schemas/common';

export type LeaseJson = z.infer<typeof R.Lease>;
export type RepairAction = z.infer<typeof R.RepairAction>;
export type Incident = z.infer<typeof R.Incident>;
export type AuditEntry = z.infer<typeof R.AuditEntry>;
export type Rule = z.infer<typeof R.Rule>;
export type RuleSet = z.infer<typeof R.RuleSet>;

/** `GET /api/watchdog/jobs/:job_id`: the job's whole story */
export type JobStory = z.infer<typeof R.JobTimeline>;
/** `GET /api/watchdog/jobs` */
export type JobList = z.infer<typeof R.JobList>;
export type RepairActionList = z.infer<typeof R.RepairActionList>;
/** `POST /api/watchdog/repair-actions/:id/decision` */
export type DecisionAnswer = z.infer<typeof R.DecisionAnswer>;
export type RuleVersions = z.infer<typeof R.RuleVersions>;
export type AuditPage = z.infer<typeof R.AuditPage>;
export type AuditVerification = z.infer<typeof R.AuditVerification>;
export type TokenList = z.infer<typeof R.TokenList>;
export type TokenCreated = z.infer<typeof R.TokenCreated>;
export type TokenAnswer = z.infer<typeof R.TokenAnswer>;
export type D30DecisionAnswer = z.infer<typeof D30DecisionResult>;

/** `GET /api/watchdog/workers` and `/workers/:worker_id` (lib/schemas/fleet.ts) */
export type WorkerStatus = z.infer<typeof F.WorkerStatus>;
export type WorkerList = z.infer<typeof F.WorkerList>;
export type WorkerDetail = z.infer<typeof F.WorkerAnswer>;

/** On-call (lib/schemas/oncall.ts): incidents paged, one incident's detail (with its delivery log), silences, channels */
export type IncidentPage = z.infer<typeof O.IncidentPage>;
export type IncidentDetail = z.infer<typeof O.IncidentDetail>;
/** `POST /api/watchdog/incidents/:id/acknowledge` and `/resolve` */
export type IncidentAnswer = z.infer<typeof O.IncidentAnswer>;
export type Silence = z.infer<typeof O.Silence>;
export type SilenceList = z.infer<typeof O.SilenceList>;
export type SilenceAnswer = z.infer<typeof O.SilenceAnswer>;
export type Channel = z.infer<typeof O.Channel>;
export type ChannelList = z.infer<typeof O.ChannelList>;
export type ChannelAnswer = z.infer<typeof O.ChannelAnswer>;
/** `POST /api/watchdog/channels/:id/test` */
export type ChannelTestAnswer = z.infer<typeof O.ChannelTestAnswer>;
export type DeliveryOutcome = z.infer<typeof O.DeliveryOutcome>;

/** People (lib/schemas/people.ts): `GET /api/watchdog/users`, `POST /users`, `PATCH /users/:id` */
export type UserList = z.infer<typeof P.UserList>;
export type UserAnswer = z.infer<typeof P.UserAnswer>;

/** Learning memory (lib/schemas/learnings.ts): `GET /api/watchdog/learnings` */
export type Learning = z.infer<typeof L.Learning>;
export type LearningPage = z.infer<typeof L.LearningPage>;
export type { RulesPreview } from '@/lib/schemas/metrics';
