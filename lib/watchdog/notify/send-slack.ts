import { postVetted } from '../artifacts';
import { type Message, messageText } from './message';
import { httpResult, type SendOptions, type SendResult } from './send-result';

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The Slack incoming-webhook body: `text` (notifications, fallback) plus `blocks`. */
export function slackBody(m: Message) {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.title, 150), emoji: true } },
    { type: 'section', fields: m.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${v}`, 2000) })) },
    { type: 'section', text: { type: 'mrkdwn', text: clip(m.kind === 'test' ? m.summary : `*Evidence*\n${m.summary}`, 3000) } },
  ];
  if (m.repair) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Suggested repair*\n${m.repair}`, 3000) } });
  if (m.link) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: m.incident ? 'Open the incident' : 'Open the console' }, url: m.link }] });
  return { text: clip(messageText(m, 3000), 3000), blocks };
}

export async function sendSlack(config: { webhook_url: string }, m: Message, opts: SendOptions = {}): Promise<SendResult> {
  const r = await postVetted(config.webhook_url, JSON.stringify(slackBody(m)), { 'content-type': 'application/json' }, opts);
  return httpResult('slack', r);
}
