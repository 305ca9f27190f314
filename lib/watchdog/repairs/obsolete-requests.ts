import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { repairActions } from '@/db/schema';
import { appendAuditBatch } from '../audit';
import type { Ctx } from '../context';
import { WatchdogError } from '../errors';

/** Who decides that a request is obsolete: the system, whoever's call made it so. */
const SYSTEM_DECIDER = { label: 'system', role: 'system' as const };

/** The requests a supervisor decides. */
export const SUPERVISED_ACTIONS = ['release', 'reclaim'] as const;

/**
 * Pending release/reclaim requests of a job are about its holder at the time they were made. The
 * moment the job completes, changes hands (a new acquisition) or its lease is released or reclaimed
 * by another decision, they are obsolete: `result: "obsolete"`, decided by `system`, one audit entry
 * each, and they leave the pending list — a late approval can never fence off the new holder.
 * Runs inside the transaction that made them obsolete (which holds the job's lease row). Returns the
 * ids closed.
 */
export async function obsoletePendingRequests(tx: Db, ctx: Pick<Ctx, 'actor' | 'now'>, jobId: string, reason: string, exceptId?: string): Promise<string[]> {
  const rows = await tx
    .update(repairActions)
    .set({ result: 'obsolete', decidedBy: SYSTEM_DECIDER.label, decidedAt: ctx.now, decisionNote: `obsolete: ${reason}` })
    .where(and(eq(repairActions.jobId, jobId), eq(repairActions.result, 'pending'), inArray(repairActions.action, [...SUPERVISED_ACTIONS]), exceptId ? ne(repairActions.id, exceptId) : undefined))
    .returning({ id: repairActions.id, action: repairActions.action, requestedBy: repairActions.requestedBy, outputHash: repairActions.outputHash });
  await appendAuditBatch(
    tx,
    SYSTEM_DECIDER,
    ctx.now,
    rows.map((r) => ({
      action: 'repair.obsolete',
      target: r.id,
      jobId,
      outputHash: r.outputHash,
      details: { action: r.action, requested_by: r.requestedBy, reason, caused_by: ctx.actor.label },
    })),
  );
  return rows.map((r) => r.id);
}

/**
 * A new release/reclaim for a job that is over — completed, or already released or reclaimed —
 * has nothing left to act on: 409 job_finished. `lease` is the job's lease row, locked by the caller.
 */
export function assertJobNotFinished(lease: { state: string; readyForReclaim: boolean; workerId: string } | null, jobId: string, action: string): void {
  if (!lease) return;
  if (lease.state === 'completed') {
    throw new WatchdogError('job_finished', `job ${jobId} is already completed: there is nothing to ${action}`, { state: 'completed', worker_id: lease.workerId });
  }
  if (lease.state === 'released') {
    const how = lease.readyForReclaim ? 'reclaimed' : 'released';
    throw new WatchdogError('job_finished', `job ${jobId} was already ${how}: there is nothing to ${action}`, { state: 'released', ready_for_reclaim: lease.readyForReclaim });
  }
}
