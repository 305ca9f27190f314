import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { hashOutput as hashOf } from '@/lib/watchdog/hash';

export interface BenchSeedOptions {
  /** helper events to insert (the other tables get proportional rows) */
  events: number;
  /** the end of the seeded period; events spread over the 30 days before it */
  now: Date;
  /** helper events per job */
  eventsPerJob?: number;
}

export interface BenchSeedCounts {
  helper_events: number;
  job_leases: number;
  artifact_checks: number;
  incidents: number;
  repair_actions: number;
}

/**
 * Seeds a fleet of `events / eventsPerJob` jobs spread over the 30 days before `now`, with set-based
 * `insert … select generate_series` statements (no row-by-row round trips). Deterministic: every
 * choice is a function of the row number.
 *
 * Per job: `eventsPerJob` helper events 20 s apart cycling through the phases; about 4 % of events fail
 * (2 % fetch_failed, 0.8 % claim_no_output, 1.2 % unknown errors with no signal); the classified ones
 * suggest a retry (half of them) or an escalation, open an incident, and the retries are recorded as
 * system repair actions. 90 % of jobs are completed after a passing artifact check, 10 % had a failed
 * check (and an artifact_gate_fail incident) before it; 3 % of jobs had an expired lease, 1 % got stuck.
 */
export async function seedBenchFleet(db: Db, opts: BenchSeedOptions): Promise<BenchSeedCounts> {
  const perJob = opts.eventsPerJob ?? 50;
  const jobs = Math.max(1, Math.floor(opts.events / perJob));
  const end = opts.now.toISOString();
  const exec = (q: ReturnType<typeof sql>) => db.execute(q);
  const params = sql`(select ${end}::timestamptz as t_end, ${jobs}::int as jobs, ${perJob}::int as per_job, ${opts.events}::int as n)`;

  // Helper events. j = job number, k = position in the job; h decides the failures.
  await exec(sql`
    insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms,
                               created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
    select md5('ev' || i)::uuid,
           'job-' || j,
           'w-' || (j % 200),
           'pls ' || ph || ' job-' || j,
           ph,
           case when h < 40 then 1 else 0 end,
           case when h < 20 then '500 TypeError: fetch failed' when h < 28 then '' when h < 40 then 'segmentation fault' else '{"ok":true}' end,
           case when h < 20 then ${hashOf('500 TypeError: fetch failed')} when h < 28 then ${hashOf('')} when h < 40 then ${hashOf('segmentation fault')} else ${hashOf('{"ok":true}')} end,
           case when h < 20 then 'INTERNAL_ERROR' when h < 28 then 'NO_OUTPUT_TIMEOUT' else null end,
           case when h >= 20 and h < 28 then 31000 else 200 + (i % 900) end,
           at, at + interval '150 milliseconds',
           case when h < 20 then 'fetch_failed' when h < 28 then 'claim_no_output' else null end,
           1,
           case when h < 28 and h % 2 = 0 then '[{"action":"touch","authority":"system"},{"action":"retry","authority":"system","delay_s":3}]'::jsonb
                when h < 28 then '[{"action":"notify_owner","authority":"system","escalation":"needs_human"}]'::jsonb
                else '[]'::jsonb end,
           case when h < 28 then md5('inc' || i)::uuid else null end,
           md5('body' || i)
    from ${params} p,
         lateral generate_series(0, p.n - 1) i,
         lateral (select i / p.per_job as j, i % p.per_job as k, (i::bigint * 7919 + 13) % 1000 as h) x,
         lateral (select (array['doctor','claim','context','progress','build','upload','complete','touch'])[k % 8 + 1] as ph,
                         p.t_end - interval '30 days' + (j * ((interval '30 days' - interval '2 hours') / p.jobs)) + k * interval '20 seconds' as at) y`);

  // Leases: 90 % completed, the rest active or expired.
  await exec(sql`
    insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage, completed_at, completed_artifact_check_id, updated_at)
    select 'job-' || j, 'w-' || (j % 200), 1 + (j % 3), s + interval '20 minutes', s + p.per_job * interval '20 seconds', s,
           case when j % 10 = 9 then (case when j % 20 = 9 then 'expired' else 'active' end) else 'completed' end,
           case when j % 20 = 9 then 1 else 0 end,
           case when j % 10 = 9 then null else s + p.per_job * interval '20 seconds' end,
           case when j % 10 = 9 then null else md5('chk-ok' || j)::uuid end,
           s + p.per_job * interval '20 seconds'
    from ${params} p, lateral generate_series(0, p.jobs - 1) j,
         lateral (select p.t_end - interval '30 days' + (j * ((interval '30 days' - interval '2 hours') / p.jobs)) as s) x`);

  // Artifact checks: every completed job has a passing check before completion; 10 % failed once first.
  await exec(sql`
    insert into artifact_checks (id, job_id, worker_id, primary_url, files, http_status, file_count, expected_file_count, passed, failure_reason, checked_at, requested_by)
    select md5('chk-ok' || j)::uuid, 'job-' || j, 'w-' || (j % 200), 'https://artifacts.example/job-' || j, '[]'::jsonb, 200, 1, 1, true, null,
           s + (p.per_job - 1) * interval '20 seconds', 'worker:w-' || (j % 200)
    from ${params} p, lateral generate_series(0, p.jobs - 1) j,
         lateral (select p.t_end - interval '30 days' + (j * ((interval '30 days' - interval '2 hours') / p.jobs)) as s) x
    where j % 10 <> 9
    union all
    select md5('chk-bad' || j)::uuid, 'job-' || j, 'w-' || (j % 200), 'https://artifacts.example/job-' || j, '[]'::jsonb, 404, 0, 1, false,
           'primary_url answered 404, expected 200', s + (p.per_job - 5) * interval '20 seconds', 'worker:w-' || (j % 200)
    from ${params} p, lateral generate_series(0, p.jobs - 1) j,
         lateral (select p.t_end - interval '30 days' + (j * ((interval '30 days' - interval '2 hours') / p.jobs)) as s) x
    where j % 10 = 3`);

  // Incidents: one per classified failure event (resolved by the healthy retry), one per failed check,
  // one per expired lease, one per stuck job (half of those still open).
  await exec(sql`
    insert into incidents (id, job_id, signal, status, first_failure_at, detected_at, resolved_at, resolution, evidence_event_ids, details, rule_version)
    select e.incident_id, e.job_id, e.signal, 'resolved', e.created_at, e.received_at, e.created_at + interval '25 seconds', 'recovered',
           jsonb_build_array(e.id), jsonb_build_object('phase', e.phase), 1
    from helper_events e where e.incident_id is not null`);
  await exec(sql`
    insert into incidents (id, job_id, signal, status, first_failure_at, detected_at, resolved_at, resolution, evidence_event_ids, details, rule_version)
    select md5('inc-gate' || j)::uuid, 'job-' || j, 'artifact_gate_fail', 'resolved', c.checked_at, c.checked_at, c.checked_at + interval '80 seconds',
           'artifact check passed', '[]'::jsonb, jsonb_build_object('check_id', c.id), 1
    from ${params} p, lateral generate_series(0, p.jobs - 1) j
    join artifact_checks c on c.id = md5('chk-bad' || j)::uuid
    where j % 10 = 3
    union all
    select md5('inc-exp' || j)::uuid, l.job_id, 'lease_expired', case when j % 40 = 9 then 'open' else 'resolved' end,
           l.lease_expires_at, l.lease_expires_at + interval '4 seconds', case when j % 40 = 9 then null else l.lease_expires_at + interval '10 minutes' end,
           null, '[]'::jsonb, '{}'::jsonb, 1
    from ${params} p, lateral generate_series(0, p.jobs - 1) j
    join job_leases l on l.job_id = 'job-' || j
    where j % 20 = 9 or j % 100 = 19
    union all
    select md5('inc-stuck' || j)::uuid, l.job_id, 'queue_stuck', 'open', l.lease_expires_at + interval '5 minutes', l.lease_expires_at + interval '5 minutes 3 seconds',
           null, null, '[]'::jsonb, '{}'::jsonb, 1
    from ${params} p, lateral generate_series(0, p.jobs - 1) j
    join job_leases l on l.job_id = 'job-' || j
    where j % 20 = 9`);

  // Repair actions: touch + retry for each retried failure, mark_stuck per expired lease, reclaim requests.
  await exec(sql`
    insert into repair_actions (id, job_id, trigger, action, authority, result, evidence_event_ids, phase, output_hash, incident_id, requested_by, created_at)
    select md5(a.action || e.id::text)::uuid, e.job_id, e.signal, a.action, 'system', 'success', jsonb_build_array(e.id), e.phase, e.output_hash, e.incident_id,
           'system:runner', e.created_at + a.after
    from helper_events e
    cross join (values ('touch', interval '1 second'), ('retry', interval '4 seconds')) a(action, after)
    where e.incident_id is not null and e.suggested_actions @> '[{"action":"retry"}]'`);
  await exec(sql`
    insert into repair_actions (id, job_id, trigger, action, authority, result, evidence_event_ids, phase, output_hash, incident_id, requested_by, created_at)
    select md5('act' || i.id::text)::uuid, i.job_id, i.signal, case when i.signal = 'lease_expired' then 'mark_stuck' else 'reclaim' end, 'system',
           case when i.signal = 'lease_expired' then 'success' else 'pending' end, '[]'::jsonb, null, null, i.id, 'system:sweep', i.detected_at
    from incidents i where i.signal in ('lease_expired', 'queue_stuck')`);

  const counts = await db.execute(sql`
    select (select count(*) from helper_events)::int as helper_events, (select count(*) from job_leases)::int as job_leases,
           (select count(*) from artifact_checks)::int as artifact_checks, (select count(*) from incidents)::int as incidents,
           (select count(*) from repair_actions)::int as repair_actions`);
  return ((counts as unknown as { rows: BenchSeedCounts[] }).rows ?? [])[0];
}
