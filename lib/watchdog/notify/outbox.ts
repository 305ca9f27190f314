import { config } from '@/lib/config';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { notifications } from '@/db/schema';
import { storableJson } from '../audit';
import { attemptDelivery, type DeliveryOptions } from './deliver';

export interface NotificationInput {
  kind: 'notify_owner' | 'needs_human' | 'supervisor_review';
  jobId?: string | null;
  payload: Record<string, unknown>;
}

/** How long a message is retried before it is marked failed. */
export const RETRY_FOR_MS = 3_600_000;
/** How long a claimed row is held by the instance sending it (then another may retry it). */
export const CLAIM_MS = 60_000;

/** Queues an escalation in the same transaction as the change; delivery happens off the request path. */
export function enqueueNotification(db: Db, now: Date, n: NotificationInput) {
  return enqueueNotifications(db, now, [n]);
}

/** Queues several escalations for the WATCHDOG_WEBHOOK_URL webhook: one INSERT over a JSON record set. */
export async function enqueueNotifications(db: Db, now: Date, items: NotificationInput[]) {
  if (!items.length) return;
  const records = items.map((n) => ({ id: randomUUID(), kind: n.kind, job_id: n.jobId ?? null, payload: storableJson(n.payload) }));
  await db.execute(sql`
    insert into notifications (id, kind, job_id, payload, status, next_attempt_at, created_at, channel_name, channel_kind)
    select r.id, r.kind, r.job_id, r.payload, 'pending', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, 'WATCHDOG_WEBHOOK_URL', 'webhook'
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(id uuid, kind text, job_id text, payload jsonb)`);
}

/** Seconds to wait before attempt n + 1 after n failed attempts: 4 s, then doubling, capped at 10 min. */
export function backoffSeconds(attempts: number): number {
  return Math.min(600, 2 ** (attempts + 1));
}

export interface DeliverOptions extends DeliveryOptions {
  batch?: number;
  /** deliveries in flight at once (default 4) */
  concurrency?: number;
}

const hasEnvWebhook = (opts: DeliveryOptions) => Boolean(opts.url ?? config().webhook.url);

/**
 * Sends due messages. Rows are claimed with SKIP LOCKED and held for a minute, so several console
 * instances never send one row at once and a crash mid-delivery retries it later. A failure retries
 * with backoff (first retry within 5 s, then doubling) until an hour has passed since the message
 * was queued; then it is `failed`, with the last error and HTTP status kept. Rows for the
 * WATCHDOG_WEBHOOK_URL webhook wait while it is not set.
 */
export async function deliverDueNotifications(db: Db, now: Date, opts: DeliverOptions = {}): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  const claimed = await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(notifications)
      .where(and(eq(notifications.status, 'pending'), lte(notifications.nextAttemptAt, now), hasEnvWebhook(opts) ? undefined : isNotNull(notifications.channelId)))
      .orderBy(asc(notifications.nextAttemptAt))
      .limit(opts.batch ?? 20)
      .for('update', { skipLocked: true });
    if (rows.length) {
      await tx
        .update(notifications)
        .set({ nextAttemptAt: new Date(now.getTime() + CLAIM_MS) })
        .where(
          inArray(
            notifications.id,
            rows.map((r) => r.id),
          ),
        );
    }
    return rows;
  });
  const deliver = async (row: (typeof claimed)[number]) => {
    let result;
    try {
      result = await attemptDelivery(db, row, now, opts);
    } catch (e) {
      result = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    const attempts = row.attempts + 1;
    const same = and(eq(notifications.id, row.id), eq(notifications.attempts, row.attempts));
    if (result.ok) {
      sent++;
      await db
        .update(notifications)
        .set({ status: 'delivered', attempts, deliveredAt: now, lastError: null, lastHttpStatus: result.httpStatus ?? null })
        .where(same);
      return;
    }
    failed++;
    const givenUp = now.getTime() - row.createdAt.getTime() >= RETRY_FOR_MS;
    await db
      .update(notifications)
      .set({
        status: givenUp ? 'failed' : 'pending',
        attempts,
        lastError: (result.error ?? 'failed').slice(0, 500),
        lastHttpStatus: result.httpStatus ?? null,
        nextAttemptAt: new Date(now.getTime() + backoffSeconds(attempts) * 1000),
      })
      .where(same);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency ?? 4, claimed.length) }, async () => {
      while (next < claimed.length) await deliver(claimed[next++]);
    }),
  );
  return { sent, failed };
}

/** When the next pending message falls due (null: none). */
export async function nextNotificationDue(db: Db, opts: DeliveryOptions = {}): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<string | Date | null>`min(${notifications.nextAttemptAt})` })
    .from(notifications)
    .where(and(eq(notifications.status, 'pending'), hasEnvWebhook(opts) ? undefined : or(isNotNull(notifications.channelId))));
  return row?.at ? new Date(row.at) : null;
}
