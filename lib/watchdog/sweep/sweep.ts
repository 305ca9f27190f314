import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Signal } from '@/lib/schemas/common';
import type { LeaseState } from '@/lib/schemas/enums';
import { type AuditEntry, appendAuditBatch } from '../audit';
import type { Ctx } from '../context';
import { openIncidents } from '../incidents';
import { type LeaseRow, recordLeaseHistoryBatch } from '../leases';
import { enqueueNotifications } from '../notify';
import { insertRepairActions } from '../repairs';
import { getCurrentRules, type RuleSet, ruleParam } from '../rules';
import { telemetry } from '../telemetry';

export interface Finding {
  signal: Signal;
  job_id: string;
  incident_id: string | null;
  action_id?: string | null;
}

export interface SweepResult {
  swept_at: string;
  findings: Finding[];
  /** set when another sweeper held the leadership lock and this sweep stood down */
  skipped?: boolean;
}

export interface SweepOptions {
  /** stand down (instead of waiting) when another instance is sweeping — what the scheduler does */
  skipIfBusy?: boolean;
}

export const SWEEP_LOCK = 7265004;
const BATCH = 1000;

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
function dueOrder(rows: Record<string, unknown>[]): LeaseRow[] {
  return rows.map(toLeaseRow).sort((a, b) => a.leaseExpiresAt.getTime() - b.leaseExpiresAt.getTime() || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

/** Raw lease rows (snake_case) → the drizzle row shape. */
function toLeaseRow(r: Record<string, unknown>): LeaseRow {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    jobId: String(r.job_id),
    workerId: String(r.worker_id),
    fencingToken: Number(r.fencing_token),
    leaseExpiresAt: date(r.lease_expires_at)!,
    lastHeartbeatAt: date(r.last_heartbeat_at)!,
    acquiredAt: date(r.acquired_at)!,
    state: String(r.state) as LeaseState,
    readyForReclaim: Boolean(r.ready_for_reclaim),
    sweepStage: Number(r.sweep_stage),
    completedAt: date(r.completed_at),
    completedArtifactCheckId: (r.completed_artifact_check_id as string | null) ?? null,
    completedOutputHash: (r.completed_output_hash as string | null) ?? null,
    updatedAt: date(r.updated_at)!,
  };
}

/**
 * One watchdog sweep. Only due leases are read: every query is a range scan of the partial index
 * (sweep_stage, lease_expires_at) where state in ('active', 'expired'), so the cost grows with what
 * is due, not with all leases. `sweep_stage` records how far a lease was escalated (0 none,
 * 1 expired, 2 queue stuck), so a lease is never reported twice for the same stage.
 * Leadership: a transaction-scoped advisory lock — concurrent sweeps (N instances, the scheduler
 * and an HTTP sweep) run one after the other, or stand down with `skipIfBusy`; the partial unique
 * indexes make a duplicate incident or pending request impossible anyway.
 * Set-based: each stage handles all its due leases (up to BATCH) with a fixed number of
 * statements — at most 21 for a whole sweep (6–7 when idle), however many leases are due. Lock
 * order: the due lease rows (the stage UPDATEs), then incidents and requests of those jobs, the
 * audit lock last.
 */
export async function runSweep(ctx: Ctx, opts: SweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const rules = await getCurrentRules(ctx.db);
  const result = await ctx.db.transaction(async (tx) => {
    if (opts.skipIfBusy) {
      const res = await tx.execute(sql`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as leader`);
      if (!rowsOf<{ leader: boolean }>(res)[0]?.leader) return null;
    } else {
      await tx.execute(sql`select pg_advisory_xact_lock(${SWEEP_LOCK})`);
    }
    const audits: AuditEntry[] = [];
    const out: Finding[] = [];
    out.push(...(await sweepNearExpiry(tx, ctx, rules)));
    out.push(...(await sweepExpired(tx, ctx, rules)));
    out.push(...(await sweepStuck(tx, ctx, rules, audits)));
    // The audit lock is the last lock a transaction takes; one batch for the whole sweep.
    await appendAuditBatch(tx, ctx.actor, ctx.now, audits);
    return out;
  });
  telemetry().sweepDuration.observe((performance.now() - started) / 1000);
  if (result === null) return { swept_at: ctx.now.toISOString(), findings: [], skipped: true };
  return { swept_at: ctx.now.toISOString(), findings: result };
}

/** Active leases with less than within_s left: the holder gets a heartbeat directive (no incident). */
async function sweepNearExpiry(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const res = await tx.execute(sweepStatements.nearExpiry(ctx.now, within));
  return rowsOf<{ job_id: string }>(res).map((r) => ({ signal: 'lease_near_expiry' as const, job_id: r.job_id, incident_id: null }));
}

/**
 * The latest helper event of each job: the evidence a sweep finding points at. One statement for
 * all the jobs: a LATERAL join takes the newest row of each job from helper_events_job_id_idx
 * (job_id, created_at). Jobs without events are absent from the map.
 */
/** One incident per due lease (opened, or the open one extended), with the lease and its last event as evidence. */
function openLeaseIncidents(
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

async function lastEvents(tx: Db, jobIds: string[]): Promise<Map<string, { id: string; outputHash: string }>> {
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
async function pendingRequests(tx: Db, jobIds: string[]): Promise<Map<string, string>> {
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

/**
 * Active leases past lease_expires_at (+ grace_s): state expired, a lease_expired incident, mark_stuck.
 * Set-based: the UPDATE … RETURNING takes up to BATCH due leases, then one statement per table for
 * all of them (last events, incidents, mark_stuck actions, lease history) — five statements
 * whatever the number due.
 */
async function sweepExpired(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  const grace = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
  const cutoff = new Date(ctx.now.getTime() - grace);
  const res = await tx.execute(sweepStatements.expire(ctx.now, cutoff));
  const due = dueOrder(rowsOf<Record<string, unknown>>(res));
  if (!due.length) return [];
  const events = await lastEvents(tx, due.map((l) => l.jobId));
  const incs = await openLeaseIncidents(tx, ctx.now, rules, due, events, 'lease_expired', (lease) => ({
    firstFailureAt: lease.leaseExpiresAt,
    details: { last_heartbeat_at: lease.lastHeartbeatAt.toISOString() },
  }));
  const actions = due.map((lease, i) => {
    const event = events.get(lease.jobId);
    return {
      id: randomUUID(),
      jobId: lease.jobId,
      trigger: 'lease_expired',
      action: 'mark_stuck',
      authority: 'system',
      result: 'success',
      evidenceEventIds: event ? [event.id] : [],
      note: `lease of ${lease.workerId} (token ${lease.fencingToken}) expired at ${lease.leaseExpiresAt.toISOString()} without a heartbeat`,
      outputHash: event?.outputHash ?? null,
      incidentId: incs[i].id,
      requestedBy: 'system:sweep',
      createdAt: ctx.now,
    };
  });
  await insertRepairActions(tx, actions);
  await recordLeaseHistoryBatch(tx, ctx, due, 'expired');
  return due.map((lease, i) => ({ signal: 'lease_expired' as const, job_id: lease.jobId, incident_id: incs[i].id, action_id: actions[i].id }));
}

/**
 * Not completed and now > lease_expires_at + grace_s: a queue_stuck incident and one pending
 * reclaim request for a supervisor (none when a release/reclaim request is already pending), with
 * its notification and audit entry. Set-based like sweepExpired: the stage UPDATE(s), then last
 * events, incidents, pending requests, new requests and notifications, one statement each; the
 * audit entries are appended in one batch at the end of the sweep.
 */
async function sweepStuck(tx: Db, ctx: Ctx, rules: RuleSet, audits: AuditEntry[]): Promise<Finding[]> {
  const grace = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
  const cutoff = new Date(ctx.now.getTime() - grace);
  // A lease becomes stuck after it was marked expired (stage 1) earlier in this sweep or before.
  // Stage-0 leases are taken only when the rules make "stuck" come before "expired": each
  // statement of the sweep sees the rows committed when it starts (READ COMMITTED), so a lease
  // written between the expiry pass and this one must wait for the next sweep's expiry pass rather
  // than skip its lease_expired incident and mark_stuck.
  const stages: (0 | 1)[] = ruleParam(rules, 'lease_expired', 'grace_s') > ruleParam(rules, 'queue_stuck', 'grace_s') ? [1, 0] : [1];
  const due: LeaseRow[] = [];
  for (const stage of stages) {
    const res = await tx.execute(sweepStatements.markStuck(ctx.now, stage, cutoff));
    due.push(...dueOrder(rowsOf<Record<string, unknown>>(res)));
  }
  if (!due.length) return [];
  const jobIds = due.map((l) => l.jobId);
  const events = await lastEvents(tx, jobIds);
  const incs = await openLeaseIncidents(tx, ctx.now, rules, due, events, 'queue_stuck', (lease) => ({
    firstFailureAt: new Date(lease.leaseExpiresAt.getTime() + grace),
    details: {},
  }));
  const already = await pendingRequests(tx, jobIds);
  const requests = due.flatMap((lease, i) => {
    if (already.has(lease.jobId)) return [];
    const event = events.get(lease.jobId);
    return [
      {
        id: randomUUID(),
        jobId: lease.jobId,
        trigger: 'queue_stuck',
        action: 'reclaim',
        authority: 'system',
        result: 'pending',
        evidenceEventIds: event ? [event.id] : [],
        note: `job still not completed ${Math.round((ctx.now.getTime() - lease.leaseExpiresAt.getTime()) / 1000)}s after the lease of ${lease.workerId} (token ${lease.fencingToken}) expired: reclaim it for another worker?`,
        outputHash: event?.outputHash ?? null,
        incidentId: incs[i].id,
        requestedBy: 'system:sweep',
        createdAt: ctx.now,
      },
    ];
  });
  // A request someone else made meanwhile wins (the partial unique index): this one is not stored.
  const created = new Map((await insertRepairActions(tx, requests, { skipConflicts: true })).map((r) => [r.jobId, r.id]));
  const asked = due.flatMap((lease, i) => {
    const requestId = created.get(lease.jobId);
    return requestId ? [{ lease, requestId, incidentId: incs[i].id, outputHash: events.get(lease.jobId)?.outputHash ?? null }] : [];
  });
  await enqueueNotifications(
    tx,
    ctx.now,
    asked.map(({ lease, requestId, incidentId }) => ({
      kind: 'supervisor_review' as const,
      jobId: lease.jobId,
      payload: { action_id: requestId, action: 'reclaim', job_id: lease.jobId, trigger: 'queue_stuck', incident_id: incidentId, worker_id: lease.workerId, fencing_token: lease.fencingToken },
    })),
  );
  for (const { lease, requestId, incidentId, outputHash } of asked) {
    audits.push({
      action: 'repair.reclaim.requested',
      target: requestId,
      jobId: lease.jobId,
      outputHash,
      details: { trigger: 'queue_stuck', authority: 'system', result: 'pending', incident_id: incidentId, worker_id: lease.workerId, fencing_token: lease.fencingToken },
    });
  }
  return due.map((lease, i) => ({
    signal: 'queue_stuck' as const,
    job_id: lease.jobId,
    incident_id: incs[i].id,
    action_id: already.get(lease.jobId) ?? created.get(lease.jobId) ?? null,
  }));
}

/**
 * When the next lease deadline falls: the start of a near-expiry window, an expiry, the end of a
 * stuck grace. Each part is one index lookup (the first entry of a (sweep_stage, lease_expires_at)
 * range), so asking is cheap however many leases there are.
 */
export async function nextSweepDeadline(db: Db, now: Date): Promise<Date | null> {
  const rules = await getCurrentRules(db);
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const expiredGrace = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
  const stuckGrace = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
  const res = await db.execute(sweepStatements.deadlines(now, within));
  const row = rowsOf<{ near_start: string | Date | null; stage0: string | Date | null; stage1: string | Date | null }>(res)[0];
  const candidates: number[] = [];
  if (row?.near_start) candidates.push(new Date(row.near_start).getTime() - within + 1);
  if (row?.stage0) candidates.push(new Date(row.stage0).getTime() + Math.min(expiredGrace, stuckGrace));
  if (row?.stage1) candidates.push(new Date(row.stage1).getTime() + stuckGrace + 1);
  return candidates.length ? new Date(Math.min(...candidates)) : null;
}
