import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, type Permission } from '@/lib/auth/permissions';
import type { Role } from '@/lib/watchdog/context';
import { api, helperEvent, testServers, uniqueJob } from './helpers/http';
import type { TestServer } from './helpers/test-server';

type Caller = 'anonymous' | Role;
const callers: Caller[] = ['anonymous', 'worker', 'system', 'supervisor', 'owner'];
const token = (s: TestServer, c: Caller) => (c === 'anonymous' ? null : s.tokens[c]);
const failing = (job: string) => helperEvent({ job_id: job, output: '500 TypeError: fetch failed', exit_code: 1 });

/**
 * The on-call endpoints and who may call them, written from API.md (not from lib/auth/permissions.ts):
 * incidents read by system, supervisor and owner; acknowledge, resolve, silences and the delivery log
 * by supervisor and owner; channels read by supervisor and owner, changed by the owner.
 */
const endpoints: { name: string; method: string; permission: Permission; apiMd: Role[]; path: (id: string) => string; body?: unknown }[] = [
  { name: 'list incidents', method: 'GET', permission: 'incidents.read', apiMd: ['system', 'supervisor', 'owner'], path: () => '/api/watchdog/incidents?status=all&limit=1' },
  { name: 'incident detail', method: 'GET', permission: 'incidents.read', apiMd: ['system', 'supervisor', 'owner'], path: (id) => `/api/watchdog/incidents/${id}` },
  { name: 'acknowledge', method: 'POST', permission: 'incidents.handle', apiMd: ['supervisor', 'owner'], path: () => `/api/watchdog/incidents/${randomUUID()}/acknowledge`, body: {} },
  { name: 'resolve', method: 'POST', permission: 'incidents.handle', apiMd: ['supervisor', 'owner'], path: () => `/api/watchdog/incidents/${randomUUID()}/resolve`, body: { note: 'x' } },
  {
    name: 'create silence',
    method: 'POST',
    permission: 'silences.write',
    apiMd: ['supervisor', 'owner'],
    path: () => '/api/watchdog/silences',
    body: { matchers: {}, ends_at: '2099-01-01T00:00:00Z', comment: 'x' },
  },
  { name: 'list silences', method: 'GET', permission: 'silences.read', apiMd: ['supervisor', 'owner'], path: () => '/api/watchdog/silences' },
  { name: 'end silence', method: 'DELETE', permission: 'silences.write', apiMd: ['supervisor', 'owner'], path: () => `/api/watchdog/silences/${randomUUID()}` },
  { name: 'list channels', method: 'GET', permission: 'channels.read', apiMd: ['supervisor', 'owner'], path: () => '/api/watchdog/channels' },
  { name: 'create channel', method: 'POST', permission: 'channels.manage', apiMd: ['owner'], path: () => '/api/watchdog/channels', body: { name: 'x', kind: 'nope', config: {} } },
  { name: 'change channel', method: 'PATCH', permission: 'channels.manage', apiMd: ['owner'], path: () => `/api/watchdog/channels/${randomUUID()}`, body: { enabled: false } },
  { name: 'delete channel', method: 'DELETE', permission: 'channels.manage', apiMd: ['owner'], path: () => `/api/watchdog/channels/${randomUUID()}` },
  { name: 'test channel', method: 'POST', permission: 'channels.manage', apiMd: ['owner'], path: () => `/api/watchdog/channels/${randomUUID()}/test` },
  { name: 'delivery log', method: 'GET', permission: 'notifications.read', apiMd: ['supervisor', 'owner'], path: () => '/api/watchdog/notifications?limit=1' },
];

describe.each(testServers())('on-call over HTTP on $name', (server) => {
  let incidentId: string;
  beforeAll(async () => {
    const ev = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', failing(uniqueJob('oc-http')));
    expect(ev.status).toBe(201);
    incidentId = ev.body.incident_id;
  });

  it('the permission table matches API.md for every on-call endpoint and caller', async () => {
    for (const e of endpoints) {
      for (const role of ['worker', 'system', 'supervisor', 'owner'] as Role[]) expect(isAllowed(role, e.permission), `${e.name} for ${role}`).toBe(e.apiMd.includes(role));
      for (const c of callers) {
        const r = await api(server, token(server, c), e.method, e.path(incidentId), e.body);
        const expected = c === 'anonymous' ? 401 : e.apiMd.includes(c) ? 'allowed' : 403;
        if (expected === 'allowed') expect([401, 403], `${e.name} as ${c}: ${JSON.stringify(r.body)}`).not.toContain(r.status);
        else expect(r.status, `${e.name} as ${c}`).toBe(expected);
      }
    }
  });

  it('acknowledge, resolve with a note, then 409 incident_resolved; resolve without a note is 400 and changes nothing', async () => {
    const sup = server.tokens.supervisor;
    const noNote = await api(server, sup, 'POST', `/api/watchdog/incidents/${incidentId}/resolve`, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.code).toBe('validation_failed');
    expect(noNote.body.error.details.map((d: { path: string }) => d.path)).toEqual(['note']);
    expect((await api(server, sup, 'GET', `/api/watchdog/incidents/${incidentId}`)).body.incident).toMatchObject({ status: 'open', acknowledged_at: null });

    const ack = await api(server, sup, 'POST', `/api/watchdog/incidents/${incidentId}/acknowledge`, { note: 'on it' });
    expect(ack.status).toBe(200);
    expect(ack.body.incident).toMatchObject({ acknowledged_by: 'supervisor:test-supervisor', acknowledgement_note: 'on it', worker_id: 'w-1', severity: 'warning' });
    const again = await api(server, server.tokens.owner, 'POST', `/api/watchdog/incidents/${incidentId}/acknowledge`, {});
    expect(again.body.incident).toEqual(ack.body.incident);
    expect((await api(server, sup, 'GET', '/api/watchdog/incidents?status=acknowledged&limit=200')).body.incidents.map((i: { id: string }) => i.id)).toContain(incidentId);

    const res = await api(server, server.tokens.owner, 'POST', `/api/watchdog/incidents/${incidentId}/resolve`, { note: 'context service restarted' });
    expect(res.status).toBe(200);
    expect(res.body.incident).toMatchObject({ status: 'resolved', resolved_by: 'owner:test-owner', resolution: 'context service restarted' });
    for (const verb of ['acknowledge', 'resolve']) {
      const r = await api(server, sup, 'POST', `/api/watchdog/incidents/${incidentId}/${verb}`, { note: 'again' });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('incident_resolved');
    }
    const detail = await api(server, sup, 'GET', `/api/watchdog/incidents/${incidentId}`);
    expect(detail.body).toMatchObject({ incident: { id: incidentId, status: 'resolved' }, silence: null });
    expect(Array.isArray(detail.body.notifications)).toBe(true);
  });

  it('refuses bad channels and silences with 400 naming the field, and stores nothing', async () => {
    const owner = server.tokens.owner;
    const count = async () => (await api(server, owner, 'GET', '/api/watchdog/channels')).body.channels.length;
    const before = await count();
    const bad: [unknown, string][] = [
      [{ name: 'x', kind: 'pager', config: {} }, 'kind'],
      [{ name: 'x', kind: 'webhook', config: { url: 'https://hooks.example.invalid/x' } }, 'config.secret'],
      [{ name: 'x', kind: 'slack', config: { webhook_url: 'ftp://hooks.example.invalid/x' } }, 'config.webhook_url'],
      [{ name: 'x', kind: 'webhook', config: { url: 'http://127.0.0.1:9/x', secret: 's' } }, 'config.url'],
      [{ name: 'x', kind: 'line', config: { channel_access_token: 't', to: 'U1', api_base: 'http://192.168.0.10' } }, 'config.api_base'],
      [{ name: 'x', kind: 'email', config: { smtp_url: 'smtp://localhost:25', from: 'a@example.test', to: ['b@example.test'] } }, 'config.smtp_url'],
    ];
    for (const [body, path] of bad) {
      const r = await api(server, owner, 'POST', '/api/watchdog/channels', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await count()).toBe(before);

    const silences = async () => (await api(server, owner, 'GET', '/api/watchdog/silences')).body.silences.length;
    const sBefore = await silences();
    const day = 86_400_000;
    const badSilences: [unknown, string][] = [
      [{ matchers: {}, ends_at: new Date(Date.now() + day).toISOString(), comment: 'x' }, 'matchers'],
      [{ matchers: { signal: 'fetch_failed' }, ends_at: new Date(Date.now() - 1000).toISOString(), comment: 'x' }, 'ends_at'],
      [{ matchers: { signal: 'fetch_failed' }, ends_at: new Date(Date.now() + 31 * day).toISOString(), comment: 'x' }, 'ends_at'],
      [{ matchers: { signal: 'fetch_failed' }, ends_at: new Date(Date.now() + day).toISOString(), comment: '' }, 'comment'],
    ];
    for (const [body, path] of badSilences) {
      const r = await api(server, owner, 'POST', '/api/watchdog/silences', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await silences()).toBe(sBefore);
  });

  it('a channel answers "***" for its secrets, on create, list and edit; a silence is created and ended', async () => {
    const owner = server.tokens.owner;
    const created = await api(server, owner, 'POST', '/api/watchdog/channels', { name: 'line ops', kind: 'line', config: { channel_access_token: 'tok-secret-1', to: 'U42' }, level: 2, after_s: 300 });
    expect(created.status).toBe(201);
    expect(created.body.channel).toMatchObject({ kind: 'line', level: 2, after_s: 300, enabled: true, min_severity: 'warning', signals: null, config: { channel_access_token: '***', to: 'U42' } });
    const listed = await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/channels');
    expect(JSON.stringify(listed.body)).not.toContain('tok-secret-1');
    const edited = await api(server, owner, 'PATCH', `/api/watchdog/channels/${created.body.channel.id}`, { config: { to: 'U43', channel_access_token: '***' }, enabled: false });
    expect(edited.body.channel).toMatchObject({ enabled: false, config: { channel_access_token: '***', to: 'U43' } });
    const del = await api(server, owner, 'DELETE', `/api/watchdog/channels/${created.body.channel.id}`);
    expect(del.status).toBe(200);

    const s = await api(server, server.tokens.supervisor, 'POST', '/api/watchdog/silences', {
      matchers: { worker_id: 'w-9' },
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'rebooting w-9',
    });
    expect(s.status).toBe(201);
    expect(s.body.silence).toMatchObject({ state: 'active', matchers: { worker_id: 'w-9' }, created_by: 'supervisor:test-supervisor', comment: 'rebooting w-9' });
    const ended = await api(server, server.tokens.owner, 'DELETE', `/api/watchdog/silences/${s.body.silence.id}`);
    expect(ended.body.silence.state).toBe('expired');
    expect((await api(server, owner, 'GET', '/api/watchdog/silences?state=active')).body.silences.map((x: { id: string }) => x.id)).not.toContain(s.body.silence.id);
  });

  it('lists incidents by filters with a cursor; a bad filter is 400', async () => {
    const sup = server.tokens.supervisor;
    const job = uniqueJob('oc-page');
    for (let i = 0; i < 3; i++) await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', failing(`${job}-${i}`));
    const p1 = await api(server, sup, 'GET', '/api/watchdog/incidents?status=unacknowledged&worker_id=w-1&signal=fetch_failed&limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.incidents).toHaveLength(2);
    expect(p1.body.next_cursor).toBeTruthy();
    const p2 = await api(server, sup, 'GET', `/api/watchdog/incidents?status=unacknowledged&worker_id=w-1&signal=fetch_failed&limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
    expect(p2.body.incidents.map((i: { id: string }) => i.id)).not.toContain(p1.body.incidents[0].id);
    const bad = await api(server, sup, 'GET', '/api/watchdog/incidents?status=sleeping&limit=500');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'status']);
  });
});
