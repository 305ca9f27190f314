import { and, asc, desc, eq, ilike, isNotNull, sql } from 'drizzle-orm';
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
import type { JobListItemJson, JobTimelineJson } from '@/lib/schemas/responses';

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

/** Jobs by their lease, newest activity first; `q` matches job or worker id. */
// The correlated subqueries name job_leases.job_id in full: drizzle renders a column of the outer
// table unqualified, which inside the subquery would resolve to the inner table's own job_id.
export async function listJobs(ctx: Ctx, q: { q?: string; limit: number }): Promise<JobListItemJson[]> {
  const rules = await getCurrentRules(ctx.db);
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
  const rows = await ctx.db
    .select({
      lease: jobLeases,
      openIncidents: sql<number>`(select count(*) from incidents i where i.job_id = job_leases.job_id and i.status = 'open')`.mapWith(Number),
      lastCheckPassed: sql<boolean | null>`(select a.passed from artifact_checks a where a.job_id = job_leases.job_id order by a.checked_at desc limit 1)`,
    })
    .from(jobLeases)
    .where(pattern ? sql`(${ilike(jobLeases.jobId, pattern)} or ${ilike(jobLeases.workerId, pattern)})` : undefined)
    .orderBy(desc(jobLeases.updatedAt))
    .limit(q.limit);
  return rows.map((r) => ({ ...toLeaseJson(r.lease, rules, ctx.now), open_incidents: r.openIncidents, last_check_passed: r.lastCheckPassed }));
}
