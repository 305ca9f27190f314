import type { FieldError } from '@/components/lib/api';
import type { Rule } from '@/components/lib/types';
import { type Signal, signals } from '@/lib/schemas/common';
import { ruleParamProblems } from '@/lib/schemas/rules';

/**
 * The unit of each known param (null: a bare count or code). Its label and help line are in the
 * `rules` messages under `params.<name>`. The primary param is the rule's threshold.
 */
export const paramUnits: Record<string, 'seconds' | 'files' | null> = {
  timeout_s: 'seconds',
  max_retries: null,
  retry_delay_s: 'seconds',
  within_s: 'seconds',
  grace_s: 'seconds',
  expected_status: null,
  min_files: 'files',
  quiet_s: 'seconds',
  repeats: null,
  window_s: 'seconds',
  silent_s: 'seconds',
};

/**
 * A value's problem, as data: the page words it in the reader's language. `server` is the API's own
 * text when the problem came back from the server (shown as is in English).
 */
export type RuleProblem = (
  { key: 'enterNumber' | 'notNumber' | 'notFinite' | 'notWhole' } | { key: 'atLeast' | 'atMost'; limit: number } | { key: 'unknownParam'; signal: string } | { key: 'other'; text: string }
) & { server?: string };

/** lib/schemas/rules.ts's messages ("must be at least 1") read back into problems. */
export function problemOf(message: string): RuleProblem {
  const m = message.trim();
  if (m === 'must be a number') return { key: 'notNumber' };
  if (m === 'must be a finite number') return { key: 'notFinite' };
  if (m === 'must be a whole number') return { key: 'notWhole' };
  const bound = /^must be at (least|most) (-?\d+(?:\.\d+)?)$/.exec(m);
  if (bound) return { key: bound[1] === 'least' ? 'atLeast' : 'atMost', limit: Number(bound[2]) };
  const unknown = /^unknown param for (\S+)$/.exec(m);
  if (unknown) return { key: 'unknownParam', signal: unknown[1] };
  return { key: 'other', text: m.charAt(0).toUpperCase() + m.slice(1) };
}

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
export type DraftErrors = Record<string, Record<string, RuleProblem>>;

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
      (errors[r.signal] ??= {})[p.param] = raw !== undefined && raw.trim() === '' ? { key: 'enterNumber' } : problemOf(p.message);
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

/** A refusal not tied to one field: its path (may be empty) and problem. */
export interface GeneralError {
  path: string;
  problem: RuleProblem;
}

/** The API's field errors (`rules.<i>.threshold`, `rules.<i>.params.x`) by signal and field; the rest stays general. */
export function mapFieldErrors(sent: { signal: string }[], details: FieldError[]): { bySignal: DraftErrors; general: GeneralError[] } {
  const bySignal: DraftErrors = {};
  const general: GeneralError[] = [];
  for (const d of details) {
    const m = /^rules\.(\d+)\.(threshold|params\.(.+)|enabled)$/.exec(d.path);
    const signal = m ? (sent[Number(m[1])]?.signal as Signal | undefined) : undefined;
    if (signal && m) {
      const field = m[2] === 'threshold' ? primaryParams[signal] : m[2] === 'enabled' ? 'enabled' : m[3];
      (bySignal[signal] ??= {})[field] = { ...problemOf(d.message), server: d.message };
    } else general.push({ path: d.path, problem: { ...problemOf(d.message), server: d.message } });
  }
  return { bySignal, general };
}
