import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Phase } from '@/lib/schemas/common';
import { type RuleSet, ruleParam } from './rule-defaults';

/**
 * The stored evidence a rules preview replays, read set-based. Every statement is a range over an
 * indexed time column and returns only the rows a rule could decide on: SQL narrows (a superset of
 * what any of the replayed rule sets could detect, from the loosest of their thresholds), the
 * signal functions in rules/signals and rules/classify.ts decide (rules/replay.ts). No statement
 * here writes.
 */

/** How far before the window the time-based evidence is read: a lease or worker must be seen in it. */
export const REPLAY_LOOKBACK_MS = 24 * 3600 * 1000;

export interface ReplayEvent {
  id: string;
  job_id: string;
  worker_id: string;
  command: string;
  phase: Phase | null;
  exit_code: number | null;
  output: string | null;
  error_code: string | null;
  duration_ms: number | null;
  output_hash: string;
  created_at: Date;
  received_at: Date;
}

export interface LeaseHistoryRow {
  job_id: string;
  worker_id: string;
  event: string;
  lease_expires_at: Date | null;
  at: Date;
  /** the time of the job's next change of the lease (null: none before the end) — a folded renewal may lie between */
  next_at: Date | null;
}

/** A stretch of a job in which no new output hash or phase arrived: from the last one (null: none yet) to the next (null: none since). */
export interface ProgressGap {
  job_id: string;
  last: Date | null;
  next: Date | null;
}

/** A stretch in which a worker was not seen: from a sighting to the next one (null: none since). */
export interface SightingGap {
  worker_id: string;
  seen: Date;
  next: Date | null;
}

export interface ReplayCheck {
  id: string;
  job_id: string;
  worker_id: string | null;
  http_status: number | null;
  file_count: number;
  expected_file_count: number;
  failure_reason: string | null;
  checked_at: Date;
}

export interface ReplayRefusal {
  job_id: string;
  at: Date;
}

export interface ReplayEvidence {
  from: Date;
  to: Date;
  /** the end of what happened: min(to, now) */
  end: Date;
  /** events in the window an event rule could classify (claim or fetch candidates) */
  candidates: ReplayEvent[];
  /** events in the window that failed on their own (exit code not 0, or killed): the failures coverage counts */
  failing: { id: string; job_id: string }[];
  /** events of series (job, output hash) long enough to close a loop, ordered by series and time */
  series: ReplayEvent[];
  lease: LeaseHistoryRow[];
  gaps: ProgressGap[];
  sightings: SightingGap[];
  checks: ReplayCheck[];
  refusals: ReplayRefusal[];
}

/** A time as the statements return it: epoch milliseconds (see `ms`), or a timestamp. */
const d = (v: unknown) => (typeof v === 'number' ? new Date(v) : v instanceof Date ? v : new Date(String(v)));
const dn = (v: unknown) => (v == null ? null : d(v));

function toEvent(r: Record<string, unknown>): ReplayEvent {
  return {
    id: String(r.id),
    job_id: String(r.job_id),
    worker_id: String(r.worker_id),
    command: String(r.command),
    phase: (r.phase as Phase | null) ?? null,
    exit_code: r.exit_code == null ? null : Number(r.exit_code),
    output: (r.output as string | null) ?? null,
    error_code: (r.error_code as string | null) ?? null,
    duration_ms: r.duration_ms == null ? null : Number(r.duration_ms),
    output_hash: String(r.output_hash),
    created_at: d(r.created_at),
    received_at: d(r.received_at),
  };
}

/**
 * A time column as epoch milliseconds (float8): the driver hands a number over, where it would parse
 * a timestamp's text — over the 100 000 lease rows and 1M-event windows, parsing was most of the transfer.
 * date_part is float8 arithmetic where extract() is numeric (since PostgreSQL 14; three times the cost
 * over half a million values). The console writes its times from its clock at millisecond precision,
 * so the float8 rounded to the millisecond is the stored time exactly.
 */
const ms = (column: string, as = column.replace(/^\w+\./, '')) => `round(date_part('epoch', ${column}) * 1000) as ${as}`;

const EVENT_COLUMNS = sql.raw(`e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.error_code, e.duration_ms, e.output_hash, ${ms('e.created_at')}, ${ms('e.received_at')}`);

/** The loosest threshold of each rule over the rule sets replayed: what the statements narrow by. */
export function loosestThresholds(sets: Pick<RuleSet, 'rules'>[]) {
  const min = (signal: Parameters<typeof ruleParam>[1], p: string) => Math.min(...sets.map((s) => ruleParam(s, signal, p)));
  const max = (signal: Parameters<typeof ruleParam>[1], p: string) => Math.max(...sets.map((s) => ruleParam(s, signal, p)));
  return {
    claimTimeoutMs: min('claim_no_output', 'timeout_s') * 1000,
    loopRepeats: Math.max(1, min('loop_detected', 'repeats')),
    loopWindowMs: max('loop_detected', 'window_s') * 1000,
    quietMs: min('no_progress', 'quiet_s') * 1000,
    graceMs: Math.min(min('lease_expired', 'grace_s'), min('queue_stuck', 'grace_s')) * 1000,
    silentMs: min('worker_silent', 'silent_s') * 1000,
  };
}

/** The statements, exported so a test or the benchmark can EXPLAIN them. */
export const replayStatements = {
  /**
   * Event-rule candidates: a claim that was killed, reported an error code or ran at least the
   * shortest timeout; a fetch-phase event with an error code or an output naming a 500, an internal
   * error or a failed fetch (every FETCH_PATTERNS match contains one of these words). Two ranges of
   * partial indexes: the first predicate is helper_events_candidates_idx's word for word; the claims
   * that only ran long come from helper_events_claims_idx (duration_ms).
   */
  candidates: (from: Date, to: Date, claimTimeoutMs: number) => sql`
    select ${EVENT_COLUMNS} from helper_events e
    where e.created_at >= ${from.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz
      and ((e.phase = 'claim' and (e.exit_code is null or e.error_code is not null))
        or (e.phase in ('context', 'progress', 'upload', 'complete') and (e.error_code is not null or e.output ~* '(fetch failed|internal|500)')))
    union all
    select ${EVENT_COLUMNS} from helper_events e
    where e.phase = 'claim' and e.duration_ms >= ${claimTimeoutMs} and e.exit_code is not null and e.error_code is null
      and e.created_at >= ${from.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz`,
  /** events that failed on their own (exit code not 0, or killed): index-only over helper_events_failing_idx */
  failing: (from: Date, to: Date) => sql`
    select e.id, e.job_id from helper_events e
    where e.created_at >= ${from.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz
      and e.exit_code is distinct from 0`,
  /**
   * Series of one job and output hash that can close a loop in the window: those with a repeat (an event
   * that is not the first sight of its output hash in the job, `not new_progress`) in `[from, to)` —
   * every event that closes a loop is one — read from the few rows of helper_events_repeats_idx; then
   * the series' events from `loopFrom` (the look-back of the widest window_s) by helper_events_job_hash_idx.
   */
  series: (loopFrom: Date, from: Date, to: Date, repeats: number) => sql`
    with k as (
      select distinct job_id, output_hash from helper_events
      where not new_progress and created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
    ),
    g as (
      select e.job_id, e.output_hash from helper_events e join k on k.job_id = e.job_id and k.output_hash = e.output_hash
      where e.created_at >= ${loopFrom.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz
      group by e.job_id, e.output_hash having count(*) >= ${repeats}
    )
    select ${EVENT_COLUMNS} from helper_events e join g on g.job_id = e.job_id and g.output_hash = e.output_hash
    where e.created_at >= ${loopFrom.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz
    order by e.job_id, e.output_hash, e.command, e.created_at, e.received_at, e.id`,
  /**
   * The lease history of the window and the lookback before it, each job's changes in time order with
   * the time of the next one (the sweep's `expired` records are what a replay decides, not evidence).
   * A renewal inside a tenure is folded away when no rule can decide on it: its expiry runs past the
   * next change even with the shortest grace_s (so no lease_expired or queue_stuck fires on it), and
   * it is neither the first nor the last heartbeat of its tenure in a bucket `quietMs` (the shortest
   * quiet_s) wide — so the kept heartbeats of a stretch without a gap are never quiet_s apart, and the
   * heartbeat that ends a gap longer than quiet_s, the one no_progress fires at, is kept. A renewal a
   * minute over 31 days is about 60 % of the rows. lease_history_job_id_idx reads them in window order.
   */
  lease: (from: Date, end: Date, quietMs: number, graceMs: number) => sql`
    with h as (
      select job_id, worker_id, event, lease_expires_at, at, id, b,
        lag(case when event in ('acquired', 'renewed') then worker_id end) over w as prev_beat,
        lead(case when event = 'renewed' then worker_id end) over w as next_renewal,
        lag(b) over w as prev_b, lead(b) over w as next_b, lead(at) over w as next_at
      from (
        select job_id, worker_id, event, lease_expires_at, at, id,
          date_bin(make_interval(secs => ${Math.max(1, quietMs) / 1000}), at, timestamptz '2000-01-01 00:00:00+00') as b
        from lease_history
        where at >= ${from.toISOString()}::timestamptz and at < ${end.toISOString()}::timestamptz and event <> 'expired'
      ) l
      window w as (partition by job_id order by at, id)
    )
    select job_id, worker_id, event, ${sql.raw(ms('lease_expires_at'))}, ${sql.raw(ms('at'))}, ${sql.raw(ms('next_at'))} from h
    where (event = 'renewed' and prev_beat = worker_id and next_renewal = worker_id and prev_b = b and next_b = b
      and coalesce(lease_expires_at, at) + make_interval(secs => ${graceMs / 1000}) >= next_at) is not true
    order by job_id, at, id`,
  /**
   * Quiet stretches of the jobs leased in the window, between their first sights of an output hash or a
   * phase (new_progress or new_phase, kept exact at ingest by the trigger of migration 0015; each knows
   * the one before it, prev_progress_at): the stretch before a job's first (the null keys of
   * helper_events_quiet_idx), those at least the shortest quiet_s long between two (a range of the same
   * index), and the stretch after the last one before `end` (helper_events_progress_idx, one probe per job).
   */
  gaps: (from: Date, end: Date, quietMs: number) => sql`
    with jobs as (
      select distinct job_id from lease_history where at >= ${from.toISOString()}::timestamptz and at < ${end.toISOString()}::timestamptz
    ),
    firsts as materialized (
      select h.job_id, h.created_at from helper_events h
      where (h.new_progress or h.new_phase) and h.created_at - h.prev_progress_at is null and h.created_at < ${end.toISOString()}::timestamptz
    ),
    span as (
      select j.job_id, f.created_at as first_at,
        (select max(h.created_at) from helper_events h
          where h.job_id = j.job_id and (h.new_progress or h.new_phase) and h.created_at < ${end.toISOString()}::timestamptz) as last_at
      from jobs j left join firsts f on f.job_id = j.job_id
    ),
    long as materialized (
      select h.job_id, h.prev_progress_at, h.created_at from helper_events h
      where (h.new_progress or h.new_phase) and h.created_at - h.prev_progress_at >= make_interval(secs => ${quietMs / 1000})
        and h.created_at < ${end.toISOString()}::timestamptz
    )
    select job_id, null::float8 as last, ${sql.raw(ms('first_at', 'next'))} from span
    union all
    select job_id, ${sql.raw(ms('last_at', 'last'))}, null::float8 from span where last_at is not null
    union all
    select l.job_id, ${sql.raw(ms('l.prev_progress_at', 'last'))}, ${sql.raw(ms('l.created_at', 'next'))} from long l where l.job_id in (select job_id from jobs)`,
  /**
   * Silences of the workers: their sightings (helper events, lease changes they made, artifact checks
   * they asked for) in the window and the look-back, folded into buckets `silent_s` wide (date_bin:
   * integer arithmetic, not numeric epochs) as the quiet stretches once were, and only the stretches at
   * least the shortest silent_s long, or the last sighting of each worker: a stretch that long always
   * runs from the latest sighting of one bucket to the earliest of a later one, so the fold loses none.
   */
  sightings: (from: Date, end: Date, silentMs: number) => sql`
    with s as (
      select worker_id, created_at as t from helper_events
      where created_at >= ${from.toISOString()}::timestamptz and created_at < ${end.toISOString()}::timestamptz
      union all
      select worker_id, at from lease_history
      where at >= ${from.toISOString()}::timestamptz and at < ${end.toISOString()}::timestamptz and event in ('acquired', 'renewed', 'completed')
      union all
      select worker_id, checked_at from artifact_checks
      where worker_id is not null and checked_at >= ${from.toISOString()}::timestamptz and checked_at < ${end.toISOString()}::timestamptz
    ),
    b as (
      select worker_id, min(t) as lo, max(t) as hi from s
      group by worker_id, date_bin(make_interval(secs => ${Math.max(1, silentMs) / 1000}), t, timestamptz '2000-01-01 00:00:00+00')
    ),
    o as (select worker_id, hi, lead(lo) over (partition by worker_id order by lo) as next_lo from b)
    select worker_id, ${sql.raw(ms('hi', 'seen'))}, ${sql.raw(ms('next_lo', 'next'))} from o
    where next_lo is null or next_lo - hi >= make_interval(secs => ${silentMs / 1000})`,
  checks: (from: Date, to: Date) => sql`
    select id, job_id, worker_id, http_status, file_count, expected_file_count, failure_reason, ${sql.raw(ms('checked_at'))} from artifact_checks
    where checked_at >= ${from.toISOString()}::timestamptz and checked_at < ${to.toISOString()}::timestamptz`,
  /** complete refused for want of a passing check: the gate's own evidence */
  refusals: (from: Date, to: Date) => sql`
    select job_id, ${sql.raw(ms('created_at', 'at'))} from repair_actions
    where created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
      and action = 'block_complete' and trigger = 'artifact_gate_failed'`,
};

/** Reads the evidence of `[from, to)` for replaying `sets`; statements run at once on a pool. */
export async function loadReplayEvidence(db: Db, window: { from: Date; to: Date; now: Date }, sets: Pick<RuleSet, 'rules'>[]): Promise<ReplayEvidence> {
  const { from, to } = window;
  const end = new Date(Math.min(to.getTime(), window.now.getTime()));
  const th = loosestThresholds(sets);
  const look = new Date(from.getTime() - REPLAY_LOOKBACK_MS);
  const loopFrom = new Date(from.getTime() - th.loopWindowMs);
  // each statement in its own read-only transaction (a preview cannot write), without JIT compilation
  // (it costs more than these statements take), with room to sort and group in memory, and without
  // parallel workers: the eight statements already run side by side, and a worker per statement only
  // competes for the same cores (and passes its rows through the Gather's queue) — the three settings
  // transaction-local (set_config's `true`, as SET LOCAL) in one round trip
  const run = (q: ReturnType<typeof sql>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`set transaction read only`);
      await tx.execute(sql`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true), set_config('max_parallel_workers_per_gather', '0', true)`);
      return rowsOf<Record<string, unknown>>(await tx.execute(q));
    });
  const [candidates, failing, series, lease, gaps, sightings, checks, refusals] = await Promise.all([
    run(replayStatements.candidates(from, to, th.claimTimeoutMs)),
    run(replayStatements.failing(from, to)),
    run(replayStatements.series(loopFrom, from, to, th.loopRepeats)),
    run(replayStatements.lease(look, end, th.quietMs, th.graceMs)),
    run(replayStatements.gaps(look, end, th.quietMs)),
    run(replayStatements.sightings(look, end, th.silentMs)),
    run(replayStatements.checks(from, to)),
    run(replayStatements.refusals(from, to)),
  ]);
  return {
    from,
    to,
    end,
    candidates: candidates.map(toEvent),
    failing: failing.map((r) => ({ id: String(r.id), job_id: String(r.job_id) })),
    series: series.map(toEvent),
    lease: lease.map((r) => ({ job_id: String(r.job_id), worker_id: String(r.worker_id), event: String(r.event), lease_expires_at: dn(r.lease_expires_at), at: d(r.at), next_at: dn(r.next_at) })),
    gaps: gaps.map((r) => ({ job_id: String(r.job_id), last: dn(r.last), next: dn(r.next) })),
    sightings: sightings.map((r) => ({ worker_id: String(r.worker_id), seen: d(r.seen), next: dn(r.next) })),
    checks: checks.map((r) => ({
      id: String(r.id),
      job_id: String(r.job_id),
      worker_id: (r.worker_id as string | null) ?? null,
      http_status: r.http_status == null ? null : Number(r.http_status),
      file_count: Number(r.file_count),
      expected_file_count: Number(r.expected_file_count),
      failure_reason: (r.failure_reason as string | null) ?? null,
      checked_at: d(r.checked_at),
    })),
    refusals: refusals.map((r) => ({ job_id: String(r.job_id), at: d(r.at) })),
  };
}
