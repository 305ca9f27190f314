import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { artifactChecks, auditLog, helperEvents, incidents, jobLeases, repairActions, workerRuns } from '@/db/schema';
import { toCheckJson } from '../artifacts';
import { linkAudit, toAuditJson } from '../audit';
import type { Ctx } from '../context';
import { forbidden, notFound } from '../errors';
import { toEventJson } from '../events';
import { toIncidentJson } from '../incidents';
import { listLeaseHistory, toLeaseJson } from '../leases';
import { toActionJson } from '../repairs';
import { getCurrentRules } from '../rules';
import { toRunJson } from '../events';
import type { JobTimelineJson } from '@/lib/schemas/responses';

/** One job's whole story: lease and its fencing history, runs, events, actions, checks, incidents, audit. */
export async function getJobTimeline(ctx: Ctx, jobId: string): Promise<JobTimelineJson> {
  const db = ctx.db;
  const [lease] = await db.select().from(jobLeases).where(eq(jobLeases.jobId, jobId));
  if (ctx.actor.role === 'worker' && (!lease || lease.workerId !== ctx.actor.workerId)) {
    throw forbidden(`job ${jobId} is not held by worker ${ctx.actor.workerId}`);
  }
  // the job's own audit entries, linked into the chain first (readers see linked entries only)
  if (ctx.actor.role !== 'worker') await linkAudit(db, { jobId });
  const [rules, runs, events, actions, checks, incs, history, audit] = await Promise.all([
    getCurrentRules(db),
    db.select().from(workerRuns).where(eq(workerRuns.jobId, jobId)).orderBy(asc(workerRuns.startedAt)),
    db.select().from(helperEvents).where(eq(helperEvents.jobId, jobId)).orderBy(asc(helperEvents.createdAt), asc(helperEvents.receivedAt)),
    db.select().from(repairActions).where(eq(repairActions.jobId, jobId)).orderBy(asc(repairActions.createdAt)),
    db.select().from(artifactChecks).where(eq(artifactChecks.jobId, jobId)).orderBy(asc(artifactChecks.checkedAt)),
    db.select().from(incidents).where(eq(incidents.jobId, jobId)).orderBy(asc(incidents.detectedAt)),
    listLeaseHistory(db, jobId),
    ctx.actor.role === 'worker'
      ? Promise.resolve([])
      : db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.jobId, jobId), isNotNull(auditLog.pos)))
          .orderBy(asc(auditLog.id))
          .limit(500),
  ]);
  if (!lease && !runs.length && !events.length && !actions.length && !checks.length && !incs.length) throw notFound(`job ${jobId}`);
  return {
    job_id: jobId,
    lease: lease ? toLeaseJson(lease, rules, ctx.now) : null,
    lease_history: history,
    runs: runs.map(toRunJson),
    events: events.map(toEventJson),
    actions: actions.map(toActionJson),
    checks: checks.map(toCheckJson),
    incidents: incs.map(toIncidentJson),
    audit: audit.map(toAuditJson),
  };
}
