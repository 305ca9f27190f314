import { randomUUID } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { type Db, rowsOf } from '@/db/client';
import { d30Decisions } from '@/db/schema';
import { signals, type Signal } from '@/lib/schemas/common';
import type {
  D30Counts,
  D30DecisionName,
  D30DecisionRecord,
  D30Metrics,
  D30Recommendation,
  D30SeriesDay,
  D30Snapshot,
} from '@/lib/schemas/metrics';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { assessD30Assumptions, QUEUE_STUCK_DETECTION_SLACK_S } from './d30-assumptions';

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
 *   1. a failing helper event: `exit_code <> 0` or a signal set (a claim that exited 0 but printed
 *      nothing is a failure too). Classified when `signal` is set and `suggested_actions` is not empty.
 *      An unknown error (non-zero exit, `signal` null) is never classified and counts against coverage.
 *   2. a stuck or expired lease, or a gate failure the console detected: an incident of signal
 *      `lease_expired`, `queue_stuck` or `artifact_gate_fail`. Classified when the rule set the
 *      incident was judged under (`incidents.rule_version`) gives its signal a non-empty `auto_repair`.
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

export const D30_DEFAULT_DAYS = 30;
export const D30_MAX_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

/** The thresholds of the recommendation (docs/D30.md explains them). */
export const D30_THRESHOLDS = {
  /** coverage the rollout set out to reach; continuing needs at least this */
  coverage_goal: 0.8,
  /** below this the rules miss most failures: the rollout needs another owner */
  coverage_floor: 0.5,
  /** below this automatic retries do not repair: hand repairs to a watchdog agent */
  retry_success_min: 0.5,
  /** any false green means the gate leaked: the rollout needs another owner */
  false_green_max: 0,
  /** slower mean detection than this: escalate to a watchdog agent */
  mttd_max_s: 300,
  /** slower mean resolution than this: escalate to a watchdog agent */
  mttr_max_s: 4 * 3600,
} as const;

export const D30_GOAL = { coverage: D30_THRESHOLDS.coverage_goal } as const;

export interface D30Window {
  from: Date;
  to: Date;
}

/** Resolves `from`/`to` (either may be missing) into a window; refuses an empty, reversed or too long one. */
export function resolveD30Window(input: { from?: string | Date | null; to?: string | Date | null }, now: Date): D30Window {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - D30_DEFAULT_DAYS * DAY_MS);
  const problems: { path: string; message: string }[] = [];
  if (Number.isNaN(from.getTime())) problems.push({ path: 'from', message: 'not a valid time' });
  if (Number.isNaN(to.getTime())) problems.push({ path: 'to', message: 'not a valid time' });
  if (!problems.length && from.getTime() >= to.getTime()) problems.push({ path: 'from', message: 'must be before to' });
  if (!problems.length && to.getTime() - from.getTime() > D30_MAX_DAYS * DAY_MS) problems.push({ path: 'from', message: `the window may span at most ${D30_MAX_DAYS} days` });
  if (problems.length) throw validationFailed(problems, 'the metrics window is not valid');
  return { from, to };
}

const round = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const ratio = (num: number, den: number) => (den > 0 ? round(num / den, 4) : null);
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** The UTC day (as a timestamptz at midnight) of a timestamptz column: cheap to group by, unlike to_char. */
const DAY_BUCKET = (column: string) => sql.raw(`date_bin('24 hours', ${column}, timestamptz '2000-01-01 00:00:00+00')`);

type DayRow = { day: string };
type EventDayRow = DayRow & { events: number };
type FailureRow = {
  failing_jobs: number;
  covered_jobs: number;
  failure_events: number;
  unclassified_failure_events: number;
  incident_failures: number;
  uncovered_incident_failures: number;
  failed_checks: number;
  uncovered_failed_checks: number;
  days: { day: string; failures: number }[] | string | null;
};
type IncidentRow = DayRow & { signal: string; n: number; detect_s: number; resolved: number; resolve_s: number; open: number; late: number; max_lag_s: number | null };
type CheckRow = DayRow & { passed: number; failed: number };
type RetryRow = DayRow & { attempts: number; succeeded: number };
type CompletionRow = { completed: number; false_green: number };

/**
 * Per-day helper event counts. Whole days inside the window come from the helper_event_days rollup
 * (a sum over its shards); the partial days at the window's edges are index-only range counts.
 * `source: 'count'` counts every day from helper_events instead (the cross-check and the baseline).
 */
function eventsPerDay(db: Db, w: D30Window, source: D30EventSource) {
  const from = w.from.toISOString();
  const to = w.to.toISOString();
  const count = sql`(select count(*) from helper_events e
                      where e.created_at >= greatest(g, ${from}::timestamptz)
                        and e.created_at < least(g + interval '24 hours', ${to}::timestamptz))`;
  const events =
    source === 'count'
      ? count
      : sql`case when g >= ${from}::timestamptz and g + interval '24 hours' <= ${to}::timestamptz
                 then (select coalesce(sum(d.events), 0) from helper_event_days d where d.day = (g at time zone 'UTC')::date)
                 else ${count} end`;
  return db.execute(sql`
    select to_char(g at time zone 'UTC', 'YYYY-MM-DD') as day, (${events})::int as events
    from generate_series(date_bin('24 hours', ${from}::timestamptz, timestamptz '2000-01-01 00:00:00+00'),
                         ${to}::timestamptz - interval '1 microsecond', interval '24 hours') g`);
}

/**
 * Failing jobs and whether each was covered; failing events per day. One statement, one snapshot.
 * The helper-event parts repeat the predicates of the partial indexes helper_events_failures_idx and
 * helper_events_unclassified_idx word for word, so they are index-only range scans.
 */
function failuresAndCoverage(db: Db, w: D30Window) {
  const from = w.from.toISOString();
  const to = w.to.toISOString();
  return db.execute(sql`
    with fe as (
      select e.job_id, e.created_at
      from helper_events e
      where e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and (e.exit_code <> 0 or e.signal is not null)
    ),
    fu as (
      select e.job_id
      from helper_events e
      where e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and (e.exit_code <> 0 or e.signal is not null) and not (e.signal is not null and jsonb_array_length(e.suggested_actions) > 0)
    ),
    repairable as (
      select rs.version, r->>'signal' as signal
      from rule_sets rs, jsonb_array_elements(rs.rules) r
      where coalesce(r->>'auto_repair', '') <> ''
    ),
    fi as (
      select i.job_id, (rp.signal is not null) as covered
      from incidents i
      left join repairable rp on rp.version = i.rule_version and rp.signal = i.signal
      where i.detected_at >= ${from}::timestamptz and i.detected_at < ${to}::timestamptz
        and i.signal in ('lease_expired', 'queue_stuck', 'artifact_gate_fail')
    ),
    fc as (
      select c.job_id,
             exists (select 1 from incidents i
                      where i.job_id = c.job_id and i.signal = 'artifact_gate_fail'
                        and i.detected_at <= c.checked_at and (i.resolved_at is null or i.resolved_at >= c.checked_at)) as covered
      from artifact_checks c
      where c.checked_at >= ${from}::timestamptz and c.checked_at < ${to}::timestamptz and not c.passed
    ),
    failing as (
      select job_id from fe union select job_id from fi union select job_id from fc
    ),
    uncovered as (
      select job_id from fu union select job_id from fi where not covered union select job_id from fc where not covered
    )
    select (select count(*) from failing)::int as failing_jobs,
           ((select count(*) from failing) - (select count(*) from uncovered))::int as covered_jobs,
           (select count(*) from fe)::int as failure_events,
           (select count(*) from fu)::int as unclassified_failure_events,
           (select count(*) from fi)::int as incident_failures,
           (select count(*) from fi where not covered)::int as uncovered_incident_failures,
           (select count(*) from fc)::int as failed_checks,
           (select count(*) from fc where not covered)::int as uncovered_failed_checks,
           (select json_agg(json_build_object('day', to_char(bucket at time zone 'UTC', 'YYYY-MM-DD'), 'failures', n))
              from (select ${DAY_BUCKET('created_at')} as bucket, count(*)::int as n from fe group by 1) d) as days`);
}

/** Incidents detected in the window by day and signal, with the detection and resolution sums. */
function incidentsPerDay(db: Db, w: D30Window) {
  return db.execute(sql`
    select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD') as day, signal, n, detect_s, resolved, resolve_s, open, late, max_lag_s
    from (
      select ${DAY_BUCKET('detected_at')} as bucket, signal,
             count(*)::int as n,
             coalesce(sum(extract(epoch from detected_at - first_failure_at)), 0)::float8 as detect_s,
             count(resolved_at)::int as resolved,
             coalesce(sum(extract(epoch from resolved_at - first_failure_at)), 0)::float8 as resolve_s,
             count(*) filter (where status = 'open')::int as open,
             count(*) filter (where signal = 'queue_stuck' and detected_at - first_failure_at > ${sql.raw(`interval '${QUEUE_STUCK_DETECTION_SLACK_S} seconds'`)})::int as late,
             max(extract(epoch from detected_at - first_failure_at)) filter (where signal = 'queue_stuck')::float8 as max_lag_s
      from incidents
      where detected_at >= ${w.from.toISOString()}::timestamptz and detected_at < ${w.to.toISOString()}::timestamptz
      group by 1, 2
    ) g`);
}

function checksPerDay(db: Db, w: D30Window) {
  return db.execute(sql`
    select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD') as day, passed, failed
    from (
      select ${DAY_BUCKET('checked_at')} as bucket,
             count(*) filter (where passed)::int as passed,
             count(*) filter (where not passed)::int as failed
      from artifact_checks
      where checked_at >= ${w.from.toISOString()}::timestamptz and checked_at < ${w.to.toISOString()}::timestamptz
      group by 1
    ) g`);
}

/**
 * Retry attempts per day and how many of them the next event of the same job and phase proved
 * healthy. Suggested retries come from the partial index helper_events_retry_idx; each follow-up is
 * one index-only probe of helper_events_job_phase_idx (`phase = …` for a known phase, `phase is null`
 * otherwise: both indexable, unlike `is not distinct from`).
 */
function retriesPerDay(db: Db, w: D30Window) {
  const from = w.from.toISOString();
  const to = w.to.toISOString();
  return db.execute(sql`
    with suggested as materialized (
      select e.id, e.job_id, e.phase, e.created_at
      from helper_events e
      where e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and e.suggested_actions @> '[{"action":"retry"}]'::jsonb
    ),
    recorded as (
      select a.job_id, a.phase, a.created_at, a.evidence_event_ids->>0 as event_ref
      from repair_actions a
      where a.action = 'retry' and a.authority = 'system'
        and a.created_at >= ${from}::timestamptz and a.created_at < ${to}::timestamptz
    ),
    attempts as materialized (
      select s.job_id, s.phase, s.created_at as counted_at, s.created_at as after from suggested s
      union all
      select r.job_id, coalesce(r.phase, ev.phase), r.created_at, coalesce(ev.created_at, r.created_at)
      from recorded r
      left join helper_events ev
        on ev.id = case when r.event_ref ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then r.event_ref::uuid end
      where not exists (select 1 from suggested s where s.id::text = lower(r.event_ref))
    ),
    judged as (
      select a.counted_at, nx.ok
      from attempts a
      left join lateral (select (n.exit_code = 0 and n.signal is null) as ok from helper_events n
                          where n.job_id = a.job_id and n.phase = a.phase and n.created_at > a.after
                          order by n.created_at limit 1) nx on true
      where a.phase is not null
      union all
      select a.counted_at, nx.ok
      from attempts a
      left join lateral (select (n.exit_code = 0 and n.signal is null) as ok from helper_events n
                          where n.job_id = a.job_id and n.phase is null and n.created_at > a.after
                          order by n.created_at limit 1) nx on true
      where a.phase is null
    ),
    days as (
      select ${DAY_BUCKET('counted_at')} as bucket,
             count(*)::int as attempts,
             count(*) filter (where ok)::int as succeeded
      from judged
      group by 1
    )
    select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD') as day, attempts, succeeded from days`);
}

/** Completions in the window and those without a passing artifact check at or before completion. */
function completions(db: Db, w: D30Window) {
  return db.execute(sql`
    with done as (
      select l.job_id, l.completed_at
      from job_leases l
      where l.state = 'completed'
        and (l.completed_at is null
             or (l.completed_at >= ${w.from.toISOString()}::timestamptz and l.completed_at < ${w.to.toISOString()}::timestamptz))
    )
    select (select count(*) from done)::int as completed,
           (select count(*) from done d
             where not exists (select 1 from artifact_checks a
                                where a.job_id = d.job_id and a.passed and a.checked_at <= d.completed_at))::int as false_green`);
}

/** Where the per-day event counts come from: the helper_event_days rollup, or counting helper_events. */
export type D30EventSource = 'rollup' | 'count';

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

/** The UTC days touching [from, to), oldest first. */
export function windowDays(w: D30Window): string[] {
  const days: string[] = [];
  const start = Math.floor(w.from.getTime() / DAY_MS) * DAY_MS;
  for (let t = start; t < w.to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
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

  const series = new Map<string, D30SeriesDay>(
    windowDays(w).map((day) => [day, { day, events: 0, failures: 0, incidents: 0, gate_passed: 0, gate_failed: 0, retries: 0, retries_succeeded: 0 }]),
  );
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

type Figures = Pick<D30Snapshot, 'coverage' | 'retry_success_rate' | 'gate_pass_rate' | 'false_green_count' | 'mttd_s' | 'mttr_s' | 'counts'>;

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const secs = (v: number) => (v >= 120 ? `${Math.round(v / 6) / 10} min` : `${v} s`);

/**
 * The D30 recommendation from the thresholds in `D30_THRESHOLDS` (docs/D30.md):
 * - `change_owner` when the watchdog failed at its core: a false green (the gate leaked), or coverage
 *   below the floor (the rules do not describe most failures);
 * - else `escalate_to_watchdog_agent` when the rules describe failures but do not repair them well enough:
 *   coverage below the goal, retries that mostly fail, or detection/resolution slower than the limits;
 * - else `continue`.
 * Every reason names the figure and the threshold it was held against.
 */
export function recommendD30(f: Figures): D30Recommendation {
  const t = D30_THRESHOLDS;
  const owner: string[] = [];
  const agent: string[] = [];
  const fine: string[] = [];
  const c = f.counts;
  if (f.false_green_count > t.false_green_max) owner.push(`false green: ${f.false_green_count} job(s) completed without a passing artifact check (allowed: ${t.false_green_max})`);
  else fine.push(`no false green among ${c.completed_jobs} completed job(s)`);
  if (f.coverage === null) fine.push('no job failed in the window: coverage has nothing to measure');
  else if (f.coverage < t.coverage_floor)
    owner.push(`coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs fully classified) is below the floor ${pct(t.coverage_floor)}; ${c.unclassified_failure_events} unknown error event(s)`);
  else if (f.coverage < t.coverage_goal)
    agent.push(`coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs fully classified) is below the goal ${pct(t.coverage_goal)}; ${c.unclassified_failure_events} unknown error event(s)`);
  else fine.push(`coverage ${pct(f.coverage)} (${c.covered_jobs} of ${c.failing_jobs} failing jobs) meets the goal ${pct(t.coverage_goal)}`);
  if (f.retry_success_rate === null) fine.push('no automatic retry in the window');
  else if (f.retry_success_rate < t.retry_success_min)
    agent.push(`retry success ${pct(f.retry_success_rate)} (${c.retries_succeeded} of ${c.retries} automatic retries) is below ${pct(t.retry_success_min)}`);
  else fine.push(`retry success ${pct(f.retry_success_rate)} (${c.retries_succeeded} of ${c.retries}) is at least ${pct(t.retry_success_min)}`);
  if (f.mttd_s !== null && f.mttd_s > t.mttd_max_s) agent.push(`mean time to detect ${secs(f.mttd_s)} is over ${secs(t.mttd_max_s)} (${c.incidents} incident(s))`);
  else if (f.mttd_s !== null) fine.push(`mean time to detect ${secs(f.mttd_s)} is within ${secs(t.mttd_max_s)}`);
  if (f.mttr_s !== null && f.mttr_s > t.mttr_max_s) agent.push(`mean time to resolve ${secs(f.mttr_s)} is over ${secs(t.mttr_max_s)} (${c.incidents_resolved} resolved incident(s))`);
  else if (f.mttr_s !== null) fine.push(`mean time to resolve ${secs(f.mttr_s)} is within ${secs(t.mttr_max_s)}`);
  if (c.events === 0) fine.push('no helper events in the window: keep collecting evidence');
  const decision: D30DecisionName = owner.length ? 'change_owner' : agent.length ? 'escalate_to_watchdog_agent' : 'continue';
  const reasons = decision === 'continue' ? fine : [...owner, ...agent];
  return { decision, reasons, thresholds: { ...t } };
}

function toDecisionRecord(row: typeof d30Decisions.$inferSelect): D30DecisionRecord {
  const m = (row.metrics ?? {}) as Partial<D30Snapshot>;
  return {
    id: row.id,
    decision: row.decision as D30DecisionName,
    note: row.note,
    decided_by: row.decidedBy,
    decided_at: row.decidedAt.toISOString(),
    recommended: m.recommendation?.decision ?? null,
    window: m.window ?? null,
    coverage: m.coverage ?? null,
    retry_success_rate: m.retry_success_rate ?? null,
    gate_pass_rate: m.gate_pass_rate ?? null,
    false_green_count: m.false_green_count ?? null,
  };
}

/** Recorded D30 decisions, newest first. */
export async function listD30Decisions(db: Db, limit = 20): Promise<D30DecisionRecord[]> {
  const rows = await db.select().from(d30Decisions).orderBy(desc(d30Decisions.decidedAt), desc(d30Decisions.id)).limit(limit);
  return rows.map(toDecisionRecord);
}

/**
 * The owner's D30 decision: stored with a snapshot of the figures it was taken on (the default
 * window at `ctx.now`) and audited in the same transaction.
 */
export async function recordD30Decision(ctx: Ctx, input: { decision: D30DecisionName; note?: string | null }) {
  const { decisions: _decisions, ...snapshot } = await computeD30Metrics(ctx.db, { now: ctx.now });
  const id = randomUUID();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(d30Decisions)
      .values({ id, decision: input.decision, note: input.note ?? null, metrics: snapshot, decidedBy: ctx.actor.label, decidedAt: ctx.now })
      .returning();
    await auditCtx(
      ctx,
      {
        action: 'd30.decide',
        target: id,
        details: {
          decision: input.decision,
          note: input.note ?? null,
          recommended: snapshot.recommendation.decision,
          followed_recommendation: snapshot.recommendation.decision === input.decision,
          window: snapshot.window,
          coverage: snapshot.coverage,
          retry_success_rate: snapshot.retry_success_rate,
          gate_pass_rate: snapshot.gate_pass_rate,
          false_green_count: snapshot.false_green_count,
          mttd_s: snapshot.mttd_s,
          mttr_s: snapshot.mttr_s,
        },
      },
      tx,
    );
    return inserted;
  });
  return { decision: { ...toDecisionRecord(row), metrics: snapshot } };
}
