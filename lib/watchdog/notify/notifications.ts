import { createHmac, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { config } from '@/lib/config';
import { notifications } from '@/db/schema';
import type { NotificationKind } from '@/lib/schemas/enums';
import { storableJson } from '../audit';

export interface NotificationInput {
  kind: NotificationKind;
  jobId?: string | null;
  payload: Record<string, unknown>;
}

export const MAX_ATTEMPTS = 8;

/** Queues an escalation in the same transaction as the change; delivery happens off the request path. */
export function enqueueNotification(db: Db, now: Date, n: NotificationInput) {
  return enqueueNotifications(db, now, [n]);
}

/** Queues several escalations: one INSERT over a JSON record set. */
export async function enqueueNotifications(db: Db, now: Date, items: NotificationInput[]) {
  if (!items.length) return;
  const records = items.map((n) => ({ id: randomUUID(), kind: n.kind, job_id: n.jobId ?? null, payload: storableJson(n.payload) }));
  await db.execute(sql`
    insert into notifications (id, kind, job_id, payload, status, next_attempt_at, created_at)
    select r.id, r.kind, r.job_id, r.payload, 'pending', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(id uuid, kind text, job_id text, payload jsonb)`);
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface DeliveryOptions {
  url?: string;
  secret?: string;
  fetchImpl?: typeof fetch;
  batch?: number;
  /** per-delivery timeout (default 10 s) */
  timeoutMs?: number;
  /** deliveries in flight at once (default 4) */
  concurrency?: number;
}

/** Seconds to wait before attempt n + 1 after n failed attempts: 2^n s, capped at 10 min. */
export function backoffSeconds(attempts: number): number {
  return Math.min(600, 2 ** attempts);
}

/**
 * Delivers due notifications to the webhook, signed with HMAC-SHA256 (`X-Watchdog-Signature:
 * sha256=<hex>` over "<X-Watchdog-Timestamp>.<body>"). Failures back off exponentially; after
 * MAX_ATTEMPTS a notification is marked failed. Rows are claimed with SKIP LOCKED and leased for a
 * minute, so several instances never send one at once and a crash mid-delivery retries later.
 * Runs off the request path (the scheduler calls it); requests only enqueue.
 */
export async function deliverDueNotifications(db: Db, now: Date, opts: DeliveryOptions = {}): Promise<{ sent: number; failed: number }> {
  const url = opts.url ?? config().webhook.url;
  if (!url) return { sent: 0, failed: 0 };
  const secret = opts.secret ?? config().webhook.secret;
  const doFetch = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let sent = 0;
  let failed = 0;
  const claimed = await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(notifications)
      .where(and(eq(notifications.status, 'pending'), lte(notifications.nextAttemptAt, now)))
      .orderBy(asc(notifications.nextAttemptAt))
      .limit(opts.batch ?? 20)
      .for('update', { skipLocked: true });
    if (rows.length) {
      await tx
        .update(notifications)
        .set({ nextAttemptAt: new Date(now.getTime() + 60_000) })
        .where(inArray(notifications.id, rows.map((r) => r.id)));
    }
    return rows;
  });
  const deliver = async (row: (typeof claimed)[number]) => {
    const body = JSON.stringify({ id: row.id, kind: row.kind, job_id: row.jobId, created_at: row.createdAt.toISOString(), attempt: row.attempts + 1, payload: row.payload });
    const timestamp = String(Math.floor(now.getTime() / 1000));
    let error: string | null = null;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-watchdog-timestamp': timestamp,
          'x-watchdog-signature': signWebhook(secret, timestamp, body),
          'x-watchdog-delivery': row.id,
          'x-watchdog-event': row.kind,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `webhook answered ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const attempts = row.attempts + 1;
    if (!error) {
      sent++;
      await db.update(notifications).set({ status: 'delivered', attempts, deliveredAt: now, lastError: null }).where(eq(notifications.id, row.id));
    } else {
      failed++;
      await db
        .update(notifications)
        .set({
          status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
          attempts,
          lastError: error.slice(0, 500),
          nextAttemptAt: new Date(now.getTime() + backoffSeconds(attempts) * 1000),
        })
        .where(eq(notifications.id, row.id));
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency ?? 4, claimed.length) }, async () => {
      while (next < claimed.length) await deliver(claimed[next++]);
    }),
  );
  return { sent, failed };
}

export async function nextNotificationDue(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<string | Date | null>`min(${notifications.nextAttemptAt})` })
    .from(notifications)
    .where(eq(notifications.status, 'pending'));
  return row?.at ? new Date(row.at) : null;
}
