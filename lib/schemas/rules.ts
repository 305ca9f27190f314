import { z } from 'zod';
import { Severity, type Signal } from './common';

/**
 * The params of each signal's rule, with their bounds: the one check the server applies to a rule
 * change (lib/watchdog/rules/rule-sets.ts) and the rules page applies before it lets a change be saved.
 * A duration that a detection waits for must be positive; grace periods and delays may be zero.
 */
const num = (min: number, max: number, opts: { int?: boolean } = {}) => {
  let n = z.number({ error: 'must be a number' }).finite('must be a finite number');
  if (opts.int) n = n.int('must be a whole number');
  return n.min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
};

export const ruleParamsSchemas = {
  claim_no_output: z.strictObject({ timeout_s: num(1, 3600), max_retries: num(0, 5, { int: true }), severity: Severity }),
  fetch_failed: z.strictObject({ retry_delay_s: num(0, 600), max_retries: num(0, 5, { int: true }), severity: Severity }),
  lease_near_expiry: z.strictObject({ within_s: num(1, 86_400), severity: Severity }),
  lease_expired: z.strictObject({ grace_s: num(0, 86_400), severity: Severity }),
  queue_stuck: z.strictObject({ grace_s: num(0, 86_400), severity: Severity }),
  artifact_gate_fail: z.strictObject({ expected_status: num(100, 599, { int: true }), min_files: num(0, 50, { int: true }), severity: Severity }),
  no_progress: z.strictObject({ quiet_s: num(60, 86_400), severity: Severity }),
  loop_detected: z.strictObject({ repeats: num(2, 100, { int: true }), window_s: num(1, 86_400), severity: Severity }),
  // at most 23 h: a worker counts as silent only while it was seen in the last 24 h
  worker_silent: z.strictObject({ silent_s: num(30, 82_800), severity: Severity }),
} as const satisfies Record<Signal, z.ZodType>;

export interface RuleParamProblem {
  signal: Signal;
  param: string;
  message: string;
}

/** The problems of one rule's complete params (empty when valid), each naming the signal and the param. */
export function ruleParamProblems(signal: Signal, params: Record<string, unknown>): RuleParamProblem[] {
  const r = ruleParamsSchemas[signal].safeParse(params);
  if (r.success) return [];
  return r.error.issues.map((i) => {
    const param = i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.map(String).join('.');
    const message = i.code === 'unrecognized_keys' ? `unknown param for ${signal}` : i.message;
    return { signal, param, message };
  });
}
