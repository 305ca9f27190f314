import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { jobLeases } from '@/db/schema';
import type { Actor } from '../context';
import { forbidden } from '../errors';

/** A worker token acts only for its own worker_id; other roles act for anyone. */
export function assertActsFor(actor: Actor, workerId: string): void {
  if (actor.role === 'worker' && actor.workerId !== workerId) {
    throw forbidden(`this token is bound to worker ${actor.workerId} and may not act for ${workerId}`);
  }
}

/** A worker may touch a job only while it is (or was last) the job's lease holder. */
export async function assertJobAccess(db: Db, actor: Actor, jobId: string): Promise<void> {
  if (actor.role !== 'worker') return;
  const [lease] = await db.select({ workerId: jobLeases.workerId }).from(jobLeases).where(eq(jobLeases.jobId, jobId));
  if (!lease || lease.workerId !== actor.workerId) throw forbidden(`job ${jobId} is not held by worker ${actor.workerId}`);
}
