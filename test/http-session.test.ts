import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findAuditByRequestIds } from './helpers/audit-search';
import { api, testServers } from './helpers/http';
import type { TestServer } from './helpers/test-server';

/** A minimal cookie jar: name → value, plus the raw Set-Cookie lines for attribute checks. */
class CookieJar {
  readonly values = new Map<string, string>();
  readonly raw: string[] = [];
  take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      this.raw.push(line);
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.values.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The next-auth credentials flow over plain HTTP, as a browser form post does it. */
async function signIn(server: Pick<TestServer, 'url'>, email: string, password: string) {
  const jar = new CookieJar();
  const csrf = await fetch(`${server.url}/api/auth/csrf`);
  jar.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), 'x-request-id': `login-${randomUUID()}` },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: server.url }).toString(),
  });
  jar.take(res);
  return { jar, res };
}

function withSession(jar: CookieJar, headers: Record<string, string> = {}) {
  return { cookie: jar.header(), ...headers };
}

describe.each(testServers())('next-auth session access to the API on $name', (server) => {
  const session = (jar: CookieJar, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => api(server, null, method, path, body, withSession(jar, headers));

  it('signs in over HTTP and sets an httpOnly, SameSite=Lax session cookie', async () => {
    const { jar, res } = await signIn(server, server.users.supervisor.email, server.users.supervisor.password);
    expect(res.status).toBe(302);
    const line = jar.raw.find((l) => /^(__Secure-)?next-auth\.session-token=/.test(l));
    expect(line).toBeDefined();
    expect(line).toMatch(/;\s*HttpOnly/i);
    expect(line).toMatch(/;\s*SameSite=Lax/i);
    expect(line).toMatch(/;\s*Path=\//i);
  });

  it('lets a supervisor session read, refuses a mutation without a same-origin Origin, accepts it with one', async () => {
    const { jar } = await signIn(server, server.users.supervisor.email, server.users.supervisor.password);
    for (const path of ['/api/watchdog/rules', '/api/watchdog/incidents?status=all', '/api/watchdog/audit?limit=5', '/api/watchdog/repair-actions?status=pending', '/api/watchdog/jobs']) {
      const r = await session(jar, 'GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
    }
    // a supervisor may not do what API.md gives to others
    expect((await session(jar, 'GET', '/api/watchdog/tokens')).status).toBe(403);
    expect((await session(jar, 'PUT', '/api/watchdog/rules', { rules: [] }, { origin: server.url })).status).toBe(403);

    const noOrigin = await session(jar, 'POST', '/api/watchdog/sweep');
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.error.code).toBe('forbidden');
    const crossOrigin = await session(jar, 'POST', '/api/watchdog/sweep', undefined, { origin: 'https://evil.example' });
    expect(crossOrigin.status).toBe(403);
    const crossSite = await session(jar, 'POST', '/api/watchdog/sweep', undefined, { origin: server.url, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const nullOrigin = await session(jar, 'POST', '/api/watchdog/sweep', undefined, { origin: 'null' });
    expect(nullOrigin.status).toBe(403);

    const sameOrigin = await session(jar, 'POST', '/api/watchdog/sweep', undefined, { origin: server.url });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.body).toMatchObject({ swept_at: expect.any(String), findings: expect.any(Array) });
    const browserFetch = await session(jar, 'POST', '/api/watchdog/sweep', undefined, { origin: server.url, 'sec-fetch-site': 'same-origin' });
    expect(browserFetch.status).toBe(200);
  });

  it('lets an owner session manage tokens only from its own origin, and audits the refusal', async () => {
    const { jar } = await signIn(server, server.users.owner.email, server.users.owner.password);
    expect((await session(jar, 'GET', '/api/watchdog/tokens')).status).toBe(200);
    const name = `session-${randomUUID().slice(0, 8)}`;
    const requestId = `session-${randomUUID()}`;
    const refused = await session(jar, 'POST', '/api/watchdog/tokens', { role: 'system', name }, { 'x-request-id': requestId });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    const names = () => session(jar, 'GET', '/api/watchdog/tokens').then((r) => r.body.tokens.map((t: { name: string }) => t.name));
    expect(await names()).not.toContain(name);
    const ok = await session(jar, 'POST', '/api/watchdog/tokens', { role: 'system', name }, { origin: server.url });
    expect(ok.status).toBe(201);
    expect(ok.body.token).toMatch(/^wdt_/);
    expect(await names()).toContain(name);
    const revoked = await session(jar, 'DELETE', `/api/watchdog/tokens/${ok.body.id}`, undefined, { origin: server.url });
    expect(revoked.status).toBe(200);
    const audit = await findAuditByRequestIds(server, [requestId]);
    expect(audit.get(requestId)).toMatchObject({ actor: `owner:${server.users.owner.email}`, actor_role: 'owner', action: 'access.forbidden', target: 'POST /tokens' });
  });

  it('gives no session for a wrong password, and a forged cookie is 401', async () => {
    const { jar, res } = await signIn(server, server.users.owner.email, 'not-the-password');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('error=');
    expect([...jar.values.keys()].some((k) => k.includes('session-token'))).toBe(false);
    const forged = await api(server, null, 'GET', '/api/watchdog/rules', undefined, { cookie: 'next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged' });
    expect(forged.status).toBe(401);
  });
});
