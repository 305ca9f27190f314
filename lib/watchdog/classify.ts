import type { Phase, Signal } from '@/lib/schemas/common';
import { type RuleSet, ruleParam } from './rule-defaults';

export interface SuggestedAction {
  action: 'touch' | 'retry' | 'heartbeat' | 'mark_stuck' | 'block_complete' | 'notify_owner' | 'release' | 'reclaim';
  authority: 'worker' | 'system' | 'supervisor';
  delay_s?: number;
  /** set on escalations: what the escalation means for a person */
  escalation?: 'notify_owner' | 'needs_human';
}

export interface Classification {
  signal: Signal | null;
  rule_version: number;
  suggested_actions: SuggestedAction[];
  escalated: boolean;
}

export interface ClassifiableEvent {
  command: string;
  phase?: Phase | null;
  exit_code: number;
  output?: string | null;
  error_code?: string | null;
  duration_ms?: number | null;
}

const FETCH_PHASES: readonly Phase[] = ['context', 'progress', 'upload', 'complete'];
const FETCH_ERROR_CODES = new Set(['INTERNAL_ERROR', 'FETCH_FAILED', 'HTTP_500', 'ECONNRESET_500']);
const FETCH_PATTERNS = [
  /TypeError:\s*fetch failed/i,
  /\bINTERNAL_ERROR\b/,
  /\bHTTP\/?[\d.]*\s+500\b/i,
  /\bstatus(?:\s*code)?\s*[:=]?\s*500\b/i,
  /\b500\s+(?:Internal Server Error|TypeError\b)/i,
  /(?:^|\n)\s*500\s*(?:\n|$)/,
];

/** The helper's phase: as reported, or read off the command (`pls upload-files 42` → upload). */
export function inferPhase(event: Pick<ClassifiableEvent, 'command' | 'phase'>): Phase | null {
  if (event.phase) return event.phase;
  const words = event.command.toLowerCase().split(/[\s/]+/);
  if (words.includes('upload-files') || words.includes('upload')) return 'upload';
  for (const p of ['claim', 'context', 'progress', 'complete', 'touch', 'doctor', 'build'] as const) if (words.includes(p)) return p;
  return null;
}

function isJson(text: string | null | undefined): boolean {
  const t = (text ?? '').trim();
  if (!t || (t[0] !== '{' && t[0] !== '[')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

export function showsFetchFailure(output: string | null | undefined, errorCode: string | null | undefined): boolean {
  if (errorCode && FETCH_ERROR_CODES.has(errorCode.toUpperCase())) return true;
  const text = output ?? '';
  return FETCH_PATTERNS.some((re) => re.test(text));
}

/** Which signal (if any) an event shows, by the rule set's thresholds. Pure. */
export function detectSignal(rules: Pick<RuleSet, 'rules'>, event: ClassifiableEvent): Signal | null {
  const phase = inferPhase(event);
  if (phase === 'claim') {
    const timeoutMs = ruleParam(rules, 'claim_no_output', 'timeout_s') * 1000;
    if (event.error_code?.toUpperCase() === 'NO_OUTPUT_TIMEOUT') return 'claim_no_output';
    if ((event.duration_ms ?? 0) >= timeoutMs && !isJson(event.output)) return 'claim_no_output';
  }
  if (phase && FETCH_PHASES.includes(phase) && showsFetchFailure(event.output, event.error_code)) return 'fetch_failed';
  return null;
}

/**
 * Classifies an event. `priorFailures` is how many earlier events of the same job, signal and
 * phase there were: within `max_retries` the repair is touch + retry; past it, escalation.
 */
export function classifyHelperEvent(rules: RuleSet, event: ClassifiableEvent, priorFailures: number): Classification {
  const signal = detectSignal(rules, event);
  if (!signal) return { signal: null, rule_version: rules.version, suggested_actions: [], escalated: false };
  const maxRetries = ruleParam(rules, signal, 'max_retries');
  if (priorFailures < maxRetries) {
    const delay = signal === 'fetch_failed' ? ruleParam(rules, 'fetch_failed', 'retry_delay_s') : 0;
    return {
      signal,
      rule_version: rules.version,
      suggested_actions: [
        { action: 'touch', authority: 'system' },
        delay > 0 ? { action: 'retry', authority: 'system', delay_s: delay } : { action: 'retry', authority: 'system' },
      ],
      escalated: false,
    };
  }
  return {
    signal,
    rule_version: rules.version,
    suggested_actions: [
      signal === 'claim_no_output'
        ? { action: 'notify_owner', authority: 'system', escalation: 'notify_owner' }
        : { action: 'notify_owner', authority: 'system', escalation: 'needs_human' },
    ],
    escalated: true,
  };
}
