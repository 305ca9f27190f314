import { config } from '@/lib/config';
import type { Db } from '@/db/client';
import { type DeliverOptions, deliverDueNotifications, nextNotificationDue } from './outbox';
import { nextRoutingDue, routeIncidents } from './routing';

/** What the scheduler runs after each sweep: route incidents (first, resolved, escalation), then send what is due. */
export async function runNotifyStage(db: Db, now: Date, opts: DeliverOptions = {}) {
  const routed = await routeIncidents(db, now, { envWebhook: Boolean(opts.url ?? config().webhook.url) });
  const delivered = await deliverDueNotifications(db, now, opts);
  return { ...routed, ...delivered };
}

/** When the notify stage next has work (null: nothing known). */
export async function nextNotifyDue(db: Db, now: Date, opts: DeliverOptions = {}): Promise<Date | null> {
  const [a, b] = await Promise.all([nextRoutingDue(db, now), nextNotificationDue(db, opts)]);
  const times = [a, b].filter((d): d is Date => d !== null).map((d) => d.getTime());
  return times.length ? new Date(Math.min(...times)) : null;
}
