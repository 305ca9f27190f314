import { createHmac } from 'node:crypto';
import { postVetted } from '../artifacts';
import { type Message, messageText } from './message';
import { httpResult, type SendOptions, type SendResult } from './send-result';

/** `X-Watchdog-Signature: sha256=<hex>`: HMAC-SHA256 over "<X-Watchdog-Timestamp>.<body>". */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface WebhookEnvelope {
  /** the delivery (notification row) id: the same on every attempt, for the receiver's deduplication */
  id: string;
  kind: string;
  created_at: string;
  attempt: number;
  [k: string]: unknown;
}

/** A signed JSON POST: the body, its timestamp and signature, the delivery id and the event kind in headers. */
export async function postSignedJson(url: string, secret: string, envelope: WebhookEnvelope, now: Date, opts: SendOptions = {}): Promise<SendResult> {
  const body = JSON.stringify(envelope);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const r = await postVetted(
    url,
    body,
    {
      'content-type': 'application/json',
      'x-watchdog-timestamp': timestamp,
      'x-watchdog-signature': signWebhook(secret, timestamp, body),
      'x-watchdog-delivery': envelope.id,
      'x-watchdog-event': envelope.kind,
    },
    opts,
  );
  return httpResult('webhook', r);
}

/** A message to a webhook channel: the incident as data, and the message as text. */
export function sendWebhook(config: { url: string; secret: string }, m: Message, delivery: { id: string; createdAt: Date; attempt: number }, now: Date, opts: SendOptions = {}) {
  return postSignedJson(
    config.url,
    config.secret,
    { id: delivery.id, kind: m.kind, created_at: delivery.createdAt.toISOString(), attempt: delivery.attempt, incident: m.incident, title: m.title, text: messageText(m), link: m.link },
    now,
    opts,
  );
}
