import type { FieldError } from '@/components/lib/api';
import type { Rule } from '@/components/lib/types';
import type { RulesPutInput } from '@/lib/schemas/admin';

/** What each signal's threshold measures (mirrors primaryParam in lib/watchdog/rules.ts). */
export const thresholdUnits: Record<string, { param: string; unit: string; help: string }> = {
  claim_no_output: { param: 'timeout_s', unit: 's', help: 'a silent claim is killed after this many seconds' },
  fetch_failed: { param: 'retry_delay_s', unit: 's', help: 'wait before the one automatic retry' },
  lease_near_expiry: { param: 'within_s', unit: 's', help: 'heartbeat when the lease has less than this left' },
  lease_expired: { param: 'grace_s', unit: 's', help: 'grace after expiry before marking stuck' },
  queue_stuck: { param: 'grace_s', unit: 's', help: 'after expiry + this, ask a supervisor to reclaim' },
  artifact_gate_fail: { param: 'min_files', unit: 'files', help: 'files an artifact needs to pass the gate' },
};

export type Draft = Record<string, string>;

export function draftOf(rules: Rule[]): Draft {
  return Object.fromEntries(rules.map((r) => [r.signal, String(r.threshold)]));
}

/** Client-side checks before the API's own (which knows each param's bounds). */
export function validateDraft(rules: Rule[], draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const r of rules) {
    const raw = (draft[r.signal] ?? '').trim();
    if (raw === '') errors[r.signal] = 'Enter a number';
    else if (!/^\d+(\.\d+)?$/.test(raw)) errors[r.signal] = 'Must be a number of zero or more';
    else if (Number(raw) > 1_000_000) errors[r.signal] = 'Must be at most 1,000,000';
  }
  return errors;
}

export function changedSignals(rules: Rule[], draft: Draft): string[] {
  return rules.filter((r) => Number(draft[r.signal]) !== r.threshold).map((r) => r.signal);
}

export function putBody(rules: Rule[], draft: Draft, note: string): RulesPutInput {
  const body: RulesPutInput = { rules: rules.map((r) => ({ signal: r.signal, threshold: Number(draft[r.signal]) })) };
  if (note.trim()) body.note = note.trim();
  return body;
}

/** The API's field errors (`rules.<i>.threshold`, `rules.<i>.params.x`) by signal; the rest stays general. */
export function mapFieldErrors(sent: { signal: string }[], details: FieldError[]): { bySignal: Record<string, string>; general: string[] } {
  const bySignal: Record<string, string> = {};
  const general: string[] = [];
  for (const d of details) {
    const m = /^rules\.(\d+)\.(.+)$/.exec(d.path);
    const signal = m ? sent[Number(m[1])]?.signal : undefined;
    if (signal && m) {
      const msg = m[2] === 'threshold' ? d.message : `${m[2]}: ${d.message}`;
      bySignal[signal] = bySignal[signal] ? `${bySignal[signal]}; ${msg}` : msg;
    } else general.push(d.path ? `${d.path}: ${d.message}` : d.message);
  }
  return { bySignal, general };
}
