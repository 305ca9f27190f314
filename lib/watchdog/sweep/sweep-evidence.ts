import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { openIncidents } from '../incidents';
import { type LeaseRow } from '../leases';
import { type RuleSet } from '../rules';

/** One incident per due lease (opened, or the open one extended), with the lease and its last event as evidence. */
export function openLeaseIncidents(
  tx: Db,
  now: Date,
  rules: RuleSet,
  due: LeaseRow[],
  events: Map<string, { id: string; outputHash: string }>,
  signal: 'lease_expired' | 'queue_stuck',
  specific: (lease: LeaseRow) => { firstFailureAt: Date; details: Record<string, unknown> },
) {
  return openIncidents(
    tx,
    now,
    due.map((lease) => {
      const event = events.get(lease.jobId);
      const { firstFailureAt, details } = specific(lease);
      return {
        jobId: lease.jobId,
        signal,
        firstFailureAt,
        evidenceEventIds: event ? [event.id] : [],
        details: { worker_id: lease.workerId, fencing_token: lease.fencingToken, lease_expires_at: lease.leaseExpiresAt.toISOString(), ...details },
        ruleVersion: rules.version,
      };
    }),
  );
}

/**
 * The latest helper event of each job: the evidence a sweep finding points at. One statement for
 * all the jobs: a LATERAL join takes the newest row of each job from helper_events_job_id_idx
 * (job_id, created_at). Jobs without events are absent from the map.
 */
export async function lastEvents(tx: Db, jobIds: string[]): Promise<Map<string, { id: string; outputHash: string }>> {
  const res = await tx.execute(sql`
    select d.job_id, e.id, e.output_hash
    from jsonb_array_elements_text(${JSON.stringify(jobIds)}::jsonb) as d(job_id)
    join lateral (
      select h.id, h.output_hash from helper_events h where h.job_id = d.job_id order by h.created_at desc limit 1
    ) e on true`);
  return new Map(rowsOf<{ job_id: string; id: string; output_hash: string }>(res).map((r) => [r.job_id, { id: r.id, outputHash: r.output_hash }]));
}

/**
 * The pending release/reclaim request of each job, if any (the oldest when there are both): the
 * supervisor is already asked, so the sweep does not ask again. One statement: a LATERAL lookup per
 * job in the partial unique index repair_actions_one_pending_idx (job_id, action) where pending.
 */
export async function pendingRequests(tx: Db, jobIds: string[]): Promise<Map<string, string>> {
  const res = await tx.execute(sql`
    select d.job_id, r.id
    from jsonb_array_elements_text(${JSON.stringify(jobIds)}::jsonb) as d(job_id)
    join lateral (
      select a.id from repair_actions a
      where a.job_id = d.job_id and a.result = 'pending' and a.action in ('release', 'reclaim')
      order by a.created_at, a.id limit 1
    ) r on true`);
  return new Map(rowsOf<{ job_id: string; id: string }>(res).map((r) => [r.job_id, r.id]));
}
