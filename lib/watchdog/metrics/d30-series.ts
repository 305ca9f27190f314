import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { QUEUE_STUCK_DETECTION_SLACK_S } from './d30-assumptions';
import { DAY_BUCKET, type D30Window } from './d30-window';

/** The D30 statements that count per UTC day: helper events, incidents, artifact checks, retries. */

/** Where the per-day event counts come from: the helper_event_days rollup, or counting helper_events. */
export type D30EventSource = 'rollup' | 'count';

type DayRow = { day: string };
export type EventDayRow = DayRow & { events: number };
export type IncidentRow = DayRow & { signal: string; n: number; detect_s: number; resolved: number; resolve_s: number; open: number; late: number; max_lag_s: number | null };
export type CheckRow = DayRow & { passed: number; failed: number };
export type RetryRow = DayRow & { attempts: number; succeeded: number };

/**
 * Per-day helper event counts. Whole days inside the window come from the helper_event_days rollup
 * (a sum over its shards); the partial days at the window's edges are index-only range counts.
 * `source: 'count'` counts every day from helper_events instead (the cross-check and the baseline).
 */
export function eventsPerDay(db: Db, w: D30Window, source: D30EventSource) {
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

/** Incidents detected in the window by day and signal, with the detection and resolution sums. */
export function incidentsPerDay(db: Db, w: D30Window) {
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

export function checksPerDay(db: Db, w: D30Window) {
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
export function retriesPerDay(db: Db, w: D30Window) {
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
      left join lateral (select (n.exit_code is not distinct from 0 and n.signal is null) as ok from helper_events n
                          where n.job_id = a.job_id and n.phase = a.phase and n.created_at > a.after
                          order by n.created_at limit 1) nx on true
      where a.phase is not null
      union all
      select a.counted_at, nx.ok
      from attempts a
      left join lateral (select (n.exit_code is not distinct from 0 and n.signal is null) as ok from helper_events n
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
