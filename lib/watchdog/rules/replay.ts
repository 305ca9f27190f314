import type { Signal } from '@/lib/schemas/common';
import { detectSignal } from './classify';
import type { ProgressGap, ReplayEvent, ReplayEvidence } from './replay-evidence';
import { type RuleSet, findRule, ruleEnabled, ruleParam } from './rule-defaults';
import { judgeArtifactCheck, judgeLeaseExpired, judgeLoop, judgeNoProgress, judgeQueueStuck, judgeWorkerSilent } from './signals';

/**
 * The replay: the stored evidence of a window judged by a rule set, with the same functions the live
 * path calls — detectSignal (classify.ts) for the event signals, judgeLoop, judgeLeaseExpired,
 * judgeQueueStuck, judgeNoProgress, judgeWorkerSilent and judgeArtifactCheck (signals/). Pure: the
 * evidence comes from replay-evidence.ts, nothing is written.
 *
 * Time-based signals are judged as a sweep running at every deadline would judge them: at the
 * instant the rule first holds between two changes of the evidence (a heartbeat, a new output, a
 * sighting). Event signals are detected when the console received the event, as live.
 */

export interface Detection {
  signal: Signal;
  job_id: string | null;
  worker_id: string | null;
  detected_at: Date;
  /** when the failure began, as the live path records it (the D30 mttd counts from here) */
  first_failure_at: Date;
}

export interface ReplayResult {
  /** the first detection of each (job or worker, signal) in the window */
  detections: Detection[];
  /** jobs (or `worker:<id>`) with a failure in the window, and whether every failure was covered */
  failingSubjects: Map<string, boolean>;
}

export const subjectOf = (d: Pick<Detection, 'job_id' | 'worker_id'>) => d.job_id ?? `worker:${d.worker_id}`;
export const detectionKey = (d: Pick<Detection, 'job_id' | 'worker_id' | 'signal'>) => `${subjectOf(d)}|${d.signal}`;

/** Signals whose failure is the incident itself (D30 coverage, part 2): covered when the rule names a repair. */
const INCIDENT_FAILURES: Signal[] = ['lease_expired', 'queue_stuck', 'no_progress', 'loop_detected', 'worker_silent'];

export function replayRules(ev: ReplayEvidence, rules: Pick<RuleSet, 'rules'>): ReplayResult {
  const first = new Map<string, Detection>();
  const inWindow = (t: Date) => t.getTime() >= ev.from.getTime() && t.getTime() < ev.to.getTime() && t.getTime() <= ev.end.getTime();
  const note = (d: Detection) => {
    if (!inWindow(d.detected_at)) return;
    const key = detectionKey(d);
    const had = first.get(key);
    if (!had || d.detected_at.getTime() < had.detected_at.getTime()) first.set(key, d);
  };
  const failing = new Map<string, boolean>();
  const fail = (subject: string, covered: boolean) => failing.set(subject, (failing.get(subject) ?? true) && covered);

  // event signals: the classifier, event by event
  const signalled = new Set<string>();
  for (const e of ev.candidates) {
    const signal = detectSignal(rules, e);
    if (!signal) continue;
    signalled.add(e.id);
    note({ signal, job_id: e.job_id, worker_id: e.worker_id, detected_at: e.received_at, first_failure_at: e.created_at });
    fail(e.job_id, true);
  }
  const looped = replayLoops(ev.series, rules, signalled);
  for (const e of looped) {
    if (!inWindow(e.created_at)) continue;
    note({ signal: 'loop_detected', job_id: e.job_id, worker_id: e.worker_id, detected_at: e.received_at, first_failure_at: e.created_at });
  }
  const loopedIds = new Set(looped.map((e) => e.id));
  for (const f of ev.failing) fail(f.job_id, signalled.has(f.id) || loopedIds.has(f.id));

  for (const d of replayLeases(ev, rules)) note(d);
  for (const d of replaySilences(ev, rules)) note(d);

  // artifact_gate_fail: each stored check judged again; a refused complete is the gate's own evidence
  const expected_status = ruleParam(rules, 'artifact_gate_fail', 'expected_status');
  for (const c of ev.checks) {
    const verdict = judgeArtifactCheck(
      { primaryError: c.http_status == null ? (c.failure_reason ?? 'no answer') : null, httpStatus: c.http_status, fileCount: c.file_count, expectedFileCount: c.expected_file_count },
      { expected_status },
    );
    if (verdict.passed) continue;
    note({ signal: 'artifact_gate_fail', job_id: c.job_id, worker_id: c.worker_id, detected_at: c.checked_at, first_failure_at: c.checked_at });
    // a failed check opens (or finds open) the job's artifact_gate_fail incident: covered
    fail(c.job_id, true);
  }
  for (const r of ev.refusals) note({ signal: 'artifact_gate_fail', job_id: r.job_id, worker_id: null, detected_at: r.at, first_failure_at: r.at });

  const detections = [...first.values()].sort((a, b) => a.detected_at.getTime() - b.detected_at.getTime() || (detectionKey(a) < detectionKey(b) ? -1 : 1));
  for (const d of detections) {
    if (INCIDENT_FAILURES.includes(d.signal)) fail(subjectOf(d), findRule(rules, d.signal).auto_repair.trim() !== '');
  }
  return { detections, failingSubjects: failing };
}

/**
 * loop_detected: each series (job, command, output hash) in time order; an event the classifier
 * gave no other signal closes a loop when judgeLoop says so, given the `repeats - 1` matches before it
 * (what the live index lookup reads).
 */
function replayLoops(series: ReplayEvent[], rules: Pick<RuleSet, 'rules'>, signalled: Set<string>): ReplayEvent[] {
  if (!ruleEnabled(rules, 'loop_detected')) return [];
  const params = { repeats: ruleParam(rules, 'loop_detected', 'repeats'), window_s: ruleParam(rules, 'loop_detected', 'window_s') };
  const out: ReplayEvent[] = [];
  let start = 0;
  for (let i = 0; i < series.length; i++) {
    const e = series[i];
    const s = series[start];
    if (s.job_id !== e.job_id || s.output_hash !== e.output_hash || s.command !== e.command) start = i;
    if (signalled.has(e.id) || detectSignal(rules, e) !== null) continue;
    const prior = series.slice(Math.max(start, i - Math.max(1, params.repeats - 1)), i).map((p) => p.created_at);
    if (judgeLoop({ at: e.created_at, priorMatchTimes: prior }, params).detected) out.push(e);
  }
  return out;
}

interface Tenure {
  job_id: string;
  worker_id: string;
  acquired_at: Date;
  /** heartbeats (the acquisition and the renewals the evidence kept) with the expiry each one set and the time of the next change (null: none before the end) */
  beats: { at: Date; expires: Date; next: Date | null }[];
  /** the next change of the lease after the last beat: released, reclaimed, completed, or acquired again */
  ended_at: Date | null;
}

/** Tenures and quiet stretches depend on the evidence only: a preview replays two rule sets over one evidence. */
const tenureCache = new WeakMap<ReplayEvidence, Tenure[]>();
const gapCache = new WeakMap<ReplayEvidence, Map<string, ProgressGap[]>>();

/**
 * The lease history cut into tenures: acquisition (or the first renewal seen) to the change that ended
 * it. The evidence folds away renewals no rule can decide on (replay-evidence.ts), so each heartbeat
 * carries the time of the change that really followed it.
 */
function tenuresOf(ev: ReplayEvidence): Tenure[] {
  const cached = tenureCache.get(ev);
  if (cached) return cached;
  const out: Tenure[] = [];
  tenureCache.set(ev, out);
  let cur: Tenure | null = null;
  for (const h of ev.lease) {
    if (cur && cur.job_id !== h.job_id) cur = null;
    // the sweep's own records are what a replay decides, not evidence
    if (h.event === 'expired') continue;
    const beat = { at: h.at, expires: h.lease_expires_at ?? h.at, next: h.next_at };
    if (h.event === 'renewed' && cur && cur.worker_id === h.worker_id) {
      cur.beats.push(beat);
      continue;
    }
    if (cur) cur.ended_at = h.at;
    cur = null;
    if (h.event === 'acquired' || h.event === 'renewed') {
      cur = { job_id: h.job_id, worker_id: h.worker_id, acquired_at: h.at, beats: [beat], ended_at: null };
      out.push(cur);
    }
  }
  return out;
}

/**
 * lease_expired, queue_stuck and no_progress over the lease history. Between two heartbeats the
 * expiry is fixed: the lease expires (lease_expired) when judgeLeaseExpired holds before the next
 * heartbeat or end of the tenure, and is stuck (queue_stuck) when judgeQueueStuck does. While the
 * lease is active, no_progress is judged at the candidate instants of each quiet stretch.
 */
function replayLeases(ev: ReplayEvidence, rules: Pick<RuleSet, 'rules'>): Detection[] {
  const out: Detection[] = [];
  const expiredOn = ruleEnabled(rules, 'lease_expired');
  const stuckOn = ruleEnabled(rules, 'queue_stuck');
  const progressOn = ruleEnabled(rules, 'no_progress');
  const expiredP = { grace_s: ruleParam(rules, 'lease_expired', 'grace_s') };
  const stuckP = { grace_s: ruleParam(rules, 'queue_stuck', 'grace_s') };
  const quietP = { quiet_s: ruleParam(rules, 'no_progress', 'quiet_s') };
  let gapsByJob = gapCache.get(ev);
  if (!gapsByJob) {
    gapsByJob = new Map<string, ProgressGap[]>();
    for (const g of ev.gaps) {
      const list = gapsByJob.get(g.job_id) ?? [];
      list.push(g);
      gapsByJob.set(g.job_id, list);
    }
    gapCache.set(ev, gapsByJob);
  }
  const endMs = ev.end.getTime();
  for (const t of tenuresOf(ev)) {
    const tenureEnd = t.ended_at?.getTime() ?? endMs;
    /** when the lease stopped being active under these rules (expired by the sweep), else the tenure's end */
    let activeUntil = tenureEnd;
    for (const beat of t.beats) {
      const segEnd = beat.next?.getTime() ?? endMs;
      const lease = { state: 'active', leaseExpiresAt: beat.expires };
      // the judges are pure: asked only when the instant they would fire falls inside the segment
      // (a hundred thousand heartbeats, most renewed well before their expiry)
      const expiredAt = Math.max(beat.at.getTime(), beat.expires.getTime() + expiredP.grace_s * 1000);
      if (expiredOn && expiredAt < segEnd) {
        const v = judgeLeaseExpired(lease, expiredP, new Date(segEnd));
        if (v.detected) {
          out.push({ signal: 'lease_expired', job_id: t.job_id, worker_id: t.worker_id, detected_at: new Date(expiredAt), first_failure_at: v.firstFailureAt });
          activeUntil = Math.min(activeUntil, expiredAt);
        }
      }
      const stuckAt = Math.max(beat.at.getTime(), beat.expires.getTime() + stuckP.grace_s * 1000 + 1);
      if (stuckOn && stuckAt < segEnd) {
        const v = judgeQueueStuck(lease, stuckP, new Date(segEnd));
        if (v.detected) out.push({ signal: 'queue_stuck', job_id: t.job_id, worker_id: t.worker_id, detected_at: new Date(stuckAt), first_failure_at: v.firstFailureAt });
      }
      if (activeUntil < tenureEnd) break;
    }
    if (progressOn) out.push(...replayNoProgress(t, gapsByJob.get(t.job_id) ?? [], quietP, Math.min(activeUntil, endMs)));
  }
  return out;
}

/**
 * no_progress in one tenure: in each quiet stretch the rule can first hold at `since + quiet_s`; if
 * the holder had stopped renewing then, at its next heartbeat. judgeNoProgress decides at each
 * candidate instant.
 */
function replayNoProgress(t: Tenure, gaps: ProgressGap[], params: { quiet_s: number }, activeUntil: number): Detection[] {
  const out: Detection[] = [];
  const quietMs = params.quiet_s * 1000;
  const acquired = t.acquired_at.getTime();
  for (const g of gaps) {
    const stretchEnd = Math.min(g.next?.getTime() ?? Infinity, activeUntil);
    const since = Math.max(acquired, g.last?.getTime() ?? -Infinity);
    if ((g.next?.getTime() ?? Infinity) <= acquired) continue;
    const candidates = [since + quietMs, ...t.beats.map((b) => b.at.getTime()).filter((b) => b > since + quietMs)];
    for (const at of candidates) {
      if (at >= stretchEnd) break;
      const lastBeat = [...t.beats].reverse().find((b) => b.at.getTime() <= at);
      if (!lastBeat) continue;
      const v = judgeNoProgress({ leaseState: 'active', acquiredAt: t.acquired_at, lastHeartbeatAt: lastBeat.at, lastProgressAt: g.last }, params, new Date(at));
      if (v.detected) {
        out.push({ signal: 'no_progress', job_id: t.job_id, worker_id: t.worker_id, detected_at: new Date(at), first_failure_at: v.firstFailureAt });
        break;
      }
    }
  }
  return out;
}

/** worker_silent: every stretch without a sighting, judged at silent_s after the sighting that began it. */
function replaySilences(ev: ReplayEvidence, rules: Pick<RuleSet, 'rules'>): Detection[] {
  if (!ruleEnabled(rules, 'worker_silent')) return [];
  const params = { silent_s: ruleParam(rules, 'worker_silent', 'silent_s') };
  const out: Detection[] = [];
  for (const s of ev.sightings) {
    const at = new Date(s.seen.getTime() + params.silent_s * 1000);
    if (at.getTime() >= (s.next?.getTime() ?? Infinity) || at.getTime() > ev.end.getTime()) continue;
    const v = judgeWorkerSilent({ lastSeenAt: s.seen }, params, at);
    if (v.detected) out.push({ signal: 'worker_silent', job_id: null, worker_id: s.worker_id, detected_at: at, first_failure_at: v.firstFailureAt });
  }
  return out;
}
