import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { helperEvents, jobLeases, repairActions } from '@/db/schema';
import type { CompleteInput } from '@/lib/schemas/evidence';
import { assertActsFor } from '../access';
import { latestArtifactCheck } from './artifact-checks';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { conflict, notFound, type WatchdogError } from '../errors';
import { openIncident, resolveIncidents } from '../incidents';
import { recordLeaseHistory } from '../leases';
import { latestOutputHash, obsoletePendingRequests } from '../repairs';
import { getCurrentRules } from '../rules';
import { telemetry } from '../telemetry';

/**
 * The complete gate. The lease must be held by this worker under this fencing token (a lease past
 * its expiry still counts while nobody took it over: the token is still the newest), and the job's
 * latest artifact check must have passed. A refusal is recorded (block_complete action, an
 * artifact_gate_fail incident when the gate failed, audit) and committed before the 409 is answered.
 * This is the only path that marks a job completed, so there is no false green.
 */
export async function completeJob(ctx: Ctx, jobId: string, input: CompleteInput) {
  assertActsFor(ctx.actor, input.worker_id);
  const rules = await getCurrentRules(ctx.db);
  const outcome = await ctx.db.transaction(async (tx) => {
    const [lease] = await tx.select().from(jobLeases).where(eq(jobLeases.jobId, jobId)).for('update');
    if (!lease) throw notFound(`job ${jobId}`);
    if (lease.state === 'completed' && lease.workerId === input.worker_id && lease.fencingToken === input.fencing_token) {
      return { ok: true as const, checkId: lease.completedArtifactCheckId!, replay: true };
    }
    let refusal: WatchdogError | null = null;
    if (lease.state === 'completed') {
      refusal =
        input.fencing_token < lease.fencingToken
          ? conflict('stale_fencing_token', `fencing token ${input.fencing_token} is older than the lease's ${lease.fencingToken}`, { current_fencing_token: lease.fencingToken, state: 'completed' })
          : conflict('lease_conflict', `job ${jobId} was already completed by ${lease.workerId}`, { state: 'completed' });
    } else if (input.fencing_token < lease.fencingToken || (lease.state === 'released' && input.fencing_token <= lease.fencingToken)) {
      refusal = conflict('stale_fencing_token', `fencing token ${input.fencing_token} is older than the lease's ${lease.fencingToken}`, {
        current_fencing_token: lease.fencingToken,
        state: lease.state,
      });
    } else if (lease.workerId !== input.worker_id) {
      refusal = conflict('lease_conflict', `job ${jobId} is leased by another worker`, { state: lease.state });
    } else if (input.fencing_token !== lease.fencingToken || lease.state === 'released') {
      refusal = conflict('stale_fencing_token', `fencing token ${input.fencing_token} was never issued for job ${jobId} (the lease's is ${lease.fencingToken})`, {
        current_fencing_token: lease.fencingToken,
        state: lease.state,
      });
    }
    const check = refusal ? null : await latestArtifactCheck(tx, jobId);
    if (!refusal && (!check || !check.passed)) {
      refusal = conflict('artifact_gate_failed', check ? `the latest artifact check failed: ${check.failureReason}` : 'no artifact check was recorded for this job', {
        artifact_check_id: check?.id ?? null,
        failure_reason: check?.failureReason ?? 'no artifact check',
      });
    }
    const outputHash = input.output_hash ?? (await latestOutputHash(tx, jobId));
    if (refusal) {
      const [lastEvent] = await tx.select({ id: helperEvents.id }).from(helperEvents).where(eq(helperEvents.jobId, jobId)).orderBy(desc(helperEvents.createdAt)).limit(1);
      const evidenceEventIds = lastEvent ? [lastEvent.id] : [];
      const evidence = {
        code: refusal.code,
        worker_id: input.worker_id,
        fencing_token: input.fencing_token,
        lease_worker_id: lease.workerId,
        lease_fencing_token: lease.fencingToken,
        lease_state: lease.state,
        artifact_check_id: check?.id ?? null,
        output_hash: outputHash,
      };
      let incidentId: string | null = null;
      if (refusal.code === 'artifact_gate_failed') {
        incidentId = (
          await openIncident(tx, ctx.now, {
            jobId,
            signal: 'artifact_gate_fail',
            firstFailureAt: ctx.now,
            evidenceEventIds,
            details: { ...evidence, failure_reason: check?.failureReason ?? 'no artifact check' },
            ruleVersion: rules.version,
          })
        ).id;
      }
      const actionId = randomUUID();
      await tx.insert(repairActions).values({
        id: actionId,
        jobId,
        trigger: refusal.code,
        action: 'block_complete',
        authority: 'system',
        result: 'success',
        evidenceEventIds,
        note: refusal.message,
        phase: 'complete',
        outputHash,
        incidentId,
        requestedBy: 'system:gate',
        createdAt: ctx.now,
      });
      await auditCtx(ctx, { action: 'complete.refused', target: actionId, jobId, outputHash, details: { ...evidence, incident_id: incidentId } }, tx);
      return { ok: false as const, refusal };
    }
    await tx
      .update(jobLeases)
      .set({ state: 'completed', completedAt: ctx.now, completedArtifactCheckId: check!.id, completedOutputHash: outputHash, updatedAt: ctx.now })
      .where(eq(jobLeases.jobId, jobId));
    await recordLeaseHistory(tx, ctx, lease, 'completed');
    const resolved = await resolveIncidents(tx, ctx.now, jobId, 'job completed');
    const closed = await obsoletePendingRequests(tx, ctx, jobId, `job completed by ${input.worker_id} before a decision`);
    await auditCtx(
      ctx,
      {
        action: 'job.complete',
        target: jobId,
        jobId,
        outputHash,
        details: { worker_id: input.worker_id, fencing_token: input.fencing_token, artifact_check_id: check!.id, resolved_incident_ids: resolved, closed_request_ids: closed },
      },
      tx,
    );
    return { ok: true as const, checkId: check!.id, replay: false };
  });
  telemetry().gateResults.inc({ kind: 'complete', result: outcome.ok ? 'completed' : outcome.refusal.code });
  if (!outcome.ok) throw outcome.refusal;
  return { completed: true, artifact_check_id: outcome.checkId };
}
