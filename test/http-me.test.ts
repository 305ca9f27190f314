import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, testServers } from './helpers/http';
import { signInSession } from './helpers/session';

const PASSWORD = 'a-good-long-password';

describe.each(testServers())('GET/PATCH /api/watchdog/me on $name', (server) => {
  const withSession = (cookie: string, method: string, body?: unknown) => api(server, null, method, '/api/watchdog/me', body, { cookie, origin: server.url, 'sec-fetch-site': 'same-origin' });

  async function newPerson(role: 'owner' | 'supervisor') {
    const email = `me-${randomUUID().slice(0, 8)}@example.test`;
    const created = await api(server, server.tokens.owner, 'POST', '/api/watchdog/users', { email, role, password: PASSWORD });
    expect(created.status).toBe(201);
    const cookie = await signInSession(server.url, email, PASSWORD);
    expect(cookie).not.toBeNull();
    return { id: created.body.user.id as string, email, cookie: cookie! };
  }

  it('remembers the language a person chooses, for that person only, and forgets it on null', async () => {
    const me = await newPerson('supervisor');
    const other = await newPerson('owner');
    const start = await withSession(me.cookie, 'GET');
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ user: { id: me.id, email: me.email, role: 'supervisor', locale: null } });

    const set = await withSession(me.cookie, 'PATCH', { locale: 'zh-Hant' });
    expect(set.status).toBe(200);
    expect(set.body.user.locale).toBe('zh-Hant');
    // a new session (another browser) gets it too; the other person's is untouched
    const again = await signInSession(server.url, me.email, PASSWORD);
    expect((await withSession(again!, 'GET')).body.user.locale).toBe('zh-Hant');
    expect((await withSession(other.cookie, 'GET')).body.user.locale).toBeNull();

    const cleared = await withSession(me.cookie, 'PATCH', { locale: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.user.locale).toBeNull();
  });

  it('refuses a language it does not speak, other fields and a missing locale (400 naming the field) and changes nothing', async () => {
    const me = await newPerson('owner');
    await withSession(me.cookie, 'PATCH', { locale: 'en' });
    for (const [body, path] of [
      [{ locale: 'fr' }, 'locale'],
      [{ locale: 'zh-TW' }, 'locale'],
      [{ locale: 7 }, 'locale'],
      [{}, 'locale'],
      [{ locale: 'en', role: 'owner' }, ''],
    ] as const) {
      const r = await withSession(me.cookie, 'PATCH', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await withSession(me.cookie, 'GET')).body.user.locale).toBe('en');
  });

  it('is for people signed in to the console: API tokens 403, no credentials 401', async () => {
    for (const token of [server.tokens.owner, server.tokens.supervisor]) {
      expect((await api(server, token, 'GET', '/api/watchdog/me')).status).toBe(403);
      expect((await api(server, token, 'PATCH', '/api/watchdog/me', { locale: 'en' })).status).toBe(403);
    }
    for (const token of [server.tokens.worker, server.tokens.system]) {
      expect((await api(server, token, 'PATCH', '/api/watchdog/me', { locale: 'en' })).status).toBe(403);
    }
    expect((await api(server, null, 'GET', '/api/watchdog/me')).status).toBe(401);
  });
});
