import type { D30DecisionName, D30Recommendation, D30Snapshot } from '@/lib/schemas/metrics';

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

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const secs = (v: number) => (v >= 120 ? `${Math.round(v / 6) / 10} min` : `${v} s`);

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
  const owner: string[] = [];
  const agent: string[] = [];
  const fine: string[] = [];
  const c = f.counts;
  if (f.false_green_count > t.false_green_max) owner.push(`false green: ${f.false_green_count} job(s) completed without a passing artifact check (allowed: ${t.false_green_max})`);
  else fine.push(`no false green among ${c.completed_jobs} completed job(s)`);
  if (f.coverage === null) fine.push('no job failed in the window: coverage has nothing to measure');
  else if (f.coverage < t.coverage_floor)
    owner.push(
      `coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs fully classified) is below the floor ${pct(t.coverage_floor)}; ${c.unclassified_failure_events} unknown error event(s)`,
    );
  else if (f.coverage < t.coverage_goal)
    agent.push(
      `coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs fully classified) is below the goal ${pct(t.coverage_goal)}; ${c.unclassified_failure_events} unknown error event(s)`,
    );
  else fine.push(`coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs) meets the goal ${pct(t.coverage_goal)}`);
  if (f.retry_success_rate === null) fine.push('no automatic retry in the window');
  else if (f.retry_success_rate < t.retry_success_min)
    agent.push(`retry success ${pct(f.retry_success_rate)} (${c.retries_succeeded} of ${c.retries} automatic retries) is below ${pct(t.retry_success_min)}`);
  else fine.push(`retry success ${pct(f.retry_success_rate)} (${c.retries_succeeded} of ${c.retries}) is at least ${pct(t.retry_success_min)}`);
  if (f.mttd_s !== null && f.mttd_s > t.mttd_max_s) agent.push(`mean time to detect ${secs(f.mttd_s)} is over ${secs(t.mttd_max_s)} (${c.incidents} incident(s))`);
  else if (f.mttd_s !== null) fine.push(`mean time to detect ${secs(f.mttd_s)} is within ${secs(t.mttd_max_s)}`);
  if (f.mttr_s !== null && f.mttr_s > t.mttr_max_s) agent.push(`mean time to resolve ${secs(f.mttr_s)} is over ${secs(t.mttr_max_s)} (${c.incidents_resolved} resolved incident(s))`);
  else if (f.mttr_s !== null) fine.push(`mean time to resolve ${secs(f.mttr_s)} is within ${secs(t.mttr_max_s)}`);
  if (c.events === 0) fine.push('no helper events in the window: keep collecting evidence');
  const decision: D30DecisionName = owner.length ? 'change_owner' : agent.length ? 'escalate_to_watchdog_agent' : 'continue';
  const reasons = decision === 'continue' ? fine : [...owner, ...agent];
  return { decision, reasons, thresholds: { ...t } };
}
