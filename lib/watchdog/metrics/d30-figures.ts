import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { type Db, rowsOf } from '@/db/client';
import { signals, type Signal } from '@/lib/schemas/common';
import type { D30Counts, D30DecisionRecord, D30Metrics, D30SeriesDay } from '@/lib/schemas/metrics';
import { type CompletionRow, completions, type FailureRow, failuresAndCoverage } from './d30-coverage';
import { assessD30Assumptions } from './d30-assumptions';
import { listD30Decisions } from './d30-decisions';
import { D30_GOAL, recommendD30 } from './d30-recommendation';
import { type CheckRow, checksPerDay, type D30EventSource, type EventDayRow, eventsPerDay, type IncidentRow, incidentsPerDay, type RetryRow, retriesPerDay } from './d30-series';
import { resolveD30Window, windowDays } from './d30-window';

/**
 * The D30 figures: whether the watchdog earned its keep over a window of time, computed in SQL over
 * the evidence tables (helper_events, incidents, artifact_checks, repair_actions, job_leases).
 *
 * Window: `[from, to)`; by default the 30 days before now. Every row is placed in the window by its own
 * time: helper events by `created_at`, incidents by `detected_at`, artifact checks by `checked_at`,
 * repair actions by `created_at`, completions by `job_leases.completed_at`.
 *
 * - `coverage` — of the jobs that had a *failure* in the window, the share whose failures were **all**
 *   classified into a named signal with a suggested repair. The failures of a job and when each counts
 *   as classified:
 *   1. a failing helper event: `exit_code` not 0 (or null: killed before it exited) or a signal set (a claim that exited 0 but printed
 *      nothing is a failure too). Classified when `signal` is set and `suggested_actions` is not empty.
 *      An unknown error (non-zero exit, `signal` null) is never classified and counts against coverage.
 *   2. a stuck or expired lease, a gate failure, a job alive but not moving, a loop, or a silent worker
 *      the console detected: an incident of signal `lease_expired`, `queue_stuck`, `artifact_gate_fail`,
 *      `no_progress`, `loop_detected` or `worker_silent` (a worker-level incident counts as a failure of
 *      the worker, `worker:<id>`, beside the jobs). Classified when the rule set the incident was judged
 *      under (`incidents.rule_version`) gives its signal a non-empty `auto_repair`.
 *   3. a failed artifact check. Classified when an `artifact_gate_fail` incident of the job was open at
 *      the time of the check (`detected_at <= checked_at` and not resolved before it).
 *   `coverage = covered failing jobs / failing jobs`; null when no job failed. Goal: ≥ 0.8.
 * - `retry_success_rate` — automatic retry attempts in the window that worked. An attempt is
 *   (a) a helper event whose classification suggested a `retry` (counted at the event's `created_at`),
 *   or (b) a `repair_actions` row with `action = 'retry'` and `authority = 'system'` whose first
 *   evidence event is not already an attempt of kind (a) in the window (counted at the action's
 *   `created_at`). The attempt retried the job and phase of its event (for (b): the action's phase,
 *   else its evidence event's phase) at the time of that event (for (b) without evidence: the time the
 *   action was recorded). It succeeded when the **next** helper event of the same job and phase after
 *   that time is healthy: `exit_code = 0` and no signal. `rate = succeeded / attempts`; null without attempts.
 * - `gate_pass_rate` — artifact checks in the window that passed / all artifact checks in the window.
 * - `false_green_count` — jobs completed in the window (`job_leases.state = 'completed'`, by
 *   `completed_at`; a completed lease without `completed_at` always counts) with no passing artifact
 *   check at or before completion. The complete gate makes this 0 by construction.
 * - `mttd_s` / `mttr_s` — over the incidents detected in the window: mean seconds from
 *   `first_failure_at` to `detected_at`, and (resolved incidents only) to `resolved_at`.
 * - `incidents_by_signal` — incidents detected in the window per signal (every signal, zeros included);
 *   it adds up to the incident list of the same window and to `sum(series[].incidents)`.
 * - `series` — one entry per UTC day touching the window (days without evidence included), each
 *   figure counted as above for the part of that day inside the window.
 * - `recommendation` — see `recommendD30` and docs/D30.md.
 */

const round = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const ratio = (num: number, den: number) => (den > 0 ? round(num / den, 4) : null);
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export interface D30Options {
  from?: string | Date | null;
  to?: string | Date | null;
  /** the clock for the default window (the 30 days before now) and `generated_at` */
  now?: Date;
  eventSource?: D30EventSource;
}

/**
 * Runs the D30 statements without JIT compilation (for these ~10–100 ms statements PostgreSQL's JIT costs
 * more than it saves; the estimated costs of the million-row tables would trigger it). On a pool the
 * statements run at once, each in its own short transaction (`set local` needs one); inside a caller's
 * transaction they run one after the other on its connection.
 */
async function runQueries<T>(db: Db, queries: ((q: Db) => Promise<T>)[]): Promise<T[]> {
  if ((db as unknown) instanceof PgTransaction) {
    await db.execute(sql`set local jit = off`);
    const out: T[] = [];
    for (const q of queries) out.push(await q(db));
    return out;
  }
  return Promise.all(
    queries.map((q) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`set local jit = off`);
        return q(tx);
      }),
    ),
  );
}

/** Computes every D30 figure over `[from, to)` (default: the 30 days before `now`). */
export async function computeD30Metrics(db: Db, opts: D30Options = {}): Promise<D30Metrics> {
  const now = opts.now ?? new Date();
  const w = resolveD30Window(opts, now);
  const [eventRes, failureRes, incidentRes, checkRes, retryRes, completionRes, decisionRes] = await runQueries<unknown>(db, [
    (q) => eventsPerDay(q, w, opts.eventSource ?? 'rollup'),
    (q) => failuresAndCoverage(q, w),
    (q) => incidentsPerDay(q, w),
    (q) => checksPerDay(q, w),
    (q) => retriesPerDay(q, w),
    (q) => completions(q, w),
    (q) => listD30Decisions(q),
  ]);
  const decisions = decisionRes as D30DecisionRecord[];
  const eventDays = rowsOf<EventDayRow>(eventRes);
  const failure = rowsOf<FailureRow>(failureRes)[0];
  const incidentRows = rowsOf<IncidentRow>(incidentRes);
  const checkRows = rowsOf<CheckRow>(checkRes);
  const retryRows = rowsOf<RetryRow>(retryRes);
  const completion = rowsOf<CompletionRow>(completionRes)[0];

  const series = new Map<string, D30SeriesDay>(windowDays(w).map((day) => [day, { day, events: 0, failures: 0, incidents: 0, gate_passed: 0, gate_failed: 0, retries: 0, retries_succeeded: 0 }]));
  const at = (day: string) => series.get(day);
  for (const r of eventDays) {
    const d = at(r.day);
    if (d) d.events = num(r.events);
  }
  const failureDays = typeof failure.days === 'string' ? (JSON.parse(failure.days) as { day: string; failures: number }[]) : (failure.days ?? []);
  for (const r of failureDays) {
    const d = at(r.day);
    if (d) d.failures += num(r.failures);
  }
  const bySignal = Object.fromEntries(signals.map((s) => [s, 0])) as Record<Signal, number>;
  let incidentsTotal = 0;
  let detectS = 0;
  let resolved = 0;
  let resolveS = 0;
  let open = 0;
  let queueStuck = 0;
  let queueStuckLate = 0;
  let queueStuckMaxLag: number | null = null;
  for (const r of incidentRows) {
    if (r.signal === 'queue_stuck') {
      queueStuck += num(r.n);
      queueStuckLate += num(r.late);
      if (r.max_lag_s !== null && r.max_lag_s !== undefined) queueStuckMaxLag = Math.max(queueStuckMaxLag ?? 0, num(r.max_lag_s));
    }
    const n = num(r.n);
    incidentsTotal += n;
    detectS += num(r.detect_s);
    resolved += num(r.resolved);
    resolveS += num(r.resolve_s);
    open += num(r.open);
    if (r.signal in bySignal) bySignal[r.signal as Signal] += n;
    else (bySignal as Record<string, number>)[r.signal] = n;
    const d = at(r.day);
    if (d) d.incidents += n;
  }
  let checksPassed = 0;
  let checksFailed = 0;
  for (const r of checkRows) {
    checksPassed += num(r.passed);
    checksFailed += num(r.failed);
    const d = at(r.day);
    if (d) {
      d.gate_passed += num(r.passed);
      d.gate_failed += num(r.failed);
    }
  }
  let retries = 0;
  let retriesOk = 0;
  for (const r of retryRows) {
    retries += num(r.attempts);
    retriesOk += num(r.succeeded);
    const d = at(r.day);
    if (d) {
      d.retries += num(r.attempts);
      d.retries_succeeded += num(r.succeeded);
    }
  }
  const counts: D30Counts = {
    events: eventDays.reduce((s, r) => s + num(r.events), 0),
    failing_jobs: num(failure.failing_jobs),
    covered_jobs: num(failure.covered_jobs),
    failure_events: num(failure.failure_events),
    unclassified_failure_events: num(failure.unclassified_failure_events),
    incident_failures: num(failure.incident_failures),
    uncovered_incident_failures: num(failure.uncovered_incident_failures),
    failed_checks: num(failure.failed_checks),
    uncovered_failed_checks: num(failure.uncovered_failed_checks),
    retries,
    retries_succeeded: retriesOk,
    checks: checksPassed + checksFailed,
    checks_passed: checksPassed,
    completed_jobs: num(completion.completed),
    incidents: incidentsTotal,
    incidents_resolved: resolved,
    incidents_open: open,
  };
  const figures = {
    coverage: ratio(counts.covered_jobs, counts.failing_jobs),
    retry_success_rate: ratio(retriesOk, retries),
    gate_pass_rate: ratio(checksPassed, counts.checks),
    false_green_count: num(completion.false_green),
    mttd_s: incidentsTotal > 0 ? round(detectS / incidentsTotal, 1) : null,
    mttr_s: resolved > 0 ? round(resolveS / resolved, 1) : null,
  };
  return {
    window: { from: w.from.toISOString(), to: w.to.toISOString() },
    generated_at: now.toISOString(),
    goal: { ...D30_GOAL },
    ...figures,
    incidents_by_signal: bySignal,
    series: [...series.values()],
    counts,
    recommendation: recommendD30({ ...figures, counts }),
    assumptions: assessD30Assumptions({ ...figures, counts, queue_stuck: queueStuck, queue_stuck_late: queueStuckLate, queue_stuck_max_lag_s: queueStuckMaxLag }),
    decisions,
  };
}
