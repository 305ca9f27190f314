import { config } from '@/lib/config';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { applySilences } from '../incidents';

/** A channel matches an incident when its signals (all when null) include the signal and the severity is at least its minimum. */
const channelMatches = sql`(c.signals is null or c.signals @> to_jsonb(i.signal)) and (c.min_severity = 'warning' or i.severity = 'critical')`;
const BATCH = 200;

export interface RouteOptions {
  /** the WATCHDOG_WEBHOOK_URL webhook is a level-1 channel (default: set in the environment) */
  envWebhook?: boolean;
}

export interface RouteResult {
  routed: number;
  resolved: number;
  escalated: number;
  queued: number;
}

/**
 * The notify stage: hands incidents to the channels through the outbox, in one transaction.
 * 1. Incidents not yet routed: one message on each enabled level-1 channel that matches (and the
 *    WATCHDOG_WEBHOOK_URL webhook), unless a silence covers the incident.
 * 2. Resolved incidents: a short "resolved" message to each channel that was told.
 * 3. Open incidents neither acknowledged nor silenced `after_s` after detection: one escalation on
 *    each matching enabled level-2 channel.
 * Incident rows are claimed with SKIP LOCKED and the outbox's unique indexes refuse a second
 * message of a kind per incident and channel, so N console instances queue each message once.
 */
export async function routeIncidents(db: Db, now: Date, opts: RouteOptions = {}): Promise<RouteResult> {
  const envWebhook = opts.envWebhook ?? Boolean(config().webhook.url);
  const at = now.toISOString();
  return db.transaction(async (tx) => {
    await applySilences(tx, now);
    let queued = 0;
    const fresh = rowsOf<{ id: string }>(await tx.execute(sql`select id from incidents where routed_at is null order by detected_at limit ${BATCH} for update skip locked`)).map((r) => r.id);
    if (fresh.length) {
      const ids = sql`(select jsonb_array_elements_text(${JSON.stringify(fresh)}::jsonb)::uuid)`;
      queued += rowsOf(
        await tx.execute(sql`
          insert into notifications (id, kind, job_id, incident_id, channel_id, channel_name, channel_kind, payload, status, attempts, next_attempt_at, created_at)
          select gen_random_uuid(), 'incident_opened', i.job_id, i.id, c.id, c.name, c.kind, '{}'::jsonb, 'pending', 0, ${at}::timestamptz, ${at}::timestamptz
          from incidents i join notification_channels c on c.enabled and c.level = 1 and ${channelMatches}
          where i.id in ${ids} and i.silenced_by is null
          on conflict do nothing
          returning id`),
      ).length;
      if (envWebhook) {
        queued += rowsOf(
          await tx.execute(sql`
            insert into notifications (id, kind, job_id, incident_id, channel_id, channel_name, channel_kind, payload, status, attempts, next_attempt_at, created_at)
            select gen_random_uuid(), 'incident_opened', i.job_id, i.id, null, 'WATCHDOG_WEBHOOK_URL', 'webhook', '{}'::jsonb, 'pending', 0, ${at}::timestamptz, ${at}::timestamptz
            from incidents i where i.id in ${ids} and i.silenced_by is null
            on conflict do nothing
            returning id`),
        ).length;
      }
      await tx.execute(sql`update incidents set routed_at = ${at}::timestamptz where id in ${ids}`);
    }
    const done = rowsOf<{ id: string }>(
      await tx.execute(sql`
        select id from incidents where status = 'resolved' and resolution_routed_at is null and routed_at is not null
        order by resolved_at limit ${BATCH} for update skip locked`),
    ).map((r) => r.id);
    if (done.length) {
      const ids = sql`(select jsonb_array_elements_text(${JSON.stringify(done)}::jsonb)::uuid)`;
      queued += rowsOf(
        await tx.execute(sql`
          insert into notifications (id, kind, job_id, incident_id, channel_id, channel_name, channel_kind, payload, status, attempts, next_attempt_at, created_at)
          select distinct on (n.incident_id, n.channel_id) gen_random_uuid(), 'incident_resolved', n.job_id, n.incident_id, n.channel_id, n.channel_name, n.channel_kind, '{}'::jsonb, 'pending', 0, ${at}::timestamptz, ${at}::timestamptz
          from notifications n
          where n.incident_id in ${ids} and n.kind in ('incident_opened', 'incident_escalated') and n.status <> 'failed'
            and (n.channel_id is not null or ${envWebhook})
          on conflict do nothing
          returning id`),
      ).length;
      await tx.execute(sql`update incidents set resolution_routed_at = ${at}::timestamptz where id in ${ids}`);
    }
    const escalated = rowsOf(
      await tx.execute(sql`
        insert into notifications (id, kind, job_id, incident_id, channel_id, channel_name, channel_kind, payload, status, attempts, next_attempt_at, created_at)
        select gen_random_uuid(), 'incident_escalated', i.job_id, i.id, c.id, c.name, c.kind, '{}'::jsonb, 'pending', 0, ${at}::timestamptz, ${at}::timestamptz
        from incidents i join notification_channels c on c.enabled and c.level = 2 and ${channelMatches}
        where i.status = 'open' and i.acknowledged_at is null and i.silenced_by is null and i.routed_at is not null
          and i.detected_at + make_interval(secs => c.after_s) <= ${at}::timestamptz
          and not exists (select 1 from notifications n where n.incident_id = i.id and n.channel_id = c.id and n.kind = 'incident_escalated')
        on conflict do nothing
        returning id`),
    ).length;
    return { routed: fresh.length, resolved: done.length, escalated, queued: queued + escalated };
  });
}

/** When the notify stage next has work: an unrouted incident or resolution (now), or the next escalation. */
export async function nextRoutingDue(db: Db, now: Date): Promise<Date | null> {
  const res = await db.execute(sql`
    select
      exists (select 1 from incidents where routed_at is null) as unrouted,
      exists (select 1 from incidents where status = 'resolved' and resolution_routed_at is null and routed_at is not null) as unannounced,
      (select min(i.detected_at + make_interval(secs => c.after_s))
         from incidents i join notification_channels c on c.enabled and c.level = 2 and ${channelMatches}
         where i.status = 'open' and i.acknowledged_at is null and i.silenced_by is null
           and not exists (select 1 from notifications n where n.incident_id = i.id and n.channel_id = c.id and n.kind = 'incident_escalated')) as escalation`);
  const row = rowsOf<{ unrouted: boolean; unannounced: boolean; escalation: string | Date | null }>(res)[0];
  if (row?.unrouted || row?.unannounced) return now;
  return row?.escalation ? new Date(row.escalation) : null;
}
