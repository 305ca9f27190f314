import type { Signal } from '@/lib/schemas/common';
import type { RuleJson, RuleSetJson } from '@/lib/schemas/responses';

/**
 * The pure half of the rules: types, the version-1 defaults and param lookup. No database here,
 * so the worker-side runner (cli/runner) and classify.ts can use it without loading drizzle.
 */

export type RuleParams = Record<string, number | string | boolean>;

/** A rule and a rule set as the API shows them (lib/schemas/responses.ts; a type-only import: the runner loads no zod for it). */
export type Rule = RuleJson;
export type RuleSet = RuleSetJson;

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

/** Version 1: the defaults of API.md. */
export const defaultRules: Rule[] = [
  {
    signal: 'claim_no_output',
    threshold: 30,
    auto_repair: 'touch, then retry claim once (system)',
    escalate: 'second failure: notify owner',
    params: { timeout_s: 30, max_retries: 1 },
  },
  {
    signal: 'fetch_failed',
    threshold: 3,
    auto_repair: 'touch, sleep 3 s, retry once (system)',
    escalate: 'keep the claim payload and continue the build; second failure: needs human',
    params: { retry_delay_s: 3, max_retries: 1 },
  },
  {
    signal: 'lease_near_expiry',
    threshold: 180,
    auto_repair: 'progress heartbeat (system directive)',
    escalate: 'if the upload was interrupted: mark stuck',
    params: { within_s: 180 },
  },
  {
    signal: 'lease_expired',
    threshold: 0,
    auto_repair: 'mark stuck (system)',
    escalate: 'supervisor review',
    params: { grace_s: 0 },
  },
  {
    signal: 'queue_stuck',
    threshold: 300,
    auto_repair: 'release/reclaim request (pending)',
    escalate: 'supervisor decides',
    params: { grace_s: 300 },
  },
  {
    signal: 'artifact_gate_fail',
    threshold: 1,
    auto_repair: 'block complete (system)',
    escalate: 'mark stuck with evidence',
    params: { expected_status: 200, min_files: 1 },
  },
];

export function findRule(set: Pick<RuleSet, 'rules'>, signal: Signal): Rule {
  return set.rules.find((r) => r.signal === signal) ?? defaultRules.find((r) => r.signal === signal)!;
}

export function ruleParam(set: Pick<RuleSet, 'rules'>, signal: Signal, name: string): number {
  const v = findRule(set, signal).params[name];
  const fallback = defaultRules.find((r) => r.signal === signal)!.params[name];
  return typeof v === 'number' ? v : Number(fallback);
}
