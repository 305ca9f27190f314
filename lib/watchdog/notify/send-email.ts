import nodemailer from 'nodemailer';
import { vetHost } from '../artifacts';
import { type Message, messageText } from './message';
import type { SendOptions, SendResult } from './send-result';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The HTML part: one narrow column, readable on a phone. */
export function messageHtml(m: Message): string {
  const rows = m.facts.map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${escape(k)}</th><td style="padding:2px 0">${escape(v)}</td></tr>`).join('');
  return [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.4;max-width:600px;margin:0 auto;padding:12px">',
    `<h1 style="font-size:18px;margin:0 0 12px">${escape(m.title)}</h1>`,
    `<table role="presentation" style="border-collapse:collapse;margin-bottom:12px">${rows}</table>`,
    `<p>${m.kind === 'test' ? '' : '<strong>Evidence:</strong> '}${escape(m.summary)}</p>`,
    m.repair ? `<p><strong>Suggested repair:</strong> ${escape(m.repair)}</p>` : '',
    m.link ? `<p><a href="${escape(m.link)}">${m.incident ? 'Open the incident' : 'Open the console'}</a></p>` : '',
    '</body></html>',
  ].join('');
}

/** Sends the message over SMTP (smtp:// with STARTTLS when offered, smtps:// TLS), to the vetted address of the server. */
export async function sendEmail(config: { smtp_url: string; from: string; to: string[] }, m: Message, opts: SendOptions = {}): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(config.smtp_url);
  } catch {
    return { ok: false, error: 'not a valid SMTP URL' };
  }
  const secure = url.protocol === 'smtps:';
  const target = await vetHost(url.hostname.replace(/^\[|\]$/g, ''), opts);
  if ('error' in target) return { ok: false, error: target.error };
  const timeout = opts.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    host: target.address,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    tls: { servername: url.hostname },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    await transport.sendMail({ from: config.from, to: config.to, subject: m.title, text: messageText(m), html: messageHtml(m) });
    return { ok: true };
  } catch (e) {
    const err = e as { responseCode?: number; message?: string };
    return { ok: false, error: `smtp: ${(err.message ?? String(e)).slice(0, 280)}`, httpStatus: null };
  } finally {
    transport.close();
  }
}
