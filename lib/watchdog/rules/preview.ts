import { signals, type Signal } from '@/lib/schemas/common';
import type { RuleInput } from '@/lib/schemas/admin';
import type { RulesPreview, RulesPreviewChange, RulesPreviewSide } from '@/lib/schemas/metrics';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { loadReplayEvidence } from './replay-evidence';
import { type Detection, detectionKey, type ReplayResult, replayRules } from './replay';
import type { RuleSet } from './rule-defaults';
import { getCurrentRules, mergeRules } from './rule-sets';

export const PREVIEW_DEFAULT_DAYS = 7;
export const PREVIEW_MAX_DAYS = 31;
export const PREVIEW_MAX_CHANGES = 500;
const DAY_MS = 86_400_000;

export interface PreviewInput {
  rules: RuleInput[];
  from?: string;
  to?: string;
}

/** The window: default the last 7 days; `from` before `to`; at most 31 days. A problem names the field. */
export function resolvePreviewWindow(input: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - PREVIEW_DEFAULT_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw validationFailed([{ path: 'from', message: `from (${from.toISOString()}) must be before to (${to.toISOString()})` }], 'from must be before to');
  }
  if (to.getTime() - from.getTime() > PREVIEW_MAX_DAYS * DAY_MS) {
    throw validationFailed([{ path: input.from ? 'from' : 'to', message: `the window is at most ${PREVIEW_MAX_DAYS} days` }], `the window is at most ${PREVIEW_MAX_DAYS} days`);
  }
  return { from, to };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * One side's figures, defined as the D30 figures are (lib/watchdog/metrics/d30-figures.ts), over the
 * replayed detections instead of the stored incidents: `incidents_by_signal` counts the (job or
 * worker, signal) pairs detected in the window; `coverage` is covered failing jobs / failing jobs
 * with the failures the rules would have classified; `mttd_s` the mean of detected − first failure.
 */
export function previewSide(result: ReplayResult, version: number | null): RulesPreviewSide {
  const bySignal = Object.fromEntries(signals.map((s) => [s, 0])) as Record<Signal, number>;
  for (const d of result.detections) bySignal[d.signal]++;
  const jobs = new Set(result.detections.filter((d) => d.job_id !== null).map((d) => d.job_id));
  const failing = [...result.failingSubjects.values()];
  const covered = failing.filter(Boolean).length;
  const detectS = result.detections.reduce((s, d) => s + Math.max(0, d.detected_at.getTime() - d.first_failure_at.getTime()) / 1000, 0);
  return {
    version,
    incidents_by_signal: bySignal,
    jobs_with_incidents: jobs.size,
    coverage: failing.length ? Math.round((covered / failing.length) * 10_000) / 10_000 : null,
    mttd_s: result.detections.length ? round1(detectS / result.detections.length) : null,
  };
}

/** Where two replays disagree: a pair detected by one side only, or at different times; ordered by time. */
export function diffDetections(current: Detection[], draft: Detection[]): RulesPreviewChange[] {
  const a = new Map(current.map((d) => [detectionKey(d), d]));
  const b = new Map(draft.map((d) => [detectionKey(d), d]));
  const out: (RulesPreviewChange & { at: number; key: string })[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (x && y && x.detected_at.getTime() === y.detected_at.getTime()) continue;
    const d = (x ?? y)!;
    out.push({
      key,
      at: Math.min(x?.detected_at.getTime() ?? Infinity, y?.detected_at.getTime() ?? Infinity),
      job_id: d.job_id,
      worker_id: x?.worker_id ?? y?.worker_id ?? null,
      signal: d.signal,
      current_detected_at: x?.detected_at.toISOString() ?? null,
      draft_detected_at: y?.detected_at.toISOString() ?? null,
    });
  }
  out.sort((p, q) => p.at - q.at || (p.key < q.key ? -1 : 1));
  return out.map(({ at: _at, key: _key, ...change }) => change);
}

/** Replays one rule set over a window: the detections and failures, nothing written. */
export async function replayWindow(ctx: Pick<Ctx, 'db' | 'now'>, rules: Pick<RuleSet, 'rules'>, window: { from: Date; to: Date }): Promise<ReplayResult> {
  const evidence = await loadReplayEvidence(ctx.db, { ...window, now: ctx.now }, [rules]);
  return replayRules(evidence, rules);
}

/**
 * POST /api/watchdog/rules/preview: the draft (merged onto the rules in force as a PUT would merge
 * it, and checked the same way) and the rules in force, replayed over the same stored evidence.
 * Reads only: no incident, action, notification or audit entry.
 */
export async function previewRules(ctx: Ctx, input: PreviewInput): Promise<RulesPreview> {
  const window = resolvePreviewWindow(input, ctx.now);
  const current = await getCurrentRules(ctx.db);
  const draft = { rules: mergeRules(current.rules, input.rules) };
  const evidence = await loadReplayEvidence(ctx.db, { ...window, now: ctx.now }, [current, draft]);
  const now = replayRules(evidence, current);
  const next = replayRules(evidence, draft);
  const changes = diffDetections(now.detections, next.detections);
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    current: previewSide(now, current.version),
    draft: previewSide(next, null),
    changes: changes.slice(0, PREVIEW_MAX_CHANGES),
    changes_total: changes.length,
  };
}
