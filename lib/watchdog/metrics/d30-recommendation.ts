import type { D30DecisionName, D30Recommendation, D30Snapshot } from '@/lib/schemas/metrics';
import type { TextMessage } from '@/lib/schemas/message';
import { composeText } from './english-text';

/** The thresholds of the recommendation (docs/D30.md explains them). */
export const D30_THRESHOLDS = {
  /** coverage the rollout set out to reach; continuing needs at least this */
  coverage_goal: 0.8,
  /** below this the rules miss most failures: the rollout needs another owner */
  coverage_floor: 0.5,
  /** below this automatic retries do not repair: hand repairs to a watchdog agent */
  retry_success_min: 0.5,
  /** any false green means the gate leaked: the rollout needs another owner */
  false_green_max: 0,
  /** slower mean detection than this: escalate to a watchdog agent */
  mttd_max_s: 300,
  /** slower mean resolution than this: escalate to a watchdog agent */
  mttr_max_s: 4 * 3600,
} as const;

export const D30_GOAL = { coverage: D30_THRESHOLDS.coverage_goal } as const;

export type D30Figures = Pick<D30Snapshot, 'coverage' | 'retry_success_rate' | 'gate_pass_rate' | 'false_green_count' | 'mttd_s' | 'mttr_s' | 'counts'>;

/**
 * The D30 recommendation from the thresholds in `D30_THRESHOLDS` (docs/D30.md):
 * - `change_owner` when the watchdog failed at its core: a false green (the gate leaked), or coverage
 *   below the floor (the rules do not describe most failures);
 * - else `escalate_to_watchdog_agent` when the rules describe failures but do not repair them well enough:
 *   coverage below the goal, retries that mostly fail, or detection/resolution slower than the limits;
 * - else `continue`.
 * Every reason names the figure and the threshold it was held against.
 */
export function recommendD30(f: D30Figures): D30Recommendation {
  const t = D30_THRESHOLDS;
  type Reason = ReturnType<typeof composeText>;
  const owner: Reason[] = [];
  const agent: Reason[] = [];
  const fine: Reason[] = [];
  const say = (key: string, values?: TextMessage['values']) => composeText('metrics.reason', key, values);
  const c = f.counts;
  if (f.false_green_count > t.false_green_max) owner.push(say('falseGreen', { count: f.false_green_count, allowed: t.false_green_max }));
  else fine.push(say('noFalseGreen', { completed: c.completed_jobs }));
  const coverage = (key: string, goal: Record<string, number>) =>
    say(key, { coverage_rate: f.coverage ?? 0, covered: c.covered_jobs, failing: c.failing_jobs, unknown: c.unclassified_failure_events, ...goal });
  if (f.coverage === null) fine.push(say('noFailures'));
  else if (f.coverage < t.coverage_floor) owner.push(coverage('coverageBelowFloor', { floor_rate: t.coverage_floor }));
  else if (f.coverage < t.coverage_goal) agent.push(coverage('coverageBelowGoal', { goal_rate: t.coverage_goal }));
  else fine.push(coverage('coverageMet', { goal_rate: t.coverage_goal }));
  if (f.retry_success_rate === null) fine.push(say('noRetries'));
  else if (f.retry_success_rate < t.retry_success_min) agent.push(say('retryBelow', { rate: f.retry_success_rate, succeeded: c.retries_succeeded, retries: c.retries, min_rate: t.retry_success_min }));
  else fine.push(say('retryMet', { rate: f.retry_success_rate, succeeded: c.retries_succeeded, retries: c.retries, min_rate: t.retry_success_min }));
  if (f.mttd_s !== null && f.mttd_s > t.mttd_max_s) agent.push(say('mttdOver', { mttd_s: f.mttd_s, max_s: t.mttd_max_s, incidents: c.incidents }));
  else if (f.mttd_s !== null) fine.push(say('mttdWithin', { mttd_s: f.mttd_s, max_s: t.mttd_max_s }));
  if (f.mttr_s !== null && f.mttr_s > t.mttr_max_s) agent.push(say('mttrOver', { mttr_s: f.mttr_s, max_s: t.mttr_max_s, resolved: c.incidents_resolved }));
  else if (f.mttr_s !== null) fine.push(say('mttrWithin', { mttr_s: f.mttr_s, max_s: t.mttr_max_s }));
  if (c.events === 0) fine.push(say('noEvents'));
  const decision: D30DecisionName = owner.length ? 'change_owner' : agent.length ? 'escalate_to_watchdog_agent' : 'continue';
  const reasons = decision === 'continue' ? fine : [...owner, ...agent];
  return { decision, reasons: reasons.map((r) => r.text), reason_messages: reasons.map((r) => r.message), thresholds: { ...t } };
}
