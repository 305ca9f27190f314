import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { helperEvents, incidents, jobLeases, learnings } from '@/db/schema';
import type { LearningInput, LearningQuery } from '@/lib/schemas/learnings';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { forbidden, notFound, validationFailed } from '../errors';

type LearningRow = typeof learnings.$inferSelect;

export function toLearningJson(row: LearningRow) {
  return {
    id: row.id,
    job_id: row.jobId,
    incident_id: row.incidentId,
    worker_id: row.workerId,
    signal: row.signal,
    learned: row.learned,
    next_worker_should_check: row.nextWorkerShouldCheck,
    assumptions_to_test: row.assumptionsToTest,
    source: row.source as 'system' | 'person',
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
  };
}
export type LearningJson = ReturnType<typeof toLearningJson>;

/** The worker holding (or last holding) the job's lease; null for a job never leased. */
export async function leaseHolderOf(db: Db, jobId: string): Promise<string | null> {
  const [lease] = await db.select({ workerId: jobLeases.workerId }).from(jobLeases).where(eq(jobLeases.jobId, jobId));
  return lease?.workerId ?? null;
}

async function jobIsKnown(db: Db, jobId: string): Promise<boolean> {
  const res = await db.execute(sql`select (exists (select 1 from job_leases where job_id = ${jobId})
    or exists (select 1 from ${helperEvents} where job_id = ${jobId})
    or exists (select 1 from incidents where job_id = ${jobId})
    or exists (select 1 from worker_runs where job_id = ${jobId})) as known`);
  return Boolean(rowsOf<{ known: boolean }>(res)[0]?.known);
}

/**
 * A person's learning (`POST /api/watchdog/learnings`, and the lists of an incident resolve).
 * An incident gives the learning its job and signal when they are not given; given ones must match.
 * Unknown job or incident: 404, nothing stored. Audited in the caller's transaction.
 */
export async function recordPersonLearning(ctx: Ctx, input: LearningInput) {
  if (ctx.actor.role === 'worker') throw forbidden('workers cannot write learnings');
  const learned = input.learned.map(storableText);
  if (!learned.length) throw validationFailed([{ path: 'learned', message: 'at least one item in learned' }]);
  return ctx.db.transaction(async (tx) => {
    let jobId = input.job_id ?? null;
    let signal: string | null = input.signal ?? null;
    if (input.incident_id) {
      const [incident] = await tx.select().from(incidents).where(eq(incidents.id, input.incident_id));
      if (!incident) throw notFound(`incident ${input.incident_id}`);
      if (jobId && incident.jobId && jobId !== incident.jobId) {
        throw validationFailed([{ path: 'job_id', message: `incident ${incident.id} belongs to job ${incident.jobId}` }]);
      }
      if (signal && signal !== incident.signal) {
        throw validationFailed([{ path: 'signal', message: `incident ${incident.id} has signal ${incident.signal}` }]);
      }
      jobId = incident.jobId ?? jobId;
      signal = incident.signal;
    }
    if (jobId && !input.incident_id && !(await jobIsKnown(tx, jobId))) throw notFound(`job ${jobId}`);
    const [row] = await tx
      .insert(learnings)
      .values({
        id: randomUUID(),
        jobId,
        incidentId: input.incident_id ?? null,
        workerId: jobId ? await leaseHolderOf(tx, jobId) : null,
        signal,
        learned,
        nextWorkerShouldCheck: input.next_worker_should_check.map(storableText),
        assumptionsToTest: input.assumptions_to_test.map(storableText),
        source: 'person',
        createdBy: ctx.actor.label,
        createdAt: ctx.now,
      })
      .returning();
    await auditCtx(ctx, { action: 'learning.create', target: row.id, jobId, details: { signal, incident_id: row.incidentId, items: learned.length } }, tx);
    return toLearningJson(row);
  });
}

const encodeCursor = (row: { createdAt: Date; id: string }) => `${row.createdAt.getTime()}:${row.id}`;

/** Learnings newest first, a page at a time. A worker sees those of its own jobs and the job-less ones. */
export async function listLearnings(ctx: Ctx, q: LearningQuery): Promise<{ learnings: LearningJson[]; next_cursor: string | null }> {
  let after = undefined;
  if (q.cursor) {
    const [ms, id] = [Number(q.cursor.slice(0, q.cursor.indexOf(':'))), q.cursor.slice(q.cursor.indexOf(':') + 1)];
    const at = new Date(ms);
    after = or(sql`${learnings.createdAt} < ${at.toISOString()}::timestamptz`, and(eq(learnings.createdAt, at), sql`${learnings.id} < ${id}::uuid`));
  }
  const own = ctx.actor.role === 'worker' ? or(isNull(learnings.jobId), eq(learnings.workerId, ctx.actor.workerId ?? '')) : undefined;
  const rows = await ctx.db
    .select()
    .from(learnings)
    .where(and(q.signal ? eq(learnings.signal, q.signal) : undefined, q.job_id ? eq(learnings.jobId, q.job_id) : undefined, q.worker_id ? eq(learnings.workerId, q.worker_id) : undefined, own, after))
    .orderBy(desc(learnings.createdAt), desc(learnings.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { learnings: page.map(toLearningJson), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null };
}

/**
 * What a classified helper event hands back to the worker: the three newest learnings of the signal
 * that tell the next worker what to check. One query on the partial index learnings_signal_checks_idx.
 */
export async function learningsForSignal(db: Db, signal: string, limit = 3): Promise<LearningJson[]> {
  const rows = await db
    .select()
    .from(learnings)
    .where(and(eq(learnings.signal, signal), sql`jsonb_array_length(${learnings.nextWorkerShouldCheck}) > 0`))
    .orderBy(desc(learnings.createdAt))
    .limit(limit);
  return rows.map(toLearningJson);
}
