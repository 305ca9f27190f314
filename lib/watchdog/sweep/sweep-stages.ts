import { randomUUID } from 'node:crypto';
import { type Db, rowsOf } from '@/db/client';
import { type AuditEntry } from '../audit';
import type { Ctx } from '../context';
import { type LeaseRow, recordLeaseHistoryBatch } from '../leases';
import { enqueueNotifications } from '../notify';
import { insertRepairActions } from '../repairs';
import { expiryCutoff, judgeLeaseExpired, judgeQueueStuck, type LeaseExpiryVerdict, type RuleSet, ruleEnabled, ruleParam } from '../rules';
import type { Finding } from './sweep';
import { dueOrder, sweepStatements } from './sweep-statements';
import { lastEvents, openLeaseIncidents, pendingRequests } from './sweep-evidence';

/** When the rule says the failure began, for a lease the range statement found due. */
function failureStart(verdict: LeaseExpiryVerdict, fallback: Date): Date {
  return verdict.detected ? verdict.firstFailureAt : fallback;
}

/**
 * Active leases past lease_expires_at (+ grace_s): state expired, a lease_expired incident, mark_stuck.
 * Set-based: the UPDATE … RETURNING takes up to BATCH due leases, then one statement per table for
 * all of them (last events, incidents, mark_stuck actions, lease history) — five statements
 * whatever the number due.
 */
export async function sweepExpired(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  if (!ruleEnabled(rules, 'lease_expired')) return [];
  const params = { grace_s: ruleParam(rules, 'lease_expired', 'grace_s') };
  // the index range bound comes from the rule (rules/signals/lease-expiry.ts); the rule judges each row
  const res = await tx.execute(sweepStatements.expire(ctx.now, expiryCutoff(params, ctx.now)));
  const due = dueOrder(rowsOf<Record<string, unknown>>(res)).map((lease) => ({
    lease,
    verdict: judgeLeaseExpired({ state: 'active', leaseExpiresAt: lease.leaseExpiresAt }, params, ctx.now),
  }));
  if (!due.length) return [];
  const firstFailure = new Map(due.map(({ lease, verdict }) => [lease.jobId, failureStart(verdict, lease.leaseExpiresAt)]));
  return sweepExpiredLeases(
    tx,
    ctx,
    rules,
    due.map((d) => d.lease),
    firstFailure,
  );
}

async function sweepExpiredLeases(tx: Db, ctx: Ctx, rules: RuleSet, due: LeaseRow[], firstFailure: Map<string, Date>): Promise<Finding[]> {
  const events = await lastEvents(
    tx,
    due.map((l) => l.jobId),
  );
  const incs = await openLeaseIncidents(tx, ctx.now, rules, due, events, 'lease_expired', (lease) => ({
    firstFailureAt: firstFailure.get(lease.jobId) ?? lease.leaseExpiresAt,
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
export async function sweepStuck(tx: Db, ctx: Ctx, rules: RuleSet, audits: AuditEntry[]): Promise<Finding[]> {
  if (!ruleEnabled(rules, 'queue_stuck')) return [];
  const params = { grace_s: ruleParam(rules, 'queue_stuck', 'grace_s') };
  const cutoff = expiryCutoff(params, ctx.now);
  // A lease becomes stuck after it was marked expired (stage 1) earlier in this sweep or before.
  // Stage-0 leases are taken only when the rules make "stuck" come before "expired": each
  // statement of the sweep sees the rows committed when it starts (READ COMMITTED), so a lease
  // written between the expiry pass and this one must wait for the next sweep's expiry pass rather
  // than skip its lease_expired incident and mark_stuck.
  // With lease_expired disabled no lease reaches stage 1: stuck ones are taken from stage 0.
  const stages: (0 | 1)[] = !ruleEnabled(rules, 'lease_expired') || ruleParam(rules, 'lease_expired', 'grace_s') > ruleParam(rules, 'queue_stuck', 'grace_s') ? [1, 0] : [1];
  const due: LeaseRow[] = [];
  for (const stage of stages) {
    const res = await tx.execute(sweepStatements.markStuck(ctx.now, stage, cutoff));
    due.push(...dueOrder(rowsOf<Record<string, unknown>>(res)));
  }
  if (!due.length) return [];
  const jobIds = due.map((l) => l.jobId);
  const events = await lastEvents(tx, jobIds);
  const incs = await openLeaseIncidents(tx, ctx.now, rules, due, events, 'queue_stuck', (lease) => ({
    firstFailureAt: failureStart(judgeQueueStuck({ state: 'expired', leaseExpiresAt: lease.leaseExpiresAt }, params, ctx.now), lease.leaseExpiresAt),
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
