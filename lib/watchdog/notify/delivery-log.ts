import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { notifications } from '@/db/schema';
import { decodeCursor, encodeCursor, findIncident, getSilence, toIncidentJson } from '../incidents';

type NotificationRow = typeof notifications.$inferSelect;

export function toNotificationJson(row: NotificationRow) {
  return {
    id: row.id,
    kind: row.kind,
    incident_id: row.incidentId,
    job_id: row.jobId,
    channel_id: row.channelId,
    channel_name: row.channelName,
    channel_kind: row.channelKind,
    status: row.status as 'pending' | 'delivered' | 'failed',
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    last_http_status: row.lastHttpStatus,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
  };
}

/** The delivery log, newest first, one page at a time. */
export async function listNotifications(db: Db, q: { incident_id?: string; status?: 'pending' | 'delivered' | 'failed'; cursor?: string; limit?: number }) {
  const limit = q.limit ?? 50;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await db
    .select()
    .from(notifications)
    .where(
      and(
        q.incident_id ? eq(notifications.incidentId, q.incident_id) : undefined,
        q.status ? eq(notifications.status, q.status) : undefined,
        after ? sql`(${notifications.createdAt}, ${notifications.id}) < (${after.at.toISOString()}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { notifications: page.map(toNotificationJson), next_cursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

/** One incident with every message about it (oldest first) and the silence that covers it. */
export async function getIncidentDetail(db: Db, id: string, now: Date) {
  const row = await findIncident(db, id);
  const [messages, silence] = await Promise.all([
    db.select().from(notifications).where(eq(notifications.incidentId, id)).orderBy(asc(notifications.createdAt), asc(notifications.id)),
    row.silencedBy ? getSilence(db, row.silencedBy, now) : null,
  ]);
  return { incident: toIncidentJson(row), notifications: messages.map(toNotificationJson), silence };
}
