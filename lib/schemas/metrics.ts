import { z } from 'zod';
import type { Signal as SignalName } from './common';
import { Signal } from './common';
import { D30_DECISIONS } from './enums';
import { TextMessage } from './message';

/** The three outcomes of the D30 review. */
export const D30DecisionName = z.enum(D30_DECISIONS);
export type D30DecisionName = z.infer<typeof D30DecisionName>;

const Rate = z.number().min(0).max(1).nullable();
const Count = z.number().int().min(0);

/** Incidents per signal, every signal named (0 when none): an object with one property per signal. */
const IncidentsBySignal = z.object(Object.fromEntries(Signal.options.map((s) => [s, Count])) as Record<SignalName, typeof Count>);

export const D30SeriesDay = z.object({
  /** UTC day, YYYY-MM-DD */
  day: z.string(),
  /** helper events created that day */
  events: Count,
  /** failing helper events that day (exit code ≠ 0 or classified into a signal) */
  failures: Count,
  /** incidents detected that day */
  incidents: Count,
  gate_passed: Count,
  gate_failed: Count,
  /** automatic retry attempts that day */
  retries: Count,
  retries_succeeded: Count,
});
export type D30SeriesDay = z.infer<typeof D30SeriesDay>;

export const D30Counts = z.object({
  events: Count,
  failing_jobs: Count,
  covered_jobs: Count,
  failure_events: Count,
  unclassified_failure_events: Count,
  incident_failures: Count,
  uncovered_incident_failures: Count,
  failed_checks: Count,
  uncovered_failed_checks: Count,
  retries: Count,
  retries_succeeded: Count,
  checks: Count,
  checks_passed: Count,
  completed_jobs: Count,
  incidents: Count,
  incidents_resolved: Count,
  incidents_open: Count,
});
export type D30Counts = z.infer<typeof D30Counts>;

export const D30Thresholds = z.object({
  coverage_goal: z.number(),
  coverage_floor: z.number(),
  retry_success_min: z.number(),
  false_green_max: z.number(),
  mttd_max_s: z.number(),
  mttr_max_s: z.number(),
});

export const D30Recommendation = z.object({
  decision: D30DecisionName,
  reasons: z.array(z.string()),
  /** `reasons` as messages (`metrics.reason.<key>` in the console's messages), one per reason, in the same order */
  reason_messages: z.array(TextMessage),
  thresholds: D30Thresholds,
});
export type D30Recommendation = z.infer<typeof D30Recommendation>;

/** An assumption of the rollout tested by the window's evidence; `holds: null` — not enough data. */
export const D30Assumption = z.object({
  text: z.string(),
  holds: z.boolean().nullable(),
  /** the figure that decides it */
  figure: z.string(),
  detail: z.string(),
  /** `text`, `figure` and `detail` as messages (`metrics.assumption.<key>` in the console's messages) */
  text_message: TextMessage,
  figure_message: TextMessage,
  detail_message: TextMessage,
});
export type D30Assumption = z.infer<typeof D30Assumption>;

export const D30Window = z.object({ from: z.iso.datetime(), to: z.iso.datetime() });

/** The figures a decision was taken on (the D30 answer without the decision list). */
export const D30Snapshot = z.object({
  window: D30Window,
  generated_at: z.iso.datetime(),
  goal: z.object({ coverage: z.number() }),
  coverage: Rate,
  retry_success_rate: Rate,
  gate_pass_rate: Rate,
  false_green_count: Count,
  mttd_s: z.number().min(0).nullable(),
  mttr_s: z.number().min(0).nullable(),
  incidents_by_signal: IncidentsBySignal,
  series: z.array(D30SeriesDay),
  counts: D30Counts,
  recommendation: D30Recommendation,
  assumptions: z.array(D30Assumption),
});
export type D30Snapshot = z.infer<typeof D30Snapshot>;

export const D30DecisionRecord = z.object({
  id: z.uuid(),
  decision: D30DecisionName,
  note: z.string().nullable(),
  decided_by: z.string(),
  decided_at: z.iso.datetime(),
  /** what the figures recommended when the owner decided */
  recommended: D30DecisionName.nullable(),
  window: D30Window.nullable(),
  coverage: Rate,
  retry_success_rate: Rate,
  gate_pass_rate: Rate,
  false_green_count: Count.nullable(),
});
export type D30DecisionRecord = z.infer<typeof D30DecisionRecord>;

/** `GET /api/watchdog/metrics/d30` */
export const D30Metrics = D30Snapshot.extend({
  /** recorded owner decisions, newest first */
  decisions: z.array(D30DecisionRecord),
});
export type D30Metrics = z.infer<typeof D30Metrics>;

/** `POST /api/watchdog/metrics/d30/decision` → 201 */
export const D30DecisionResult = z.object({
  decision: D30DecisionRecord.extend({ metrics: D30Snapshot }),
});

/** One side of a rules preview: what a rule set detects over the window, counted as the D30 figures count. */
export const RulesPreviewSide = z.object({
  /** the version in force for `current`; null for the draft */
  version: z.number().int().nullable(),
  incidents_by_signal: IncidentsBySignal,
  jobs_with_incidents: Count,
  coverage: Rate,
  mttd_s: z.number().nullable(),
});
export type RulesPreviewSide = z.infer<typeof RulesPreviewSide>;

/** A preview's figures without its list of changes: what the rules PUT may carry into its audit entry. */
export const RulesPreviewSummary = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  current: RulesPreviewSide,
  draft: RulesPreviewSide,
  changes_total: Count,
});
export type RulesPreviewSummary = z.infer<typeof RulesPreviewSummary>;

/** One (job or worker, signal) where the rules in force and the draft disagree; the missing side is null. */
export const RulesPreviewChange = z.object({
  job_id: z.string().nullable(),
  worker_id: z.string().nullable(),
  signal: Signal,
  current_detected_at: z.iso.datetime().nullable(),
  draft_detected_at: z.iso.datetime().nullable(),
});
export type RulesPreviewChange = z.infer<typeof RulesPreviewChange>;

/** POST /api/watchdog/rules/preview: the draft replayed beside the rules in force. */
export const RulesPreview = RulesPreviewSummary.extend({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  /** the first 500 changes by time */
  changes: z.array(RulesPreviewChange),
});
export type RulesPreview = z.infer<typeof RulesPreview>;
