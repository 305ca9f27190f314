import { eq } from 'drizzle-orm';
import { workerRuns } from '@/db/schema';
import type { WorkerRunInput } from '@/lib/schemas/evidence';
import { assertActsFor, assertJobWritable } from '../access';
import type { Ctx } from '../context';
import { forbidden } from '../errors';
import type { WorkerRunJson } from '@/lib/schemas/responses';

type RunRow = typeof workerRuns.$inferSelect;

export function toRunJson(row: RunRow): WorkerRunJson {
  return {
    id: row.id,
    worker_id: row.workerId,
    job_id: row.jobId,
    phase: row.phase,
    status: row.status,
    started_at: row.startedAt.toISOString(),
    ended_at: row.endedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Upsert by id: 201 when new, 200 when updated. A run never changes worker. */
export async function upsertWorkerRun(ctx: Ctx, input: WorkerRunInput): Promise<{ status: 200 | 201; run: ReturnType<typeof toRunJson> }> {
  assertActsFor(ctx.actor, input.worker_id);
  await assertJobWritable(ctx.db, ctx.actor, input.job_id);
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(workerRuns).where(eq(workerRuns.id, input.id)).for('update');
    if (existing && existing.workerId !== input.worker_id) throw forbidden(`run ${input.id} belongs to worker ${existing.workerId}`);
    const values = {
      workerId: input.worker_id,
      jobId: input.job_id,
      phase: input.phase,
      status: input.status,
      startedAt: input.started_at,
      endedAt: input.ended_at ?? null,
      updatedAt: ctx.now,
    };
    const [row] = await tx
      .insert(workerRuns)
      .values({ id: input.id, ...values, createdAt: ctx.now })
      .onConflictDoUpdate({ target: workerRuns.id, set: values })
      .returning();
    return { status: existing ? 200 : 201, run: toRunJson(row) };
  });
}
