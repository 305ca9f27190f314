import { sql } from 'drizzle-orm';
import { type LeaseRow, toLeaseRow } from '../leases';

export const BATCH = 1000;

/**
 * The sweep's lease statements, exported so a test can EXPLAIN exactly what runs. Each one is a
 * range over the partial index job_leases_sweep_idx (sweep_stage, lease_expires_at) where
 * state in ('active', 'expired'): the repeated `state in (...)` lets the planner match its predicate.
 */
export const sweepStatements = {
  /** active leases with less than `withinMs` left */
  nearExpiry: (now: Date, withinMs: number) => sql`
    select job_id from job_leases
    where state in ('active', 'expired') and sweep_stage = 0 and state = 'active'
      and lease_expires_at > ${now.toISOString()} and lease_expires_at < ${new Date(now.getTime() + withinMs).toISOString()}
    order by lease_expires_at
    limit ${BATCH}`,
  /** active leases past the cutoff → expired, stage 1 */
  expire: (now: Date, cutoff: Date) => sql`
    update job_leases set state = 'expired', sweep_stage = 1, updated_at = ${now.toISOString()}
    where job_id in (
      select job_id from job_leases
      where state in ('active', 'expired') and sweep_stage = 0 and state = 'active' and lease_expires_at <= ${cutoff.toISOString()}
      order by lease_expires_at
      limit ${BATCH}
      for update skip locked)
    returning *`,
  /** leases of one stage expired before the cutoff → stage 2 (queue stuck) */
  markStuck: (now: Date, stage: 0 | 1, cutoff: Date) => sql`
    update job_leases set sweep_stage = 2, updated_at = ${now.toISOString()}
    where job_id in (
      select job_id from job_leases
      where state in ('active', 'expired') and sweep_stage = ${stage} and lease_expires_at < ${cutoff.toISOString()}
      order by lease_expires_at
      limit ${BATCH}
      for update skip locked)
    returning *`,
  /** the earliest expiry per stage, and the earliest lease not yet in its near-expiry window */
  deadlines: (now: Date, withinMs: number) => sql`
    select
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage = 0
         and lease_expires_at >= ${new Date(now.getTime() + withinMs).toISOString()}) as near_start,
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage = 0) as stage0,
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage = 1) as stage1`,
};

/** Due leases in a stable order, earliest expiry first: the order of the findings and audit entries. */
export function dueOrder(rows: Record<string, unknown>[]): LeaseRow[] {
  return rows.map(toLeaseRow).sort((a, b) => a.leaseExpiresAt.getTime() - b.leaseExpiresAt.getTime() || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}
