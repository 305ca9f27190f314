import { postVetted } from '../artifacts';
import { type Message, messageText } from './message';
import { httpResult, type SendOptions, type SendResult } from './send-result';

export const LINE_API_BASE = 'https://api.line.me';

/** LINE Messaging API push: one plain text message (≤ 5000 characters) to `to`. */
export async function sendLine(config: { channel_access_token: string; to: string; api_base?: string }, m: Message, opts: SendOptions = {}): Promise<SendResult> {
  const url = `${(config.api_base ?? LINE_API_BASE).replace(/\/+$/, '')}/v2/bot/message/push`;
  const body = JSON.stringify({ to: config.to, messages: [{ type: 'text', text: messageText(m, 5000) }] });
  const r = await postVetted(url, body, { 'content-type': 'application/json', authorization: `Bearer ${config.channel_access_token}` }, opts);
  return httpResult('LINE', r);
}
