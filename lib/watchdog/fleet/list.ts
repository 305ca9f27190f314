import { type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Ctx } from '../context';
import { getCurrentRules, ruleParam } from '../rules';
import { RETIRED_AFTER_MS, statusRank, type WorkerStatus, workerStatus } from './status';

const DAY_MS = 24 * 3600 * 1000;

export interface WorkerJson {
  worker_id: string;
  status: WorkerStatus;
  first_seen_at: string;
  last_seen_at: string;
  current_job_id: string | null;
  lease_expires_at: string | null;
  runner_version: string | null;
  events_24h: number;
  failures_24h: number;
  open_incidents: number;
}

const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

/**
 * Workers with their figures, one statement. The current job is the active, unexpired lease the
 * worker holds (job_leases_worker_state_idx); events and failures of the last 24 h are one index-only
 * range per worker of helper_events_worker_time_idx (worker_id, created_at, exit_code, signal), read in
 * a lateral join so it runs once per worker, not once per joined row; open incidents count those that
 * carry the worker (its own, and its jobs' — for a job incident without worker_id, the lease holder's).
 * Keep the plan's cost low: a subquery per joined row priced the statement past jit_above_cost, and
 * compiling it took longer (~1 s) than running it.
 */
export function workerRows(db: Db, now: Date, where: SQL) {
  const nowIso = now.toISOString();
  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  return db.execute(sql`
    with oi as (
      select x.worker_id, count(*)::int as n from (
        select coalesce(i.worker_id, i.details->>'worker_id') as worker_id from incidents i
        where i.status = 'open' and coalesce(i.worker_id, i.details->>'worker_id') is not null
        union all
        -- only the incidents that name no worker need their job's lease (every incident opened since 0004 names one)
        -- (the same expression as incidents_named_worker_stats, 0013, so the planner knows how many)
        select l.worker_id from incidents i join job_leases l on l.job_id = i.job_id
        where i.status = 'open' and coalesce(i.worker_id, i.details->>'worker_id') is null
      ) x
      group by 1
    )
    select w.worker_id, w.first_seen_at, w.last_seen_at, w.runner_version, cl.job_id as current_job_id, cl.lease_expires_at,
      ev.events_24h, ev.failures_24h, coalesce(oi.n, 0)::int as open_incidents
    from workers w
    left join lateral (
      select l.job_id, l.lease_expires_at from job_leases l
      where l.worker_id = w.worker_id and l.state = 'active' and l.lease_expires_at > ${nowIso}::timestamptz
      order by l.lease_expires_at desc limit 1
    ) cl on true
    cross join lateral (
      select count(*)::int as events_24h, (count(*) filter (where e.exit_code <> 0 or e.signal is not null))::int as failures_24h
      from helper_events e where e.worker_id = w.worker_id and e.created_at >= ${dayAgo}::timestamptz
    ) ev
    left join oi on oi.worker_id = w.worker_id
    where ${where}`);
}

export function toWorkerJson(r: Record<string, unknown>, silentS: number, now: Date): WorkerJson {
  const lastSeenAt = new Date(iso(r.last_seen_at)!);
  return {
    worker_id: String(r.worker_id),
    status: workerStatus({ lastSeenAt, holdsActiveLease: r.current_job_id != null }, silentS, now),
    first_seen_at: iso(r.first_seen_at)!,
    last_seen_at: lastSeenAt.toISOString(),
    current_job_id: (r.current_job_id as string | null) ?? null,
    lease_expires_at: iso(r.lease_expires_at),
    runner_version: (r.runner_version as string | null) ?? null,
    events_24h: Number(r.events_24h ?? 0),
    failures_24h: Number(r.failures_24h ?? 0),
    open_incidents: Number(r.open_incidents ?? 0),
  };
}

/** GET /workers: every worker seen in the last 7 days (all with `includeRetired`), silent ones first. */
export async function listWorkers(ctx: Ctx, opts: { includeRetired?: boolean } = {}): Promise<WorkerJson[]> {
  const since = new Date(ctx.now.getTime() - RETIRED_AFTER_MS).toISOString();
  const where = opts.includeRetired ? sql`true` : sql`w.last_seen_at >= ${since}::timestamptz`;
  // the rules only decide the statuses, afterwards: read them alongside the rows
  const [rules, res] = await Promise.all([getCurrentRules(ctx.db), workerRows(ctx.db, ctx.now, where)]);
  const silentS = ruleParam(rules, 'worker_silent', 'silent_s');
  const rows = rowsOf<Record<string, unknown>>(res);
  return rows
    .map((r) => toWorkerJson(r, silentS, ctx.now))
    .sort(
      (a, b) =>
        statusRank[a.status] - statusRank[b.status] ||
        // silent: the longest silent first; the others: the most recently seen first
        (a.status === 'silent' ? a.last_seen_at.localeCompare(b.last_seen_at) : b.last_seen_at.localeCompare(a.last_seen_at)) ||
        a.worker_id.localeCompare(b.worker_id),
    );
}
