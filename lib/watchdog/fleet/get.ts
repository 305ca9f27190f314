import { desc, inArray, sql } from 'drizzle-orm';
import { rowsOf } from '@/db/client';
import { incidents } from '@/db/schema';
import { assertActsFor } from '../access';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { toIncidentJson } from '../incidents';
import { getCurrentRules, ruleParam } from '../rules';
import { toWorkerJson, type WorkerJson, workerRows } from './list';

export const WORKER_JOBS_LIMIT = 50;

export interface WorkerJobJson {
  job_id: string;
  last_activity_at: string;
  /** the job's lease now: its state and holder (another worker may hold it now) */
  state: string | null;
  holder_worker_id: string | null;
  fencing_token: number | null;
  lease_expires_at: string | null;
  open_incidents: number;
}

const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

/**
 * GET /workers/:worker_id: the worker, its jobs (up to 50, the most recent activity first: leases it
 * holds or held last, and the jobs of its latest 1000 events) and its open incidents. A worker token
 * reads only itself.
 */
export async function getWorker(ctx: Ctx, workerId: string): Promise<{ worker: WorkerJson; jobs: WorkerJobJson[]; incidents: ReturnType<typeof toIncidentJson>[] }> {
  assertActsFor(ctx.actor, workerId);
  const rules = await getCurrentRules(ctx.db);
  const silentS = ruleParam(rules, 'worker_silent', 'silent_s');
  const [row] = rowsOf<Record<string, unknown>>(await workerRows(ctx.db, ctx.now, sql`w.worker_id = ${workerId}`));
  if (!row) throw notFound(`worker ${workerId}`);
  const jobRes = await ctx.db.execute(sql`
    with recent as (
      select job_id, max(at) as last_at from (
        select job_id, greatest(updated_at, last_heartbeat_at) as at from job_leases where worker_id = ${workerId}
        union all
        select job_id, created_at from (
          select job_id, created_at from helper_events where worker_id = ${workerId} order by created_at desc limit 1000
        ) e
      ) x
      group by job_id
      order by max(at) desc, job_id
      limit ${WORKER_JOBS_LIMIT}
    )
    select r.job_id, r.last_at, l.state, l.worker_id as holder_worker_id, l.fencing_token, l.lease_expires_at,
      (select count(*) from incidents i where i.job_id = r.job_id and i.status = 'open')::int as open_incidents
    from recent r left join job_leases l on l.job_id = r.job_id
    order by r.last_at desc, r.job_id`);
  const jobs = rowsOf<Record<string, unknown>>(jobRes).map((j) => ({
    job_id: String(j.job_id),
    last_activity_at: iso(j.last_at)!,
    state: (j.state as string | null) ?? null,
    holder_worker_id: (j.holder_worker_id as string | null) ?? null,
    fencing_token: j.fencing_token == null ? null : Number(j.fencing_token),
    lease_expires_at: iso(j.lease_expires_at),
    open_incidents: Number(j.open_incidents ?? 0),
  }));
  const held = jobs.filter((j) => j.holder_worker_id === workerId).map((j) => j.job_id);
  const open = await ctx.db
    .select()
    .from(incidents)
    .where(
      sql`${incidents.status} = 'open' and (${incidents.workerId} = ${workerId} or (${incidents.workerId} is null and (${incidents.details}->>'worker_id' = ${workerId}${
        held.length ? sql` or ${inArray(incidents.jobId, held)}` : sql``
      })))`,
    )
    .orderBy(desc(incidents.detectedAt))
    .limit(200);
  return { worker: toWorkerJson(row, silentS, ctx.now), jobs, incidents: open.map(toIncidentJson) };
}
