import { z } from 'zod';
import { Identifier, IsoDate, OutputHash, Phase, Uuid, withoutNul, withoutNulMessage } from './common';
import { AUTHORITIES, LEASE_STATES, REPAIR_ACTION_FILTERS, REPAIR_ACTIONS, REPAIR_DECISIONS, REPAIR_RESULTS, RUN_STATUSES } from './enums';

export const WorkerRunInput = z.object({
  id: Uuid,
  worker_id: Identifier,
  job_id: Identifier,
  phase: Phase,
  status: z.enum(RUN_STATUSES),
  started_at: IsoDate,
  ended_at: IsoDate.nullish(),
});
export type WorkerRunInput = z.infer<typeof WorkerRunInput>;

export const LeaseInput = z.object({
  worker_id: Identifier,
  lease_expires_at: IsoDate,
  fencing_token: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type LeaseInput = z.infer<typeof LeaseInput>;

const KiB = 1024;
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export const HelperEventInput = z.object({
  id: Uuid,
  job_id: Identifier,
  worker_id: Identifier,
  command: z
    .string()
    .min(1)
    .max(KiB)
    .refine((s) => utf8Bytes(s) <= KiB, 'at most 1 KiB')
    .refine(withoutNul, withoutNulMessage),
  phase: Phase.optional(),
  /** null: the process was killed before it exited (a timed-out claim); a failure like any non-zero code */
  exit_code: z.number().int().min(-255).max(1_000_000).nullable(),
  output: z
    .string()
    .max(64 * KiB)
    // Binary output may hold NUL: accepted (the hash is checked over it as sent) and stored with U+FFFD.
    .refine((s) => utf8Bytes(s) <= 64 * KiB, 'at most 64 KiB')
    .optional(),
  output_hash: OutputHash,
  error_code: z.string().min(1).max(100).refine(withoutNul, withoutNulMessage).optional(),
  duration_ms: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
  created_at: IsoDate.optional(),
});
export type HelperEventInput = z.infer<typeof HelperEventInput>;

export const HelperEventBatchInput = z.object({
  /** each element is judged on its own, so the batch only checks the envelope */
  events: z.array(z.unknown()).min(1).max(500),
});

export const RepairActionName = z.enum(REPAIR_ACTIONS);
export type RepairActionName = z.infer<typeof RepairActionName>;
export const Authority = z.enum(AUTHORITIES);
export const RepairResult = z.enum(REPAIR_RESULTS);
export const RepairDecision = z.enum(REPAIR_DECISIONS);

export const RepairActionInput = z.object({
  id: Uuid.optional(),
  job_id: Identifier,
  trigger: z.string().min(1).max(200),
  action: RepairActionName,
  authority: Authority,
  result: RepairResult.optional(),
  evidence_event_ids: z.array(Uuid).max(100).optional(),
  note: z.string().max(2000).optional(),
  phase: Phase.optional(),
  output_hash: OutputHash.optional(),
});
export type RepairActionInput = z.infer<typeof RepairActionInput>;

export const RepairActionQuery = z.object({
  status: z.enum(REPAIR_ACTION_FILTERS).default('all'),
  job_id: Identifier.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const DecisionInput = z.object({
  decision: RepairDecision,
  note: z.string().max(2000).optional(),
});
export type DecisionInput = z.infer<typeof DecisionInput>;

export const ArtifactCheckInput = z.object({
  job_id: Identifier,
  primary_url: z.string().min(1).max(2048),
  files: z
    .array(z.object({ name: z.string().min(1).max(500), url: z.string().min(1).max(2048).optional() }))
    .max(50)
    .optional(),
  expected_file_count: z.number().int().min(0).max(50).optional(),
});
export type ArtifactCheckInput = z.infer<typeof ArtifactCheckInput>;

export const CompleteInput = z.object({
  worker_id: Identifier,
  fencing_token: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  output_hash: OutputHash.optional(),
});
export type CompleteInput = z.infer<typeof CompleteInput>;

export const JobListQuery = z.object({
  q: z.string().max(200).optional(),
  /** only jobs whose lease is in this state */
  state: z.enum(LEASE_STATES).optional(),
  /** the `next_cursor` of the previous page */
  cursor: z.string().min(1).max(600).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
