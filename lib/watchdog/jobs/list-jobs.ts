import { and, desc, eq, ilike, sql } from 'drizzle-orm';
import { jobLeases } from '@/db/schema';
import type { LeaseState } from '@/lib/schemas/enums';
import type { JobListItemJson } from '@/lib/schemas/responses';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { toLeaseJson } from '../leases';
import { getCurrentRules } from '../rules';

export interface JobListFilters {
  /** matches any part of a job or worker id */
  q?: string;
  state?: LeaseState;
  /** the `next_cursor` of the previous page */
  cursor?: string;
  limit: number;
}

/** A page position: the exact (updated_at, job_id) of the previous page's last job (microseconds kept). */
function encodeJobCursor(at: string, jobId: string): string {
  return Buffer.from(`${at}|${jobId}`).toString('base64url');
}

function decodeJobCursor(cursor: string): { at: string; jobId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const at = text.slice(0, bar);
  const jobId = text.slice(bar + 1);
  if (bar < 0 || !jobId || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at)) {
    throw validationFailed([{ path: 'cursor', message: 'not a cursor this list gave out', code: 'custom' }], 'query does not match the schema');
  }
  return { at, jobId };
}

/**
 * Jobs by their lease, newest activity first, whole or of one state, one page at a time: a keyset on
 * (updated_at, job_id) read from job_leases_updated_idx / job_leases_state_updated_idx (0011_console_reads),
 * so a page costs the same at the 100 000th job as at the first. `q` (a substring of job or worker id)
 * filters the same walk. `next_cursor` is null on the last page.
 */
// The correlated subqueries name job_leases.job_id in full: drizzle renders a column of the outer
// table unqualified, which inside the subquery would resolve to the inner table's own job_id.
export async function listJobs(ctx: Ctx, q: JobListFilters): Promise<{ jobs: JobListItemJson[]; next_cursor: string | null }> {
  const after = q.cursor ? decodeJobCursor(q.cursor) : null;
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
  // the rules only shape each lease's JSON: read them alongside the page
  const pageRead = ctx.db
    .select({
      lease: jobLeases,
      position: sql<string>`to_char(job_leases.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      openIncidents: sql<number>`(select count(*) from incidents i where i.job_id = job_leases.job_id and i.status = 'open')`.mapWith(Number),
      lastCheckPassed: sql<boolean | null>`(select a.passed from artifact_checks a where a.job_id = job_leases.job_id order by a.checked_at desc limit 1)`,
    })
    .from(jobLeases)
    .where(
      and(
        q.state ? eq(jobLeases.state, q.state) : undefined,
        pattern ? sql`(${ilike(jobLeases.jobId, pattern)} or ${ilike(jobLeases.workerId, pattern)})` : undefined,
        after ? sql`(job_leases.updated_at, job_leases.job_id) < (${after.at}::timestamptz, ${after.jobId})` : undefined,
      ),
    )
    .orderBy(desc(jobLeases.updatedAt), desc(jobLeases.jobId))
    .limit(q.limit + 1);
  const [rules, rows] = await Promise.all([getCurrentRules(ctx.db), pageRead]);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    jobs: page.map((r) => ({ ...toLeaseJson(r.lease, rules, ctx.now), open_incidents: r.openIncidents, last_check_passed: r.lastCheckPassed })),
    next_cursor: rows.length > q.limit && last ? encodeJobCursor(last.position, last.lease.jobId) : null,
  };
}
