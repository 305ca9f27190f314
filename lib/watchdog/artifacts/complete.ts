import { randomUUID } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { executeNamed, rowsOf } from '@/db/client';
import { helperEvents, jobLeases, repairActions } from '@/db/schema';
import { DANGEROUS_ACTIONS } from '@/lib/schemas/enums';
import type { CompleteInput } from '@/lib/schemas/evidence';
import { assertActsFor, type StatementCredential, tokenGrantsSql } from '../access';
import { latestArtifactCheck } from './artifact-checks';
import { auditCtx, auditInsertSql } from '../audit';
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
  const plain = await completeInOneStatement(ctx, jobId, input);
  if (plain) return plain;
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

/**
 * The common complete as ONE statement (no transaction, one round trip): the caller's active lease
 * under its current token, the job's latest artifact check passed, and nothing for the complete to
 * end — no open incident, no pending release/reclaim (when there is, the full path resolves and
 * closes them, with their learnings and audit entries). Those two are read in the statement's
 * snapshot, so the lease row must also still be the version that snapshot saw: a release/reclaim
 * request (repairs `lockLeaseVersion`) and the sweep's stuck-lease incident write the lease row in
 * the transaction that adds them, so an UPDATE that waited for that row re-checks a newer version,
 * finds another xmin and leaves the job to the full path. The UPDATE checks all of it itself (the lease
 * row is locked and re-checked as the full path's SELECT … FOR UPDATE does), and the same statement
 * writes the lease_history row and the audit entry the full path writes (data-modifying CTEs: all or
 * nothing). With a `credential` (lib/ingest) it also checks that the token still grants the write.
 * Null: not the plain case — a refusal, a replay, something to end — nothing was written, and the
 * caller takes the full path, which answers exactly (and records a refusal).
 */
export async function completeInOneStatement(ctx: Ctx, jobId: string, input: CompleteInput, credential?: StatementCredential) {
  const now = ctx.now.toISOString();
  const grants = credential ? tokenGrantsSql(credential, sql`${input.worker_id}`) : sql`true`;
  const res = await executeNamed(
    ctx.db,
    `watchdog_complete${credential ? '_token' : ''}`,
    sql`
    with seen as (
      select xmin as version from job_leases where job_id = ${jobId}
    ), latest_check as (
      select id, passed from artifact_checks where job_id = ${jobId} order by checked_at desc, id desc limit 1
    ), output as (
      select coalesce(${input.output_hash ?? null}::text, (select output_hash from helper_events where job_id = ${jobId} order by created_at desc limit 1)) as hash
    ), done as (
      update job_leases set state = 'completed', completed_at = ${now}::timestamptz, completed_artifact_check_id = (select id from latest_check),
        completed_output_hash = (select hash from output), updated_at = ${now}::timestamptz
      where job_id = ${jobId} and worker_id = ${input.worker_id} and fencing_token = ${input.fencing_token}::bigint and state = 'active'
        and xmin = (select version from seen)
        and coalesce((select passed from latest_check), false) and ${grants}
        and not exists (select 1 from incidents where job_id = ${jobId} and status = 'open')
        and not exists (select 1 from repair_actions where job_id = ${jobId} and result = 'pending' and action in (${sql.join(
          DANGEROUS_ACTIONS.map((a) => sql`${a}`),
          sql`, `,
        )}))
      returning job_id, worker_id, fencing_token, lease_expires_at, completed_artifact_check_id
    ), history as (
      insert into lease_history (job_id, worker_id, fencing_token, lease_expires_at, event, at, actor)
      select job_id, worker_id, fencing_token, lease_expires_at, 'completed', ${now}::timestamptz, ${ctx.actor.label} from done
    ), audited as (
      ${auditInsertSql(
        ctx.actor,
        ctx.now,
        {
          action: 'job.complete',
          target: jobId,
          jobId,
          outputHash: sql`(select hash from output)`,
          details: sql`jsonb_build_object('worker_id', ${input.worker_id}::text, 'fencing_token', ${input.fencing_token}::bigint,
            'artifact_check_id', (select completed_artifact_check_id from done), 'resolved_incident_ids', '[]'::jsonb, 'closed_request_ids', '[]'::jsonb)`,
        },
        sql`exists (select 1 from done)`,
      )}
    )
    select completed_artifact_check_id from done`,
  );
  const row = rowsOf<{ completed_artifact_check_id: string }>(res)[0];
  if (!row) return null;
  telemetry().gateResults.inc({ kind: 'complete', result: 'completed' });
  return { completed: true, artifact_check_id: row.completed_artifact_check_id };
}
