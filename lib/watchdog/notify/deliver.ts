import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { config as settings } from '@/lib/config';
import { incidents, type notifications } from '@/db/schema';
import type { ChannelKind } from '@/lib/schemas/oncall';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { type ChannelRow, channelPrivateHostsAllowed, channelSecrets, findChannel } from './channels';
import { consoleBaseUrl } from './console-url';
import { incidentMessage, type Message, testMessage } from './message';
import { sendEmail } from './send-email';
import { sendLine } from './send-line';
import type { SendOptions, SendResult } from './send-result';
import { sendSlack } from './send-slack';
import { postSignedJson, sendWebhook } from './send-webhook';

type NotificationRow = typeof notifications.$inferSelect;

export interface DeliveryOptions extends SendOptions {
  /** the WATCHDOG_WEBHOOK_URL webhook (default: the environment) */
  url?: string;
  secret?: string;
  /** the console address for links (default: consoleBaseUrl()) */
  baseUrl?: string;
}

/** Sends one message on one channel of any kind. */
export function sendOnChannel(kind: ChannelKind, config: unknown, m: Message, delivery: { id: string; createdAt: Date; attempt: number }, now: Date, sendOpts: SendOptions = {}): Promise<SendResult> {
  const c = config as never;
  const opts = { ...sendOpts, allowPrivate: sendOpts.allowPrivate ?? channelPrivateHostsAllowed() };
  switch (kind) {
    case 'webhook':
      return sendWebhook(c, m, delivery, now, opts);
    case 'slack':
      return sendSlack(c, m, opts);
    case 'line':
      return sendLine(c, m, opts);
    case 'email':
      return sendEmail(c, m, opts);
  }
}

/** One attempt at one outbox row: renders the message from the incident as it is now and sends it. */
export async function attemptDelivery(db: Db, row: NotificationRow, now: Date, opts: DeliveryOptions = {}): Promise<SendResult> {
  const delivery = { id: row.id, createdAt: row.createdAt, attempt: row.attempts + 1 };
  const base = opts.baseUrl ?? consoleBaseUrl();
  let message: Message | null = null;
  if (row.incidentId) {
    const [incident] = await db.select().from(incidents).where(eq(incidents.id, row.incidentId));
    if (!incident) return { ok: false, error: 'the incident no longer exists' };
    message = incidentMessage(row.kind as Exclude<Message['kind'], 'test'>, incident, base);
  }
  if (!row.channelId) {
    const url = opts.url ?? settings().webhook.url;
    if (!url) return { ok: false, error: 'WATCHDOG_WEBHOOK_URL is not set' };
    const secret = opts.secret ?? settings().webhook.secret;
    // the operator set this address in the environment: it may be a host on the private network
    const envOpts = { ...opts, allowPrivate: true };
    if (message) return sendWebhook({ url, secret }, message, delivery, now, envOpts);
    // escalations recorded by repairs and classification (notify_owner, needs_human, supervisor_review)
    return postSignedJson(url, secret, { id: row.id, kind: row.kind, job_id: row.jobId, created_at: row.createdAt.toISOString(), attempt: delivery.attempt, payload: row.payload }, now, envOpts);
  }
  let channel: ChannelRow;
  try {
    channel = await findChannel(db, row.channelId);
  } catch {
    return { ok: false, error: 'the channel was deleted before delivery' };
  }
  if (!channel.enabled) return { ok: false, error: 'the channel is disabled' };
  let config: unknown;
  try {
    config = channelSecrets(channel);
  } catch {
    return { ok: false, error: 'the channel secrets cannot be decrypted (WATCHDOG_SECRET_KEY changed?)' };
  }
  return sendOnChannel(channel.kind as ChannelKind, config, message ?? testMessage(channel.name, base), delivery, now, opts);
}

/** Sends a test message on a channel now and answers the outcome (nothing queued). Audited. */
export async function testChannel(ctx: Ctx, id: string, opts: DeliveryOptions = {}) {
  const channel = await findChannel(ctx.db, id);
  let result: SendResult;
  try {
    result = await sendOnChannel(
      channel.kind as ChannelKind,
      channelSecrets(channel),
      testMessage(channel.name, opts.baseUrl ?? consoleBaseUrl()),
      { id: crypto.randomUUID(), createdAt: ctx.now, attempt: 1 },
      ctx.now,
      opts,
    );
  } catch (e) {
    result = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const delivery = {
    status: result.ok ? ('delivered' as const) : ('failed' as const),
    ...(result.httpStatus != null ? { http_status: result.httpStatus } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
  await auditCtx(ctx, { action: 'channel.tested', target: id, details: { name: channel.name, kind: channel.kind, ...delivery } });
  return delivery;
}
