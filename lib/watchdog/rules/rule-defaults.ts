import type { Severity, Signal } from '@/lib/schemas/common';

/**
 * The pure half of the rules: types, the version-1 defaults and param lookup. No database here,
 * so the worker-side runner (cli/runner) and classify.ts can use it without loading drizzle.
 */

export type RuleParams = Record<string, number | string | boolean>;

export interface Rule {
  signal: Signal;
  threshold: number;
  auto_repair: string;
  escalate: string;
  /** false: the signal is not detected */
  enabled: boolean;
  params: RuleParams;
}

export interface RuleSet {
  version: number;
  updated_at: string;
  updated_by: string;
  updated_by_role: string;
  rules: Rule[];
}

/** The param each signal's `threshold` mirrors; the two are kept equal. */
export const primaryParam: Record<Signal, string> = {
  claim_no_output: 'timeout_s',
  fetch_failed: 'retry_delay_s',
  lease_near_expiry: 'within_s',
  lease_expired: 'grace_s',
  queue_stuck: 'grace_s',
  artifact_gate_fail: 'min_files',
  no_progress: 'quiet_s',
  loop_detected: 'repeats',
  worker_silent: 'silent_s',
};

/** The signals API.md part 2 added; a database whose rules lack them gets them at start. */
export const fleetSignals = ['no_progress', 'loop_detected', 'worker_silent'] as const satisfies readonly Signal[];

/** Version 1: the defaults of API.md. */
export const defaultRules: Rule[] = [
  {
    signal: 'claim_no_output',
    threshold: 30,
    auto_repair: 'touch, then retry claim once (system)',
    escalate: 'second failure: notify owner',
    enabled: true,
    params: { timeout_s: 30, max_retries: 1, severity: 'warning' },
  },
  {
    signal: 'fetch_failed',
    threshold: 3,
    auto_repair: 'touch, sleep 3 s, retry once (system)',
    escalate: 'keep the claim payload and continue the build; second failure: needs human',
    enabled: true,
    params: { retry_delay_s: 3, max_retries: 1, severity: 'warning' },
  },
  {
    signal: 'lease_near_expiry',
    threshold: 180,
    auto_repair: 'progress heartbeat (system directive)',
    escalate: 'if the upload was interrupted: mark stuck',
    enabled: true,
    params: { within_s: 180, severity: 'warning' },
  },
  {
    signal: 'lease_expired',
    threshold: 0,
    auto_repair: 'mark stuck (system)',
    escalate: 'supervisor review',
    enabled: true,
    params: { grace_s: 0, severity: 'critical' },
  },
  {
    signal: 'queue_stuck',
    threshold: 300,
    auto_repair: 'release/reclaim request (pending)',
    escalate: 'supervisor decides',
    enabled: true,
    params: { grace_s: 300, severity: 'critical' },
  },
  {
    signal: 'artifact_gate_fail',
    threshold: 1,
    auto_repair: 'block complete (system)',
    escalate: 'mark stuck with evidence',
    enabled: true,
    params: { expected_status: 200, min_files: 1, severity: 'critical' },
  },
  {
    signal: 'no_progress',
    threshold: 900,
    auto_repair: 'notify owner (system)',
    escalate: 'supervisor may release',
    enabled: true,
    params: { quiet_s: 900, severity: 'warning' },
  },
  {
    signal: 'loop_detected',
    threshold: 5,
    auto_repair: 'notify owner (system)',
    escalate: 'supervisor may release or reclaim',
    enabled: true,
    params: { repeats: 5, window_s: 1800, severity: 'critical' },
  },
  {
    signal: 'worker_silent',
    threshold: 600,
    auto_repair: 'notify owner (system)',
    escalate: 'supervisor review',
    enabled: true,
    params: { silent_s: 600, severity: 'warning' },
  },
];

export function defaultRule(signal: Signal): Rule {
  return defaultRules.find((r) => r.signal === signal)!;
}

/**
 * A stored rule as the current code reads it: rules written before `enabled` and `params.severity`
 * existed are enabled with the signal's default severity; a param the rule lacks takes its default.
 */
export function normalizeRule(rule: Partial<Rule> & { signal: Signal }): Rule {
  const base = defaultRule(rule.signal);
  return {
    signal: rule.signal,
    threshold: typeof rule.threshold === 'number' ? rule.threshold : base.threshold,
    auto_repair: rule.auto_repair ?? base.auto_repair,
    escalate: rule.escalate ?? base.escalate,
    enabled: rule.enabled ?? true,
    params: { ...base.params, ...(rule.params ?? {}) },
  };
}

export function findRule(set: Pick<RuleSet, 'rules'>, signal: Signal): Rule {
  const found = set.rules.find((r) => r.signal === signal);
  return found ? normalizeRule(found) : defaultRule(signal);
}

/** Is the signal detected under these rules? A rule set without the signal uses its default (enabled). */
export function ruleEnabled(set: Pick<RuleSet, 'rules'>, signal: Signal): boolean {
  return set.rules.find((r) => r.signal === signal)?.enabled !== false;
}

export function ruleSeverity(set: Pick<RuleSet, 'rules'>, signal: Signal): Severity {
  const v = findRule(set, signal).params.severity;
  return v === 'critical' || v === 'warning' ? v : (defaultRule(signal).params.severity as Severity);
}

export function ruleParam(set: Pick<RuleSet, 'rules'>, signal: Signal, name: string): number {
  const v = findRule(set, signal).params[name];
  const fallback = defaultRules.find((r) => r.signal === signal)!.params[name];
  return typeof v === 'number' ? v : Number(fallback);
}
