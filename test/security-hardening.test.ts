import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '@/db/client';
import { api, helperEvent, testServers, uniqueJob } from './helpers/http';
import { openRaw, seedAccess } from './helpers/test-server';
import { type OwnServer, ownServer, stressKinds } from './stress/stress-kit';
import { signInSession } from './helpers/session';

/**
 * Security gaps the other files leave open: response security headers on pages and API answers,
 * tokens stored only as hashes, and no secret, token or password in the server's logs at debug level.
 * (Cookies and CSRF: http-session.test.ts; every 401/403 audited: permissions.test.ts; rate
 * limiting: http-limits.test.ts; SSRF: engine-artifacts.test.ts.)
 */
describe.each(testServers())('security headers on $name', (server) => {
  const paths: [string, string | null][] = [
    ['/', null],
    ['/login', null],
    ['/api/health', null],
    ['/api/watchdog/rules', 'none'], // 401
    ['/api/watchdog/rules', 'owner'], // 200
    ['/api/nothing-here', 'owner'], // 404
    ['/no-such-page', null], // the HTML 404
    ['/api/watchdog/jobs/%zz', 'owner'], // 400 from the node lane, before Next's router
    ['/api/watchdog/helper-events', 'worker'], // 405 (GET)
  ];
  it.each(paths)('%s (%s) carries CSP with frame-ancestors, X-Frame-Options DENY and nosniff', async (p, who) => {
    const token = who && who !== 'none' ? server.tokens[who as 'owner'] : null;
    const res = await fetch(server.url + p, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
    await res.text();
    expect(res.status).toBeLessThan(500);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe.each(testServers())('security headers on the node lane on $name', (server) => {
  it.each([
    ['/api/watchdog/helper-events', { id: 'not-a-uuid' }, 400],
    ['/api/watchdog/helper-events/batch', { events: [] }, 400],
  ])('POST %s (served before Next) carries the same headers', async (p, body, status) => {
    const res = await fetch(server.url + p, { method: 'POST', headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.text();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});

describe.each(testServers())('malformed paths on $name', (server) => {
  // Next's router fails decoding these and would answer a bare 500; the console answers first.
  it.each(['/api/watchdog/jobs/%zz', '/api/watchdog/jobs/%E0%A4%A', '/api/watchdog/job-leases/%ED%A0%80', '/api/%', '/jobs/%zz'])('%s → 400, in the API shape under /api', async (p) => {
    const res = await fetch(server.url + p, { headers: { authorization: `Bearer ${server.tokens.owner}` } });
    const text = await res.text();
    expect(res.status).toBe(400);
    if (p.startsWith('/api/')) expect(JSON.parse(text)).toMatchObject({ error: { code: 'validation_failed' } });
    else expect(text).toMatch(/percent-encoded/);
  });
});

describe.each(testServers())('long request targets and API paths with empty segments on $name', (server) => {
  const auth = () => ({ authorization: `Bearer ${server.tokens.owner}` });
  // a query of 4-byte characters, percent-encoded: 12 bytes of target per character
  const longQuery = (bytes: number) => 'q=' + encodeURIComponent('\u{1F600}'.repeat(Math.floor((bytes - 2) / 12)));

  it.each([
    ['/api/watchdog/jobs/', '/api/watchdog/jobs'],
    ['/api/watchdog//jobs', '/api/watchdog/jobs'],
    ['/api/watchdog/jobs//', '/api/watchdog/jobs'],
  ])('%s → 308 to %s, with the query, readable by fetch however long the query (to the cap)', async (p, to) => {
    const query = longQuery(8 * 1024 - p.length - 1);
    const res = await fetch(`${server.url}${p}?${query}`, { headers: auth(), redirect: 'manual' });
    await res.text();
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(`${to}?${query}`);
    expect(res.headers.get('refresh')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const followed = await fetch(`${server.url}${p}?limit=1`, { headers: auth() });
    expect(followed.status).toBe(200);
    expect(new URL(followed.url).pathname).toBe(to);
    expect((await followed.json()).jobs).toBeInstanceOf(Array);
  });

  it('a POST to an API path with a trailing slash keeps its method and body through the 308', async () => {
    const res = await fetch(`${server.url}/api/watchdog/helper-events/`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{}', redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/api/watchdog/helper-events');
  });

  it('a target over 8 KiB → 400 in the API shape under /api, 414 elsewhere, with or without a trailing slash', async () => {
    for (const p of ['/api/watchdog/jobs', '/api/watchdog/jobs/']) {
      const res = await fetch(`${server.url}${p}?${longQuery(9 * 1024)}`, { headers: auth(), redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'url' }] } });
    }
    const page = await fetch(`${server.url}/jobs?${longQuery(9 * 1024)}`, { redirect: 'manual' });
    expect(page.status).toBe(414);
    expect(await page.text()).toMatch(/too long/);
    // at the cap: answered by the route (which reads no query)
    const under = await fetch(`${server.url}/api/watchdog/rules?${longQuery(8 * 1024 - '/api/watchdog/rules?'.length)}`, { headers: auth() });
    expect(under.status).toBe(200);
  });
});

describe.each(testServers().filter((s) => s.databaseUrl))('tokens at rest on $name', (server) => {
  it('api_tokens holds no secret: only a sha256 hash and a short display prefix', async () => {
    const raw = await openRaw(server);
    try {
      const rows = rowsOf<Record<string, unknown>>(await raw.db.execute(sql`select * from api_tokens`));
      expect(rows.length).toBeGreaterThanOrEqual(5);
      const dump = JSON.stringify(rows);
      for (const secret of Object.values(server.tokens)) {
        expect(dump).not.toContain(secret);
        // nor any long piece of it beyond the shown prefix
        expect(dump).not.toContain(secret.slice(-20));
      }
      for (const r of rows) expect(String(r.token_hash)).toMatch(/^[0-9a-f]{64}$/);
      const users = JSON.stringify(rowsOf(await raw.db.execute(sql`select * from users`)));
      expect(users).not.toContain(server.users.owner.password);
      expect(users).not.toContain(server.users.supervisor.password);
    } finally {
      await raw.close();
    }
  });
});

describe.each(stressKinds().slice(0, 1))('log redaction (%s console at WATCHDOG_LOG_LEVEL=debug)', (kind) => {
  let server: OwnServer;
  beforeAll(async () => {
    server = await ownServer(kind, { WATCHDOG_LOG_LEVEL: 'debug', WATCHDOG_RATE_LIMIT_RPS: '0' });
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
  });

  it('no token, password, session cookie or created secret appears in the server output', async () => {
    const secrets: string[] = Object.values(server.tokens);
    // a token created over the API (its secret is in the response body only)
    const created = await api(server, server.tokens.owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: 'w-7', name: 'redaction' });
    expect(created.status).toBe(201);
    secrets.push(created.body.token);
    // a revoked token used after revocation, an unknown one, one in a query string
    expect((await api(server, server.tokens.owner, 'DELETE', `/api/watchdog/tokens/${created.body.id}`)).status).toBe(200);
    expect((await api(server, created.body.token, 'GET', '/api/watchdog/rules')).status).toBe(401);
    const guessed = 'wd_' + 'q'.repeat(43);
    secrets.push(guessed);
    expect((await api(server, guessed, 'GET', '/api/watchdog/rules')).status).toBe(401);
    await api(server, null, 'GET', `/api/watchdog/rules?token=${server.tokens.system}`);
    // sign-ins: right and wrong passwords; the session cookie is a secret too
    const seeded = await seedAccessPasswords();
    const session = await signInSession(server.url, seeded.owner.email, seeded.owner.password);
    expect(session).not.toBeNull();
    secrets.push(session!.split('=').slice(1).join('='));
    expect(await signInSession(server.url, seeded.owner.email, 'wrong-password-Zq81')).toBeNull();
    secrets.push(seeded.owner.password, 'wrong-password-Zq81');
    await fetch(`${server.url}/api/watchdog/rules`, { headers: { cookie: session! } });
    // errors on the way: bad input, a forbidden role, an event for another worker
    const job = uniqueJob('redact');
    await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-2' }));
    await api(server, server.tokens.worker, 'PUT', '/api/watchdog/rules', { rules: [] });
    await api(server, server.tokens.owner, 'POST', '/api/watchdog/tokens', '{"password": "' + seeded.owner.password + '"');
    // SIGTERM makes it log too, and proves the capture works up to the exit
    expect(await server.kill('SIGTERM')).toBe(143);
    const out = server.output();
    expect(out).toMatch(/shutting down/);
    for (const s of secrets) expect(out, `secret ${s.slice(0, 8)}… leaked into the log`).not.toContain(s);
  });
});

/** the passwords seedAccess gives the users (see test/helpers/test-server.ts) */
async function seedAccessPasswords() {
  void seedAccess;
  return { owner: { email: 'owner@example.test', password: 'owner-password-1' } };
}
