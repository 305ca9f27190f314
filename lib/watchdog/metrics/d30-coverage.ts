import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { DAY_BUCKET, type D30Window } from './d30-window';

/** The D30 statements over whole jobs: which failing jobs were covered, and completions without a passing check. */

export type FailureRow = {
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
export type CompletionRow = { completed: number; false_green: number };

/**
 * Failing jobs and whether each was covered; failing events per day. One statement, one snapshot.
 * The helper-event parts repeat the predicates of the partial indexes helper_events_failures_idx and
 * helper_events_unclassified_idx word for word, so they are index-only range scans.
 */
export function failuresAndCoverage(db: Db, w: D30Window) {
  const from = w.from.toISOString();
  const to = w.to.toISOString();
  return db.execute(sql`
    with fe as (
      select e.job_id, e.created_at
      from helper_events e
      where e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and (e.exit_code is distinct from 0 or e.signal is not null)
    ),
    fu as (
      select e.job_id
      from helper_events e
      where e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and (e.exit_code is distinct from 0 or e.signal is not null) and not (e.signal is not null and jsonb_array_length(e.suggested_actions) > 0)
    ),
    repairable as (
      select rs.version, r->>'signal' as signal
      from rule_sets rs, jsonb_array_elements(rs.rules) r
      where coalesce(r->>'auto_repair', '') <> ''
    ),
    fi as (
      select coalesce(i.job_id, 'worker:' || i.worker_id) as job_id, (rp.signal is not null) as covered
      from incidents i
      left join repairable rp on rp.version = i.rule_version and rp.signal = i.signal
      where i.detected_at >= ${from}::timestamptz and i.detected_at < ${to}::timestamptz
        and i.signal in ('lease_expired', 'queue_stuck', 'artifact_gate_fail', 'no_progress', 'loop_detected', 'worker_silent')
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

/** Completions in the window and those without a passing artifact check at or before completion. */
export function completions(db: Db, w: D30Window) {
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
