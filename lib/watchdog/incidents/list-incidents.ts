import type { Signal } from '@/lib/schemas/common';
import { and, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { incidents } from '@/db/schema';
import type { IncidentListQuery } from '@/lib/schemas/oncall';
import { notFound, validationFailed } from '../errors';
import { toIncidentJson } from './incident';

/** A page position: the (time, id) of the last row of the previous page, newest first. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw validationFailed([{ path: 'cursor', message: 'not a cursor this list gave out', code: 'custom' }], 'query does not match the schema');
  }
  return { at: date, id };
}

function statusFilter(status: IncidentListQuery['status']): SQL | undefined {
  switch (status) {
    case 'open':
      return eq(incidents.status, 'open');
    case 'resolved':
      return eq(incidents.status, 'resolved');
    case 'acknowledged':
      return and(eq(incidents.status, 'open'), isNotNull(incidents.acknowledgedAt));
    case 'unacknowledged':
      return and(eq(incidents.status, 'open'), isNull(incidents.acknowledgedAt));
    default:
      return undefined;
  }
}

/** Incidents newest first, filtered, one page at a time (`next_cursor` null on the last page). */
export async function listIncidents(db: Db, q: Omit<IncidentListQuery, 'status' | 'limit'> & Partial<Pick<IncidentListQuery, 'status' | 'limit'>>) {
  const limit = q.limit ?? 50;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await db
    .select()
    .from(incidents)
    .where(
      and(
        statusFilter(q.status ?? 'open'),
        q.signal ? eq(incidents.signal, q.signal as Signal) : undefined,
        q.severity ? eq(incidents.severity, q.severity) : undefined,
        q.worker_id ? eq(incidents.workerId, q.worker_id) : undefined,
        q.job_id ? eq(incidents.jobId, q.job_id) : undefined,
        after ? sql`(${incidents.detectedAt}, ${incidents.id}) < (${after.at.toISOString()}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(incidents.detectedAt), desc(incidents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { incidents: page.map(toIncidentJson), next_cursor: rows.length > limit && last ? encodeCursor(last.detectedAt, last.id) : null };
}

export async function findIncident(db: Db, id: string) {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  if (!row) throw notFound('incident', { id });
  return row;
}
