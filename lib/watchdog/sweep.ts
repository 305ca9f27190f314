import { randomUUID } from 'node:crypto';
import { and, eq, gt, lte, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { jobLeases, repairActions } from '@/db/schema';
import type { Signal } from '@/lib/schemas/common';
import type { Ctx } from './context';
import { openIncident } from './incidents';
import { recordLeaseHistory } from './leases';
import { enqueueNotification } from './notifications';
import { getCurrentRules, type RuleSet, ruleParam } from './rules';
import { telemetry } from './telemetry';

export interface Finding {
  signal: Signal;
  job_id: string;
  incident_id: string | null;
  action_id?: string | null;
}

const SWEEP_LOCK = 7265004;
const BATCH = 1000;

/**
 * One watchdog sweep. Only due leases are read (range scans over (sweep_stage, lease_expires_at)),
 * so the cost grows with what is due, not with all leases. A transaction-scoped advisory lock makes
 * concurrent sweeps (N server instances) run one after the other; the partial unique indexes make
 * a duplicate incident or pending request impossible anyway.
 */
export async function runSweep(ctx: Ctx): Promise<{ swept_at: string; findings: Finding[] }> {
  const started = performance.now();
  const rules = await getCurrentRules(ctx.db);
  const findings = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SWEEP_LOCK})`);
    const out: Finding[] = [];
    out.push(...(await sweepNearExpiry(tx, ctx, rules)));
    out.push(...(await sweepExpired(tx, ctx, rules)));
    out.push(...(await sweepStuck(tx, ctx, rules)));
    return out;
  });
  telemetry().sweepDuration.observe((performance.now() - started) / 1000);
  return { swept_at: ctx.now.toISOString(), findings };
}

async function sweepNearExpiry(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const rows = await tx
    .select({ jobId: jobLeases.jobId })
    .from(jobLeases)
    .where(
      and(
        sql`${jobLeases.state} in ('active', 'expired')`,
        eq(jobLeases.sweepStage, 0),
        eq(jobLeases.state, 'active'),
        gt(jobLeases.leaseExpiresAt, ctx.now),
        lte(jobLeases.leaseExpiresAt, new Date(ctx.now.getTime() + within)),
      ),
    )
    .limit(BATCH);
  // A directive, not an incident: the heartbeat answer tells the holder to renew.
  return rows.map((r) => ({ signal: 'lease_near_expiry' as const, job_id: r.jobId, incident_id: null }));
}

async function sweepExpired(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  const grace = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
  const due = await tx
    .update(jobLeases)
    .set({ state: 'expired', sweepStage: 1, updatedAt: ctx.now })
    .where(
      sql`${jobLeases.jobId} in (select job_id from job_leases where state in ('active', 'expired') and sweep_stage = 0
          and state = 'active' and lease_expires_at <= ${new Date(ctx.now.getTime() - grace).toISOString()} limit ${BATCH} for update skip locked)`,
    )
    .returning();
  const out: Finding[] = [];
  for (const lease of due) {
    const inc = await openIncident(tx, ctx.now, {
      jobId: lease.jobId,
      signal: 'lease_expired',
      firstFailureAt: lease.leaseExpiresAt,
      details: { worker_id: lease.workerId, fencing_token: lease.fencingToken, lease_expires_at: lease.leaseExpiresAt.toISOString(), last_heartbeat_at: lease.lastHeartbeatAt.toISOString() },
      ruleVersion: rules.version,
    });
    const actionId = randomUUID();
    await tx.insert(repairActions).values({
      id: actionId,
      jobId: lease.jobId,
      trigger: 'lease_expired',
      action: 'mark_stuck',
      authority: 'system',
      result: 'success',
      note: `lease of ${lease.workerId} expired at ${lease.leaseExpiresAt.toISOString()} without a heartbeat`,
      incidentId: inc.id,
      requestedBy: 'system:sweep',
      createdAt: ctx.now,
    });
    await recordLeaseHistory(tx, ctx, lease, 'expired');
    out.push({ signal: 'lease_expired', job_id: lease.jobId, incident_id: inc.id, action_id: actionId });
  }
  return out;
}

async function sweepStuck(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  const grace = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
  const due = await tx
    .update(jobLeases)
    .set({ sweepStage: 2, updatedAt: ctx.now })
    .where(
      sql`${jobLeases.jobId} in (select job_id from job_leases where state in ('active', 'expired') and sweep_stage < 2
          and lease_expires_at < ${new Date(ctx.now.getTime() - grace).toISOString()} limit ${BATCH} for update skip locked)`,
    )
    .returning();
  const out: Finding[] = [];
  for (const lease of due) {
    const inc = await openIncident(tx, ctx.now, {
      jobId: lease.jobId,
      signal: 'queue_stuck',
      firstFailureAt: new Date(lease.leaseExpiresAt.getTime() + grace),
      details: { worker_id: lease.workerId, fencing_token: lease.fencingToken, lease_expires_at: lease.leaseExpiresAt.toISOString() },
      ruleVersion: rules.version,
    });
    const [request] = await tx
      .insert(repairActions)
      .values({
        id: randomUUID(),
        jobId: lease.jobId,
        trigger: 'queue_stuck',
        action: 'reclaim',
        authority: 'system',
        result: 'pending',
        note: `job still not completed ${Math.round((ctx.now.getTime() - lease.leaseExpiresAt.getTime()) / 1000)}s after its lease expired: reclaim it for another worker?`,
        incidentId: inc.id,
        requestedBy: 'system:sweep',
        createdAt: ctx.now,
      })
      .onConflictDoNothing()
      .returning({ id: repairActions.id });
    if (request) {
      await enqueueNotification(tx, ctx.now, { kind: 'supervisor_review', jobId: lease.jobId, payload: { action_id: request.id, action: 'reclaim', job_id: lease.jobId, trigger: 'queue_stuck', incident_id: inc.id } });
    }
    out.push({ signal: 'queue_stuck', job_id: lease.jobId, incident_id: inc.id, action_id: request?.id ?? null });
  }
  return out;
}

/** When the next lease deadline falls (the start of a near-expiry window, an expiry, a stuck grace end). */
export async function nextSweepDeadline(db: Db, now: Date): Promise<Date | null> {
  const rules = await getCurrentRules(db);
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const expiredGrace = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
  const stuckGrace = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
  const res = await db.execute(sql`
    select
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage = 0 and state = 'active'
         and lease_expires_at > ${new Date(now.getTime() + within).toISOString()}) as near_start,
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage = 0 and state = 'active') as expiry,
      (select min(lease_expires_at) from job_leases where state in ('active', 'expired') and sweep_stage < 2) as stuck`);
  const row = rowsOf<{ near_start: string | Date | null; expiry: string | Date | null; stuck: string | Date | null }>(res)[0];
  const candidates: number[] = [];
  if (row.near_start) candidates.push(new Date(row.near_start).getTime() - within);
  if (row.expiry) candidates.push(new Date(row.expiry).getTime() + expiredGrace);
  if (row.stuck) candidates.push(new Date(row.stuck).getTime() + stuckGrace);
  return candidates.length ? new Date(Math.min(...candidates)) : null;
}

