import type { FieldError } from '@/components/lib/api';
import type { Rule } from '@/components/lib/types';
import { type Signal, signals } from '@/lib/schemas/common';
import { ruleParamProblems } from '@/lib/schemas/rules';

/** What each param measures, for its label and help line. The primary param is the rule's threshold. */
export const paramInfo: Record<string, { label: string; unit: string; help: string }> = {
  timeout_s: { label: 'Claim timeout', unit: 's', help: 'a silent claim is killed after this many seconds' },
  max_retries: { label: 'Automatic retries', unit: '', help: 'retries before the next failure escalates' },
  retry_delay_s: { label: 'Retry delay', unit: 's', help: 'wait before the one automatic retry' },
  within_s: { label: 'Near-expiry window', unit: 's', help: 'heartbeat when the lease has less than this left' },
  grace_s: { label: 'Grace', unit: 's', help: 'after the lease expiry, before this signal' },
  expected_status: { label: 'Expected status', unit: '', help: 'the HTTP status an artifact must answer' },
  min_files: { label: 'Minimum files', unit: 'files', help: 'files an artifact needs to pass the gate' },
  quiet_s: { label: 'Quiet time', unit: 's', help: 'alive but no new output or phase for this long' },
  repeats: { label: 'Repeats', unit: '', help: 'the same command and output this many times is a loop' },
  window_s: { label: 'Window', unit: 's', help: 'the repeats must fall within this time' },
  silent_s: { label: 'Silence', unit: 's', help: 'a worker not seen for this long is silent' },
};

/** The primary param of each signal (mirrors primaryParam in lib/watchdog/rules/rule-defaults.ts). */
export const primaryParams: Record<Signal, string> = {
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

export interface RuleDraft {
  /** numeric params as typed */
  params: Record<string, string>;
  severity: string;
  enabled: boolean;
}
export type Draft = Record<string, RuleDraft>;
/** field errors by signal, then by field (a param name, or `rule`) */
export type DraftErrors = Record<string, Record<string, string>>;

/** The numeric params of a rule, the primary one first. */
export function numericParams(rule: Rule): string[] {
  const primary = primaryParams[rule.signal];
  return [primary, ...Object.keys(rule.params).filter((k) => k !== primary && k !== 'severity' && typeof rule.params[k] === 'number')];
}

export function draftOf(rules: Rule[]): Draft {
  return Object.fromEntries(
    rules.map((r) => [r.signal, { params: Object.fromEntries(numericParams(r).map((k) => [k, String(r.params[k])])), severity: String(r.params.severity ?? 'warning'), enabled: r.enabled }]),
  );
}

/** A typed value as the API would receive it: a number when it reads as one, else the text (which the schema refuses). */
function typed(raw: string): number | string {
  const t = raw.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function draftParams(rule: Rule, d: RuleDraft): Record<string, number | string> {
  return { ...Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, typed(v)])), severity: d.severity };
}

/** The same check as the server's (lib/schemas/rules.ts), so no value it would refuse is sent. */
export function validateDraft(rules: Rule[], draft: Draft): DraftErrors {
  const errors: DraftErrors = {};
  for (const r of rules) {
    const d = draft[r.signal];
    if (!d || !signals.includes(r.signal)) continue;
    for (const p of ruleParamProblems(r.signal, draftParams(r, d))) {
      const raw = d.params[p.param];
      (errors[r.signal] ??= {})[p.param] = raw !== undefined && raw.trim() === '' ? 'Enter a number' : p.message.charAt(0).toUpperCase() + p.message.slice(1);
    }
  }
  return errors;
}

function ruleChanged(r: Rule, d: RuleDraft | undefined): boolean {
  if (!d) return false;
  if (d.enabled !== r.enabled || d.severity !== String(r.params.severity)) return true;
  return Object.entries(d.params).some(([k, v]) => typed(v) !== r.params[k]);
}

export function changedSignals(rules: Rule[], draft: Draft): string[] {
  return rules.filter((r) => ruleChanged(r, draft[r.signal])).map((r) => r.signal);
}

/** Only the changed rules are sent; the threshold is the primary param. */
export function putBody(rules: Rule[], draft: Draft, note: string) {
  const body: { rules: { signal: Signal; threshold: number; enabled: boolean; params: Record<string, number | string> }[]; note?: string } = {
    rules: rules
      .filter((r) => ruleChanged(r, draft[r.signal]))
      .map((r) => {
        const params = draftParams(r, draft[r.signal]);
        return { signal: r.signal, threshold: Number(params[primaryParams[r.signal]]), enabled: draft[r.signal].enabled, params };
      }),
  };
  if (note.trim()) body.note = note.trim();
  return body;
}

/** The API's field errors (`rules.<i>.threshold`, `rules.<i>.params.x`) by signal and field; the rest stays general. */
export function mapFieldErrors(sent: { signal: string }[], details: FieldError[]): { bySignal: DraftErrors; general: string[] } {
  const bySignal: DraftErrors = {};
  const general: string[] = [];
  for (const d of details) {
    const m = /^rules\.(\d+)\.(threshold|params\.(.+)|enabled)$/.exec(d.path);
    const signal = m ? (sent[Number(m[1])]?.signal as Signal | undefined) : undefined;
    if (signal && m) {
      const field = m[2] === 'threshold' ? primaryParams[signal] : m[2] === 'enabled' ? 'enabled' : m[3];
      (bySignal[signal] ??= {})[field] = d.message;
    } else general.push(d.path ? `${d.path}: ${d.message}` : d.message);
  }
  return { bySignal, general };
}
