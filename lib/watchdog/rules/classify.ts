import type { Phase, Signal } from '@/lib/schemas/common';
import { type RuleSet, ruleEnabled, ruleParam } from './rule-defaults';
import type { Authority, Escalation, RepairActionName } from '@/lib/schemas/enums';

export interface SuggestedAction {
  action: RepairActionName;
  authority: Authority;
  delay_s?: number;
  /** set on escalations: what the escalation means for a person */
  escalation?: Escalation;
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
  /** null: killed before it exited */
  exit_code: number | null;
  output?: string | null;
  error_code?: string | null;
  duration_ms?: number | null;
}

const FETCH_PHASES: readonly Phase[] = ['context', 'progress', 'upload', 'complete'];

/** error_code values that on their own mean "the console/API answered 500 or could not be fetched". */
const FETCH_ERROR_CODES = new Set(['INTERNAL_ERROR', 'FETCH_FAILED', 'HTTP_500', 'HTTP500', 'E500', '500', 'INTERNAL_SERVER_ERROR']);

/** Words that, right after a "500", show the number is a count or a size, not a status. */
const NOT_A_STATUS = String.raw`(?!\s*(?:\/|%|files?\b|items?\b|records?\b|rows?\b|lines?\b|bytes?\b|[kmg]i?b\b|ms\b|s\b|sec|seconds?\b|minutes?\b|jobs?\b|chunks?\b|parts?\b|objects?\b|entries\b|tokens?\b|words?\b|chars?\b|characters?\b))`;

/**
 * What "shows HTTP 500 / TypeError: fetch failed / INTERNAL_ERROR" means in a helper's output.
 * Each pattern needs a status context around the 500 (HTTP, status, code, "Internal Server
 * Error", "responded with"), so counts and sizes ("uploaded 500 files", "500 ms") are not failures.
 */
const FETCH_PATTERNS: RegExp[] = [
  /\bfetch failed\b/i,
  /(?<![\w-])INTERNAL_ERROR(?!\w)/i,
  /\bInternal Server Error\b/i,
  new RegExp(String.raw`\bHTTP(?:\/\d(?:\.\d)?)?\s*(?:error|status(?:\s*code)?)?\s*[:#=]?\s*["']?500\b` + NOT_A_STATUS, 'i'),
  new RegExp(String.raw`\bstatus(?:[ _-]?code)?["']?\s*[:=]?\s*["']?500\b` + NOT_A_STATUS, 'i'),
  new RegExp(String.raw`["']?\b(?:code|error(?:[ _-]?code)?)["']?\s*[:=]\s*["']?500\b` + NOT_A_STATUS, 'i'),
  new RegExp(String.raw`\berror\s+500\b` + NOT_A_STATUS, 'i'),
  new RegExp(String.raw`\b(?:responded|answered|returned|replied|failed)\s+(?:with\s+)?(?:an?\s+)?(?:HTTP\s+)?(?:status\s+)?500\b` + NOT_A_STATUS, 'i'),
  /\b500\s+(?:TypeError|Error)\b/,
];

const PHASE_WORDS: Record<string, Phase> = {
  doctor: 'doctor',
  touch: 'touch',
  claim: 'claim',
  context: 'context',
  progress: 'progress',
  build: 'build',
  upload: 'upload',
  'upload-files': 'upload',
  upload_files: 'upload',
  complete: 'complete',
};

/**
 * The helper's phase: as reported, or read off the command (`pls upload-files 42` → upload).
 * The first phase word of the command counts, so `pls progress --message "claim done"` is progress.
 */
export function inferPhase(event: Pick<ClassifiableEvent, 'command' | 'phase'>): Phase | null {
  if (event.phase) return event.phase;
  for (const word of event.command.toLowerCase().split(/[\s/'"=]+/)) {
    if (!word || word.startsWith('-')) continue;
    const phase = PHASE_WORDS[word];
    if (phase) return phase;
  }
  return null;
}

function parsesAsJsonDocument(text: string): boolean {
  const t = text.trim();
  if (!t || (t[0] !== '{' && t[0] !== '[')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** Did the helper print JSON on stdout: the whole output, or (after log lines) its last line? */
export function hasJsonOutput(text: string | null | undefined): boolean {
  if (!text) return false;
  if (parsesAsJsonDocument(text)) return true;
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.length > 1 && parsesAsJsonDocument(lines[lines.length - 1]);
}

export function showsFetchFailure(output: string | null | undefined, errorCode: string | null | undefined): boolean {
  if (errorCode) {
    const code = errorCode
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, '_');
    if (FETCH_ERROR_CODES.has(code)) return true;
    if (FETCH_PATTERNS.some((re) => re.test(errorCode))) return true;
  }
  const text = output ?? '';
  return FETCH_PATTERNS.some((re) => re.test(text));
}

/** Which signal (if any) an event shows, by the rule set's thresholds; a disabled rule detects nothing. Pure. */
export function detectSignal(rules: Pick<RuleSet, 'rules'>, event: ClassifiableEvent): Signal | null {
  const phase = inferPhase(event);
  if (phase === 'claim') {
    if (!ruleEnabled(rules, 'claim_no_output')) return null;
    if (event.error_code?.trim().toUpperCase() === 'NO_OUTPUT_TIMEOUT') return 'claim_no_output';
    const timeoutMs = ruleParam(rules, 'claim_no_output', 'timeout_s') * 1000;
    if (event.duration_ms != null && event.duration_ms >= timeoutMs && !hasJsonOutput(event.output)) return 'claim_no_output';
    // killed before it exited (no exit code) without printing its JSON: the silent claim, whatever the clock said
    if (event.exit_code === null && !hasJsonOutput(event.output)) return 'claim_no_output';
    return null;
  }
  if (phase && FETCH_PHASES.includes(phase) && ruleEnabled(rules, 'fetch_failed') && showsFetchFailure(event.output, event.error_code)) return 'fetch_failed';
  return null;
}

/**
 * Classifies an event. `priorFailures` is how many earlier events of the same job, signal and
 * phase there were: within `max_retries` the repair is touch + retry; past it, escalation
 * (`notify_owner` for a silent claim, `needs_human` for a fetch that failed again).
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
      suggested_actions: [{ action: 'touch', authority: 'system' }, delay > 0 ? { action: 'retry', authority: 'system', delay_s: delay } : { action: 'retry', authority: 'system' }],
      escalated: false,
    };
  }
  return {
    signal,
    rule_version: rules.version,
    suggested_actions: [
      signal === 'claim_no_output' ? { action: 'notify_owner', authority: 'system', escalation: 'notify_owner' } : { action: 'notify_owner', authority: 'system', escalation: 'needs_human' },
    ],
    escalated: true,
  };
}
