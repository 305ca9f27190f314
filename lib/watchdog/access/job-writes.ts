import { and, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { jobLeases } from '@/db/schema';
import type { Actor } from '../context';
import { forbidden } from '../errors';

/**
 * The cross-worker guard (API.md part 2, "Cross-worker writes"): a worker token may not write
 * evidence — helper events, worker runs, artifact checks, repair actions — into a job whose lease
 * another worker holds (state `active`). A job with no lease yet, or whose lease is released,
 * expired or completed, stays open to any worker for its own worker_id. Other roles write anywhere.
 *
 * One rule, three shapes: `assertJobWritable` for one job, `foreignJobHolders` for many (a batch),
 * and `jobWritableSql` for a statement that checks it itself (the ingest fast path).
 */

/** The jobs among `jobIds` whose active lease is held by a worker other than the actor's: job → holder. */
export async function foreignJobHolders(db: Db, actor: Actor, jobIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(jobIds)];
  if (actor.role !== 'worker' || !ids.length) return new Map();
  const own = actor.workerId ?? '';
  const rows = await db
    .select({ jobId: jobLeases.jobId, workerId: jobLeases.workerId })
    .from(jobLeases)
    .where(and(inArray(jobLeases.jobId, ids), eq(jobLeases.state, 'active'), ne(jobLeases.workerId, own)));
  return new Map(rows.map((r) => [r.jobId, r.workerId]));
}

/** The 403 of a write into another worker's job (the same words wherever it is refused). */
export function foreignJobRefusal(actor: Actor, jobId: string, holder: string) {
  return forbidden(`job ${jobId} is leased by worker ${holder}: worker ${actor.workerId} may not write evidence into it`, { job_id: jobId, lease_worker_id: holder });
}

/** Throws 403 forbidden when a worker token writes into a job another worker's active lease holds. */
export async function assertJobWritable(db: Db, actor: Actor, jobId: string): Promise<void> {
  const holder = (await foreignJobHolders(db, actor, [jobId])).get(jobId);
  if (holder !== undefined) throw foreignJobRefusal(actor, jobId, holder);
}

/**
 * The same rule as a SQL condition over a row `(job_id, worker_id)` written by a worker: true when no
 * other worker holds the job's active lease. For statements that authenticate and write at once.
 */
export function jobWritableSql(jobId: SQL, workerId: SQL): SQL {
  return sql`not exists (select 1 from job_leases jl where jl.job_id = ${jobId} and jl.state = 'active' and jl.worker_id <> ${workerId})`;
}
