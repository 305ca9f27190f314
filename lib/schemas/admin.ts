import { z } from 'zod';
import { Identifier, RoleName, Signal, withoutNul, withoutNulMessage } from './common';
import { SIGNALS } from './enums';
import { D30DecisionName, RulesPreviewSummary } from './metrics';

export const RuleInput = z.object({
  signal: Signal,
  /** bounds are the signal's (lib/schemas/rules.ts), checked with the merged params so a problem names the rule */
  threshold: z.number().finite(),
  auto_repair: z.string().max(500).optional(),
  escalate: z.string().max(500).optional(),
  /** false: the signal is not detected (default true) */
  enabled: z.boolean().optional(),
  params: z.record(z.string().max(50), z.union([z.number().finite(), z.string().max(200), z.boolean()])).optional(),
});
export type RuleInput = z.infer<typeof RuleInput>;

const RuleInputs = z
  .array(RuleInput)
  .min(1)
  .max(SIGNALS.length)
  .refine((rules) => new Set(rules.map((r) => r.signal)).size === rules.length, 'each signal at most once');

export const RulesPutInput = z.object({
  rules: RuleInputs,
  note: z.string().max(500).optional(),
  /** the summary of the preview the owner ran before publishing: kept in the version's audit entry */
  preview: RulesPreviewSummary.optional(),
});
export type RulesPutInput = z.infer<typeof RulesPutInput>;

/** POST /api/watchdog/rules/preview: a draft (merged onto the rules in force as a PUT would be) and a window (default the last 7 days, at most 31). */
export const RulesPreviewInput = z.object({
  rules: RuleInputs,
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type RulesPreviewInput = z.infer<typeof RulesPreviewInput>;

export const TokenCreateInput = z.object({
  role: RoleName,
  worker_id: Identifier.nullish(),
  name: z.string().min(1).max(100).refine(withoutNul, withoutNulMessage),
});
export type TokenCreateInput = z.infer<typeof TokenCreateInput>;

export { UserCreateInput } from './people';

/** An audit filter value: exact, or a prefix when it ends with `*` (`access.*`, `supervisor:*`). */
const AuditMatch = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f*]+\*?$/, 'printable text, optionally ending with * (a prefix); * only at the end');

export const AuditQuery = z
  .object({
    cursor: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    job_id: Identifier.optional(),
    /** the action kind: `login.refused`, or a prefix such as `access.*` */
    action: AuditMatch.optional(),
    /** who acted, as the entry names them: `supervisor:sup@example.test`, or a prefix such as `anonymous:*` */
    actor: AuditMatch.optional(),
    /** entries at or after this time */
    from: z.iso.datetime({ offset: true }).optional(),
    /** entries before this time */
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], message: 'must be after from' });

export const D30Query = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The owner's D30 decision. `from`/`to`: the window the owner looked at (default: the last 30 days);
 * its figures are the ones stored. `note` is required when the decision differs from the recommendation
 * of that window (checked by the domain: 400 validation_failed naming `note`).
 */
export const D30DecisionInput = z.object({
  decision: D30DecisionName,
  note: z.string().max(2000).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
