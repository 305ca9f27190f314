import { createHmac, randomUUID } from 'node:crypto';
import { resetConfig } from '@/lib/config';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { incidents, notifications } from '@/db/schema';
import { ChannelInput, ResolveInput, SilenceInput } from '@/lib/schemas/oncall';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { hashOutput } from '@/lib/watchdog/hash';
import { acknowledgeIncident, createSilence, endSilence, listIncidents, listSilences, resolveIncident } from '@/lib/watchdog/incidents';
import { CLAIM_MS, createChannel, deleteChannel, deliverDueNotifications, getIncidentDetail, listChannels, runNotifyStage, testChannel, updateChannel } from '@/lib/watchdog/notify';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { ctxAt, ownerActor, supervisorActor, testDatabaseKinds, workerActor } from './helpers/db';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on 127.0.0.1 answering from a script of statuses (then 200). */
async function startReceiver(script: number[] = []) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(script.shift() ?? 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A real SMTP server in-process; every message parsed with mailparser. */
async function startSmtp() {
  const mails: { parsed: ParsedMail; envelopeTo: string[]; user: string | null }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'p@ss word') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({ parsed, envelopeTo: session.envelope.rcptTo.map((r) => r.address), user: (session.user as string | undefined) ?? null });
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const t0 = new Date('2026-10-01T08:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const failure = (job: string, worker = 'w-1') => {
  const output = '500 TypeError: fetch failed';
  return { id: randomUUID(), job_id: job, worker_id: worker, command: `pls context ${job}`, phase: 'context' as const, exit_code: 1, output, output_hash: hashOutput(output) };
};
const BASE = 'https://watchdog.example.test';
const deliverOpts = { baseUrl: BASE, allowPrivate: true };

function withPrivateHosts<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.WATCHDOG_ALLOW_PRIVATE_HOSTS;
  process.env.WATCHDOG_ALLOW_PRIVATE_HOSTS = '1';
  resetConfig(); // the configuration is read once: read it again
  return fn().finally(() => {
    if (saved === undefined) delete process.env.WATCHDOG_ALLOW_PRIVATE_HOSTS;
    else process.env.WATCHDOG_ALLOW_PRIVATE_HOSTS = saved;
    resetConfig();
  });
}

describe.each(testDatabaseKinds())('on-call on $name', (kind) => {
  let database: Database;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  let line: Awaited<ReturnType<typeof startReceiver>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let pager: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const ids: Record<string, string> = {};
  const owner = (s: number) => ctxAt(database, ownerActor, at(s));

  beforeAll(async () => {
    database = await kind.open();
    [slack, line, hook, flaky, pager, smtp] = await Promise.all([startReceiver(), startReceiver(), startReceiver(), startReceiver([500, 503]), startReceiver(), startSmtp()]);
  });
  afterAll(async () => {
    await Promise.all([slack, line, hook, flaky, pager, smtp].map((r) => r?.close()));
    await database?.close();
  });

  const messagesOf = (incidentId: string) => database.db.select().from(notifications).where(eq(notifications.incidentId, incidentId));
  const openIncidentOf = async (job: string) => (await database.db.select().from(incidents).where(eq(incidents.jobId, job)))[0];

  it('creates one channel of each kind; answers and the stored row never show a secret', async () => {
    const input = (body: unknown) => ChannelInput.parse(body);
    await withPrivateHosts(async () => {
      ids.slack = (await createChannel(owner(0), input({ name: 'ops slack', kind: 'slack', config: { webhook_url: `${slack.base}/services/T1/B2/xyz` } }))).id;
      ids.line = (await createChannel(owner(0), input({ name: 'on-call LINE', kind: 'line', config: { channel_access_token: 'line-token-123', to: 'U0123456789', api_base: line.base } }))).id;
      ids.hook = (await createChannel(owner(0), input({ name: 'incident bus', kind: 'webhook', config: { url: `${hook.base}/watchdog`, secret: 'hook-secret' } }))).id;
      ids.email = (
        await createChannel(
          owner(0),
          input({
            name: 'ops mail',
            kind: 'email',
            config: { smtp_url: `smtp://alerts:p%40ss%20word@127.0.0.1:${smtp.port}`, from: 'watchdog@example.test', to: ['ops@example.test', 'lead@example.test'] },
          }),
        )
      ).id;
      ids.flaky = (await createChannel(owner(0), input({ name: 'flaky hook', kind: 'webhook', config: { url: `${flaky.base}/x`, secret: 'f' }, signals: ['fetch_failed'] }))).id;
      ids.pager = (await createChannel(owner(0), input({ name: 'pager', kind: 'slack', config: { webhook_url: `${pager.base}/page` }, level: 2, after_s: 120, min_severity: 'warning' }))).id;
      ids.critical = (await createChannel(owner(0), input({ name: 'criticals only', kind: 'slack', config: { webhook_url: `${pager.base}/critical` }, min_severity: 'critical' }))).id;
    });
    const list = await listChannels(database.db);
    expect(list).toHaveLength(7);
    const byName = Object.fromEntries(list.map((c) => [c.name, c]));
    expect(byName['ops slack'].config).toEqual({ webhook_url: '***' });
    expect(byName['on-call LINE'].config).toEqual({ channel_access_token: '***', to: 'U0123456789', api_base: line.base });
    expect(byName['incident bus'].config).toEqual({ url: `${hook.base}/watchdog`, secret: '***' });
    expect(byName['ops mail'].config.smtp_url).toBe(`smtp://alerts:***@127.0.0.1:${smtp.port}`);
    expect(byName.pager).toMatchObject({ level: 2, after_s: 120, enabled: true, min_severity: 'warning', signals: null });
    const raw = JSON.stringify(rowsOf(await database.db.execute(sql`select * from notification_channels`)));
    for (const secret of ['line-token-123', 'hook-secret', 'p@ss word', 'p%40ss', '/services/T1/B2/xyz']) expect(raw).not.toContain(secret);
  });

  it('an incident reaches every matching level-1 channel in its own format, once', async () => {
    const ev = await ingestHelperEvent(ctxAt(database, workerActor('w-1'), at(10)), failure('oc-1'));
    const incidentId = ev.body.incident_id!;
    expect(incidentId).toBeTruthy();
    const [inc] = (await listIncidents(database.db, { status: 'open', job_id: 'oc-1' })).incidents;
    expect(inc).toMatchObject({ id: incidentId, worker_id: 'w-1', severity: 'warning', acknowledged_at: null, silenced_by: null });

    const stage = await runNotifyStage(database.db, at(11), deliverOpts);
    expect(stage).toMatchObject({ routed: 1, escalated: 0 });
    await runNotifyStage(database.db, at(12), deliverOpts); // nothing more: each channel told once
    const rows = await messagesOf(incidentId);
    expect(rows.map((r) => r.channelName).sort()).toEqual(['flaky hook', 'incident bus', 'on-call LINE', 'ops mail', 'ops slack']); // not the criticals-only one, not level 2
    expect(
      rows
        .filter((r) => r.status === 'delivered')
        .map((r) => r.channelName)
        .sort(),
    ).toEqual(['incident bus', 'on-call LINE', 'ops mail', 'ops slack']);

    // Slack: an incoming-webhook body with text and blocks
    expect(slack.hits).toHaveLength(1);
    expect(slack.hits[0].path).toBe('/services/T1/B2/xyz');
    expect(slack.hits[0].headers['content-type']).toBe('application/json');
    const sBody = JSON.parse(slack.hits[0].body);
    expect(sBody.text).toContain('Fetch failed');
    expect(sBody.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const fields = sBody.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields).toEqual(
      expect.arrayContaining(['*Signal*\nFetch failed (HTTP 500 / fetch failed)', '*Severity*\nwarning', '*Job*\noc-1', '*Worker*\nw-1', '*First failure*\n2026-10-01 08:00:10 UTC']),
    );
    expect(JSON.stringify(sBody.blocks)).toContain('Suggested repair');
    expect(sBody.blocks.at(-1)).toEqual({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the incident' }, url: `${BASE}/incidents/${incidentId}` }] });

    // LINE: the push endpoint, the bearer token, to and one text message
    expect(line.hits).toHaveLength(1);
    expect(line.hits[0].path).toBe('/v2/bot/message/push');
    expect(line.hits[0].headers.authorization).toBe('Bearer line-token-123');
    const lBody = JSON.parse(line.hits[0].body);
    expect(Object.keys(lBody)).toEqual(['to', 'messages']);
    expect(lBody.to).toBe('U0123456789');
    expect(lBody.messages).toHaveLength(1);
    expect(lBody.messages[0].type).toBe('text');
    expect(lBody.messages[0].text.length).toBeLessThanOrEqual(5000);
    for (const part of ['Severity: warning', 'Job: oc-1', 'Worker: w-1', 'First failure: 2026-10-01 08:00:10 UTC', 'Evidence: phase context', 'Suggested repair:', `${BASE}/incidents/${incidentId}`]) {
      expect(lBody.messages[0].text).toContain(part);
    }

    // webhook: signed JSON as the console's webhook is signed
    expect(hook.hits).toHaveLength(1);
    const h = hook.hits[0];
    const expected = 'sha256=' + createHmac('sha256', 'hook-secret').update(`${h.headers['x-watchdog-timestamp']}.${h.body}`).digest('hex');
    expect(h.headers['x-watchdog-signature']).toBe(expected);
    expect(h.headers['x-watchdog-event']).toBe('incident_opened');
    const hBody = JSON.parse(h.body);
    expect(hBody).toMatchObject({
      kind: 'incident_opened',
      attempt: 1,
      link: `${BASE}/incidents/${incidentId}`,
      incident: { id: incidentId, signal: 'fetch_failed', severity: 'warning', job_id: 'oc-1', worker_id: 'w-1' },
    });
    expect(h.headers['x-watchdog-delivery']).toBe(hBody.id);

    // email: through the real SMTP server with credentials, a plain-text and an HTML part
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0];
    expect(mail.user).toBe('alerts');
    expect(mail.envelopeTo.sort()).toEqual(['lead@example.test', 'ops@example.test']);
    expect(mail.parsed.subject).toBe('[WARNING] Fetch failed (HTTP 500 / fetch failed) — job oc-1 on worker w-1');
    expect(mail.parsed.from?.text).toBe('watchdog@example.test');
    expect(mail.parsed.text).toContain('Job: oc-1');
    expect(mail.parsed.text).toContain(`${BASE}/incidents/${incidentId}`);
    expect(mail.parsed.html).toContain(`<a href="${BASE}/incidents/${incidentId}">Open the incident</a>`);
    expect(mail.parsed.html).toContain('<th align="left"');
  });

  it('a receiver that fails twice is retried with backoff (first retry within 5 s) until it succeeds; the log keeps each attempt', async () => {
    const [inc] = (await listIncidents(database.db, { job_id: 'oc-1' })).incidents;
    const flakyRow = async () => (await messagesOf(inc.id)).find((r) => r.channelName === 'flaky hook')!;
    let row = await flakyRow();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastHttpStatus: 500, lastError: 'webhook answered 500' });
    expect(row.nextAttemptAt.getTime() - at(11).getTime()).toBeLessThanOrEqual(5000);
    await deliverDueNotifications(database.db, row.nextAttemptAt, deliverOpts);
    row = await flakyRow();
    expect(row).toMatchObject({ status: 'pending', attempts: 2, lastHttpStatus: 503 });
    const firstGap = row.nextAttemptAt.getTime() - at(11).getTime();
    await deliverDueNotifications(database.db, row.nextAttemptAt, deliverOpts);
    row = await flakyRow();
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastHttpStatus: 200, lastError: null });
    expect(firstGap).toBeGreaterThan(5000); // the second wait is longer (doubling)
    expect(flaky.hits).toHaveLength(3);
    expect(new Set(flaky.hits.map((x) => JSON.parse(x.body).id)).size).toBe(1); // one delivery id across attempts

    const detail = await getIncidentDetail(database.db, inc.id, at(60));
    expect(detail.notifications.find((n) => n.channel_name === 'flaky hook')).toMatchObject({ status: 'delivered', attempts: 3, last_http_status: 200 });
  });

  it('escalates after after_s on level-2 channels when nobody acknowledged; an acknowledgement before it means none', async () => {
    const [inc] = (await listIncidents(database.db, { job_id: 'oc-1' })).incidents;
    expect((await runNotifyStage(database.db, at(10 + 119), deliverOpts)).escalated).toBe(0);
    expect(pager.hits).toHaveLength(0);
    expect((await runNotifyStage(database.db, at(10 + 120), deliverOpts)).escalated).toBe(1);
    expect((await runNotifyStage(database.db, at(10 + 500), deliverOpts)).escalated).toBe(0); // once
    expect(pager.hits.map((x) => x.path)).toEqual(['/page']);
    expect(JSON.parse(pager.hits[0].body).text).toMatch(/^\[Escalated WARNING\] Fetch failed/);
    expect((await messagesOf(inc.id)).filter((r) => r.kind === 'incident_escalated')).toHaveLength(1);

    await ingestHelperEvent(ctxAt(database, workerActor('w-2'), at(1000)), failure('oc-2', 'w-2'));
    const inc2 = await openIncidentOf('oc-2');
    await runNotifyStage(database.db, at(1001), deliverOpts);
    const acked = await acknowledgeIncident(ctxAt(database, supervisorActor, at(1050)), inc2.id, { note: 'looking' });
    expect(acked).toMatchObject({ acknowledged_by: supervisorActor.label, acknowledged_at: at(1050).toISOString(), acknowledgement_note: 'looking' });
    const again = await acknowledgeIncident(ctxAt(database, ownerActor, at(1060)), inc2.id);
    expect(again).toEqual(acked); // unchanged
    expect((await runNotifyStage(database.db, at(1000 + 5000), deliverOpts)).escalated).toBe(0);
    expect(pager.hits).toHaveLength(1);
    expect((await listIncidents(database.db, { status: 'acknowledged' })).incidents.map((i) => i.id)).toEqual([inc2.id]);
    expect((await listIncidents(database.db, { status: 'unacknowledged' })).incidents.map((i) => i.id)).toContain(inc.id);
  });

  it('resolving tells the channels that were told, briefly; acknowledge or resolve again: 409 incident_resolved', async () => {
    const [inc] = (await listIncidents(database.db, { job_id: 'oc-1' })).incidents;
    const resolved = await resolveIncident(ctxAt(database, ownerActor, at(2000)), inc.id, { note: 'restarted the context service' });
    expect(resolved).toMatchObject({ status: 'resolved', resolved_by: ownerActor.label, resolution: 'restarted the context service' });
    await expect(resolveIncident(ctxAt(database, ownerActor, at(2001)), inc.id, { note: 'again' })).rejects.toMatchObject({ code: 'incident_resolved', status: 409 });
    await expect(acknowledgeIncident(ctxAt(database, ownerActor, at(2001)), inc.id)).rejects.toMatchObject({ code: 'incident_resolved' });
    const before = { slack: slack.hits.length, line: line.hits.length, pager: pager.hits.length, mails: smtp.mails.length };
    const stage = await runNotifyStage(database.db, at(2002), deliverOpts);
    expect(stage.resolved).toBe(1);
    expect(slack.hits).toHaveLength(before.slack + 1);
    expect(JSON.parse(slack.hits.at(-1)!.body).text).toMatch(/^\[Resolved\] Fetch failed/);
    expect(line.hits).toHaveLength(before.line + 1);
    expect(JSON.parse(line.hits.at(-1)!.body).messages[0].text).toContain('Resolution: restarted the context service');
    expect(pager.hits).toHaveLength(before.pager + 1); // the level-2 channel was told by the escalation
    expect(smtp.mails).toHaveLength(before.mails + 1);
    const kinds = (await messagesOf(inc.id))
      .filter((r) => r.kind === 'incident_resolved')
      .map((r) => r.channelName)
      .sort();
    expect(kinds).toEqual(['flaky hook', 'incident bus', 'on-call LINE', 'ops mail', 'ops slack', 'pager']);
    // audit entries for the people's changes
    const audit = rowsOf<{ action: string }>(await database.db.execute(sql`select action from audit_log where target = ${inc.id} order by id`));
    expect(audit.map((a) => a.action)).toEqual(['incident.resolved']);
  });

  it('a silence suppresses the messages while the incident is still recorded; ending it is audited', async () => {
    const silence = await createSilence(
      ctxAt(database, supervisorActor, at(3000)),
      SilenceInput.parse({ matchers: { signal: 'fetch_failed', worker_id: 'w-3' }, ends_at: at(3000 + 3600).toISOString(), comment: 'w-3 under maintenance' }),
    );
    expect(silence).toMatchObject({ state: 'active', created_by: supervisorActor.label, matchers: { signal: 'fetch_failed', worker_id: 'w-3' } });
    const hitsBefore = slack.hits.length + line.hits.length + hook.hits.length;
    const ev = await ingestHelperEvent(ctxAt(database, workerActor('w-3'), at(3010)), failure('oc-3', 'w-3'));
    expect(ev.body.classification.signal).toBe('fetch_failed'); // detection goes on
    const inc = await openIncidentOf('oc-3');
    expect(inc).toMatchObject({ status: 'open', silencedBy: silence.id, workerId: 'w-3' });
    await runNotifyStage(database.db, at(3011), deliverOpts);
    await runNotifyStage(database.db, at(3011 + 5000), deliverOpts); // past the level-2 after_s: no escalation either
    expect(await messagesOf(inc.id)).toHaveLength(0);
    expect(slack.hits.length + line.hits.length + hook.hits.length).toBe(hitsBefore);
    const detail = await getIncidentDetail(database.db, inc.id, at(3020));
    expect(detail.silence).toMatchObject({ id: silence.id, comment: 'w-3 under maintenance' });

    // another worker's incident of the same signal is not silenced
    const other = await ingestHelperEvent(ctxAt(database, workerActor('w-4'), at(3030)), failure('oc-4', 'w-4'));
    await runNotifyStage(database.db, at(3031), deliverOpts);
    expect((await messagesOf(other.body.incident_id!)).length).toBeGreaterThan(0);

    const ended = await endSilence(ctxAt(database, ownerActor, at(3100)), silence.id);
    expect(ended).toMatchObject({ state: 'expired', ends_at: at(3100).toISOString(), ended_by: ownerActor.label });
    expect((await listSilences(database.db, at(3101), 'expired')).map((s) => s.id)).toContain(silence.id);
    const audit = rowsOf<{ action: string }>(await database.db.execute(sql`select action from audit_log where target = ${silence.id} order by id`));
    expect(audit.map((a) => a.action)).toEqual(['silence.created', 'silence.ended']);
  });

  it('a pending silence covers incidents from its start; a silence created later covers open incidents', async () => {
    const pending = await createSilence(owner(4000), SilenceInput.parse({ matchers: { job_id: 'oc-5' }, starts_at: at(4100).toISOString(), ends_at: at(5000).toISOString(), comment: 'planned' }));
    expect(pending.state).toBe('pending');
    expect((await listSilences(database.db, at(4000), 'pending')).map((s) => s.id)).toContain(pending.id);
    await ingestHelperEvent(ctxAt(database, workerActor('w-5'), at(4200)), failure('oc-5', 'w-5'));
    expect((await openIncidentOf('oc-5')).silencedBy).toBe(pending.id);
  });

  it('refuses bad channels, silences and resolutions naming the field, and changes nothing', async () => {
    const fields = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => r.error?.issues.map((i) => i.path.join('.'));
    expect(fields(ChannelInput.safeParse({ name: 'x', kind: 'pager', config: {} }))).toEqual(['kind']);
    expect(fields(ChannelInput.safeParse({ name: 'x', kind: 'webhook', config: { url: 'https://hooks.example.com/x' } }))).toEqual(['config.secret']);
    expect(fields(ChannelInput.safeParse({ name: 'x', kind: 'slack', config: { webhook_url: 'ftp://hooks.example.com/x' } }))).toEqual(['config.webhook_url']);
    expect(fields(ChannelInput.safeParse({ name: 'x', kind: 'email', config: { smtp_url: 'http://mail', from: 'a@example.test', to: ['b@example.test'] } }))).toEqual(['config.smtp_url']);
    const before = (await listChannels(database.db)).length;
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest']) {
      await expect(createChannel(owner(5000), ChannelInput.parse({ name: 'local', kind: 'webhook', config: { url, secret: 's' } }))).rejects.toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ path: 'config.url' })],
      });
    }
    await expect(
      createChannel(owner(5000), ChannelInput.parse({ name: 'local', kind: 'email', config: { smtp_url: 'smtp://192.168.1.1', from: 'a@example.test', to: ['b@example.test'] } })),
    ).rejects.toMatchObject({ details: [expect.objectContaining({ path: 'config.smtp_url' })] });
    expect((await listChannels(database.db)).length).toBe(before);

    expect(fields(SilenceInput.safeParse({ matchers: {}, ends_at: at(9000).toISOString(), comment: 'x' }))).toEqual(['matchers']);
    expect(fields(SilenceInput.safeParse({ matchers: { signal: 'fetch_failed' }, ends_at: at(9000).toISOString(), comment: '' }))).toEqual(['comment']);
    const silencesBefore = (await listSilences(database.db, at(5000))).length;
    await expect(createSilence(owner(5000), SilenceInput.parse({ matchers: { signal: 'fetch_failed' }, ends_at: at(4999).toISOString(), comment: 'past' }))).rejects.toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'ends_at' })],
    });
    await expect(createSilence(owner(5000), SilenceInput.parse({ matchers: { signal: 'fetch_failed' }, ends_at: at(5000 + 31 * 86400).toISOString(), comment: 'too long' }))).rejects.toMatchObject({
      details: [expect.objectContaining({ path: 'ends_at', message: expect.stringContaining('30 days') })],
    });
    expect((await listSilences(database.db, at(5000))).length).toBe(silencesBefore);

    expect(fields(ResolveInput.safeParse({}))).toEqual(['note']);
    expect(fields(ResolveInput.safeParse({ note: '   ' }))).toEqual(['note']);
    expect(fields(ResolveInput.safeParse({ note: 'x'.repeat(2001) }))).toEqual(['note']);
  });

  it('edits keep secrets sent back as "***"; a test message reports its outcome; disable and delete', async () => {
    await expect(updateChannel(owner(6000), ids.hook, { config: { url: `${hook.base}/v2` } })).rejects.toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ path: 'config.url' })],
    });
    const updated = await withPrivateHosts(() => updateChannel(owner(6000), ids.hook, { name: 'incident bus 2', config: { url: `${hook.base}/v2`, secret: '***' }, after_s: 60 }));
    expect(updated).toMatchObject({ name: 'incident bus 2', config: { url: `${hook.base}/v2`, secret: '***' }, after_s: 60 });
    const ok = await withPrivateHosts(() => testChannel(owner(6001), ids.hook, { baseUrl: BASE }));
    expect(ok).toEqual({ status: 'delivered', http_status: 200 });
    const t = hook.hits.at(-1)!;
    expect(t.path).toBe('/v2');
    expect(t.headers['x-watchdog-signature']).toBe('sha256=' + createHmac('sha256', 'hook-secret').update(`${t.headers['x-watchdog-timestamp']}.${t.body}`).digest('hex'));
    expect(JSON.parse(t.body).kind).toBe('test');
    // without the flag a loopback channel's test is refused at send time
    const refused = await testChannel(owner(6002), ids.hook, { baseUrl: BASE });
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/refused/);
    const mailTest = await withPrivateHosts(() => testChannel(owner(6003), ids.email, { baseUrl: BASE }));
    expect(mailTest.status).toBe('delivered');
    expect(smtp.mails.at(-1)!.parsed.subject).toContain('[TEST]');

    const disabled = await updateChannel(owner(6004), ids.slack, { enabled: false });
    expect(disabled.enabled).toBe(false);
    const slackHits = slack.hits.length;
    await ingestHelperEvent(ctxAt(database, workerActor('w-6'), at(6010)), failure('oc-6', 'w-6'));
    await runNotifyStage(database.db, at(6011), deliverOpts);
    expect(slack.hits).toHaveLength(slackHits);
    await deleteChannel(owner(6020), ids.flaky);
    expect((await listChannels(database.db)).map((c) => c.id)).not.toContain(ids.flaky);
    await expect(updateChannel(owner(6021), ids.flaky, { enabled: true })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('incidents page: filters and cursor paging, newest first', async () => {
    const all = await listIncidents(database.db, { status: 'all', limit: 2 });
    expect(all.incidents).toHaveLength(2);
    expect(all.next_cursor).toBeTruthy();
    const next = await listIncidents(database.db, { status: 'all', limit: 2, cursor: all.next_cursor! });
    expect(next.incidents.map((i) => i.id)).not.toContain(all.incidents[0].id);
    expect(next.incidents[0].detected_at <= all.incidents[1].detected_at).toBe(true);
    expect((await listIncidents(database.db, { status: 'all', worker_id: 'w-3' })).incidents.map((i) => i.job_id)).toEqual(['oc-3']);
    expect((await listIncidents(database.db, { status: 'all', severity: 'critical' })).incidents).toHaveLength(0);
    expect((await listIncidents(database.db, { status: 'resolved' })).incidents.map((i) => i.job_id)).toEqual(['oc-1']);
    await expect(listIncidents(database.db, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'cursor' })] });
  });
});

const admin = inject('postgresAdminUrl');
describe.runIf(admin)('on-call with two consoles on one PostgreSQL', () => {
  it('each message is queued and sent exactly once, and a console that dies mid-delivery loses none', async () => {
    const url = createDatabase(admin, `oc_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    const a = await prepareDatabase({ url, poolMax: 6 });
    const b = await prepareDatabase({ url, poolMax: 6 });
    const receiver = await startReceiver();
    try {
      await withPrivateHosts(async () => {
        await createChannel(ctxAt(a, ownerActor, at(0)), ChannelInput.parse({ name: 'hook', kind: 'webhook', config: { url: `${receiver.base}/h`, secret: 's' } }));
        await createChannel(ctxAt(a, ownerActor, at(0)), ChannelInput.parse({ name: 'page', kind: 'webhook', config: { url: `${receiver.base}/p`, secret: 's' }, level: 2, after_s: 600 }));
      });
      for (let i = 0; i < 20; i++) await ingestHelperEvent(ctxAt(i % 2 ? a : b, workerActor(`w-${i}`), at(1)), failure(`pair-${i}`, `w-${i}`));
      // a console claims a batch and dies before sending: its rows come back after the claim expires
      await runNotifyStage(a.db, at(2), { ...deliverOpts, batch: 0 }); // routes only
      await a.db.transaction(async (tx) => {
        await tx.execute(
          sql`update notifications set next_attempt_at = ${new Date(at(2).getTime() + CLAIM_MS).toISOString()}::timestamptz where id in (select id from notifications order by id limit 5)`,
        );
      });
      const runs = await Promise.all([a, b, a, b, a, b].map((d) => runNotifyStage(d.db, at(3), { ...deliverOpts, batch: 7 })));
      expect(runs.reduce((n, r) => n + r.routed, 0)).toBe(0);
      await Promise.all([a, b].map((d) => runNotifyStage(d.db, at(4), { ...deliverOpts, batch: 50 })));
      expect(receiver.hits).toHaveLength(15);
      await Promise.all([a, b, a, b].map((d) => runNotifyStage(d.db, new Date(at(2).getTime() + CLAIM_MS + 1), { ...deliverOpts, batch: 50 })));
      expect(receiver.hits).toHaveLength(20);
      // escalation from both consoles at once: one per incident
      await Promise.all([a, b, a, b].map((d) => runNotifyStage(d.db, at(700), { ...deliverOpts, batch: 50 })));
      expect(receiver.hits.filter((h) => h.path === '/p')).toHaveLength(20);
      const ids = receiver.hits.map((h) => JSON.parse(h.body).id);
      expect(new Set(ids).size).toBe(40);
      const [{ n }] = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from notifications where status = 'delivered'`));
      expect(n).toBe(40);
    } finally {
      await receiver.close();
      await a.close();
      await b.close();
    }
  });
});
