import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, testServers } from './helpers/http';
import { signInSession } from './helpers/session';
import { freePort, seedAccess, startNextServer, tempDir, type TestServer } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.test`;
const PASSWORD = 'a-good-long-password';

/** Audit entries of one target (a user id), read through the API with the owner token. */
async function auditOf(server: Pick<TestServer, 'url' | 'tokens'>, target: string) {
  const r = await api(server, server.tokens.owner, 'GET', '/api/watchdog/audit?limit=500');
  expect(r.status).toBe(200);
  return (r.body.entries as { action: string; target: string | null; actor: string; details: Record<string, any> }[]).filter((e) => e.target === target);
}

/** A same-origin browser call with a session cookie. */
const withSession = (server: Pick<TestServer, 'url'>, cookie: string, method: string, path: string, body?: unknown) =>
  api(server, null, method, path, body, { cookie, origin: server.url, 'sec-fetch-site': 'same-origin' });

describe.each(testServers())('users API on $name', (server) => {
  const owner = server.tokens.owner;

  it('lists people with role, status and last sign-in; adds a person (201), audited', async () => {
    const list = await api(server, owner, 'GET', '/api/watchdog/users');
    expect(list.status).toBe(200);
    expect(list.body.users).toEqual(expect.arrayContaining([expect.objectContaining({ email: server.users.owner.email, role: 'owner', disabled: false, sign_in: 'password' })]));
    for (const u of list.body.users) expect(Object.keys(u).sort()).toEqual(['created_at', 'disabled', 'email', 'id', 'last_sign_in_at', 'role', 'sign_in']);

    const address = email('Added');
    const created = await api(server, owner, 'POST', '/api/watchdog/users', { email: address, role: 'supervisor', password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email: address.toLowerCase(), role: 'supervisor', disabled: false, last_sign_in_at: null });
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    const entries = await auditOf(server, created.body.user.id);
    expect(entries).toEqual([expect.objectContaining({ action: 'user.create', actor: 'owner:test-owner', details: expect.objectContaining({ email: address.toLowerCase(), role: 'supervisor' }) })]);
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);

    // the new person signs in with the password; last_sign_in_at follows
    expect(await signInSession(server.url, address, PASSWORD)).not.toBeNull();
    const after = await api(server, owner, 'GET', '/api/watchdog/users');
    expect(after.body.users.find((u: { id: string }) => u.id === created.body.user.id).last_sign_in_at).toEqual(expect.any(String));
  });

  it('refuses a duplicate email (409, any case), a short password and an unknown role (400), and stores nothing', async () => {
    const address = email('dup');
    expect((await api(server, owner, 'POST', '/api/watchdog/users', { email: address, role: 'owner', password: PASSWORD })).status).toBe(201);
    const dup = await api(server, owner, 'POST', '/api/watchdog/users', { email: address.toUpperCase(), role: 'supervisor', password: PASSWORD });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'email_taken', details: [{ path: 'email', message: 'already taken' }] });

    const short = email('short');
    const r1 = await api(server, owner, 'POST', '/api/watchdog/users', { email: short, role: 'supervisor', password: 'elevenchars' });
    expect(r1.status).toBe(400);
    expect(r1.body.error.code).toBe('validation_failed');
    expect(r1.body.error.details).toEqual([expect.objectContaining({ path: 'password', message: 'at least 12 characters' })]);
    for (const role of ['admin', 'worker', 'system', null]) {
      const r = await api(server, owner, 'POST', '/api/watchdog/users', { email: short, role, password: PASSWORD });
      expect({ role, status: r.status, code: r.body.error.code, path: r.body.error.details[0].path }).toEqual({ role, status: 400, code: 'validation_failed', path: 'role' });
    }
    expect((await api(server, owner, 'POST', '/api/watchdog/users', { email: 'not-an-email', role: 'supervisor', password: PASSWORD })).status).toBe(400);
    const list = await api(server, owner, 'GET', '/api/watchdog/users');
    expect(list.body.users.filter((u: { email: string }) => u.email === short || u.email === address)).toHaveLength(1);
  });

  it('is the owner’s alone: worker, system and supervisor tokens 403 (audited), no credentials 401', async () => {
    const target = (await api(server, owner, 'POST', '/api/watchdog/users', { email: email('perm'), role: 'supervisor', password: PASSWORD })).body.user.id;
    for (const token of [server.tokens.worker, server.tokens.system, server.tokens.supervisor]) {
      const requestId = `people-${randomUUID()}`;
      const calls = [
        api(server, token, 'GET', '/api/watchdog/users', undefined, { 'x-request-id': requestId }),
        api(server, token, 'POST', '/api/watchdog/users', { email: email('x'), role: 'owner', password: PASSWORD }),
        api(server, token, 'PATCH', `/api/watchdog/users/${target}`, { role: 'owner' }),
      ];
      for (const r of await Promise.all(calls)) {
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('forbidden');
      }
      const audit = await api(server, owner, 'GET', '/api/watchdog/audit?limit=200');
      expect(audit.body.entries.some((e: { details: { request_id?: string; status?: number } }) => e.details?.request_id === requestId && e.details.status === 403)).toBe(true);
    }
    expect((await api(server, null, 'GET', '/api/watchdog/users')).status).toBe(401);
    const unchanged = (await api(server, owner, 'GET', '/api/watchdog/users')).body.users.find((u: { id: string }) => u.id === target);
    expect(unchanged.role).toBe('supervisor');
  });

  it('PATCH: role and disabled, each change audited; unknown id 404, empty or bad body 400', async () => {
    const id = (await api(server, owner, 'POST', '/api/watchdog/users', { email: email('patch'), role: 'supervisor', password: PASSWORD })).body.user.id;
    const promoted = await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { role: 'owner' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.user).toMatchObject({ id, role: 'owner', disabled: false });
    const disabled = await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: true });
    expect(disabled.body.user).toMatchObject({ role: 'owner', disabled: true });
    // the same again changes nothing and is not audited twice
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: false, role: 'supervisor' })).body.user).toMatchObject({ role: 'supervisor', disabled: false });
    const actions = (await auditOf(server, id)).map((e) => [e.action, e.details.role ?? null, e.details.disabled ?? null]).reverse();
    expect(actions).toEqual([
      ['user.create', 'supervisor', null],
      ['user.role', { from: 'supervisor', to: 'owner' }, null],
      ['user.disable', null, { from: false, to: true }],
      ['user.enable', { from: 'owner', to: 'supervisor' }, { from: true, to: false }],
    ]);

    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${randomUUID()}`, { role: 'owner' })).status).toBe(404);
    for (const body of [{}, { role: 'worker' }, { disabled: 'yes' }, { role: 'owner', email: 'x@y.test' }]) {
      const r = await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
  });

  it('a disabled person’s open session is refused from its next request; a role change counts at the next request', async () => {
    const address = email('session');
    const id = (await api(server, owner, 'POST', '/api/watchdog/users', { email: address, role: 'supervisor', password: PASSWORD })).body.user.id;
    const cookie = await signInSession(server.url, address, PASSWORD);
    expect(cookie).not.toBeNull();
    expect((await withSession(server, cookie!, 'GET', '/api/watchdog/rules')).status).toBe(200);
    expect((await withSession(server, cookie!, 'GET', '/api/watchdog/users')).status).toBe(403);

    await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { role: 'owner' });
    expect((await withSession(server, cookie!, 'GET', '/api/watchdog/users')).status).toBe(200);

    await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: true });
    const refused = await withSession(server, cookie!, 'GET', '/api/watchdog/rules');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    // the console pages send the session to the login page, which says why
    const page = await fetch(`${server.url}/settings/people`, { headers: { cookie: cookie! }, redirect: 'manual' });
    expect(page.status).toBe(307);
    expect(page.headers.get('location')).toMatch(/\/login\?error=AccountDisabled$/);
    // and a disabled person cannot sign in again
    expect(await signInSession(server.url, address, PASSWORD)).toBeNull();

    await api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: false });
    expect((await withSession(server, cookie!, 'GET', '/api/watchdog/rules')).status).toBe(200);
  });
});

/** Kinds for a console of this file's own: PGlite always, PostgreSQL when the suite has one. */
const ownKinds = (): ('pglite' | 'postgres')[] => ['pglite', ...(inject('postgresAdminUrl') ? (['postgres'] as const) : [])];

describe.each(testServers().length ? ownKinds() : [])('a console of its own on %s: last owner, unreachable issuer, throttling', (kind) => {
  let server: TestServer & { output: () => string };
  let child: ChildProcess;
  let dataDir: string;
  let issuerPort: number;

  beforeAll(async () => {
    dataDir = tempDir('watchdog-people-');
    const databaseUrl = kind === 'postgres' ? createDatabase(inject('postgresAdminUrl'), `people_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
    const { tokens, users } = await seedAccess({ databaseUrl, dataDir });
    // an issuer that does not answer: a port that was free a moment ago, with nothing listening
    issuerPort = await freePort();
    const started = await startNextServer({
      databaseUrl,
      dataDir,
      env: {
        WATCHDOG_OIDC_ISSUER: `http://127.0.0.1:${issuerPort}`,
        WATCHDOG_OIDC_CLIENT_ID: 'watchdog',
        WATCHDOG_OIDC_CLIENT_SECRET: 'a-client-secret',
        WATCHDOG_OIDC_NAME: 'Acme ID',
        // rate limits on, with a small failed-sign-in burst to reach the throttle quickly
        WATCHDOG_RATE_LIMIT_RPS: '100',
        WATCHDOG_AUTH_FAILURE_RPS: '0.01',
        WATCHDOG_AUTH_FAILURE_BURST: '4',
        WATCHDOG_LOG_LEVEL: 'info',
      },
    });
    child = started.child;
    server = { name: kind, url: started.url, databaseUrl, dataDir, tokens, users, pid: child.pid!, output: started.output };
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('says in the log that the issuer does not answer, and password sign-in keeps working — never a 500', async () => {
    await expect.poll(() => server.output(), { timeout: 15_000 }).toContain(`single sign-on: the issuer http://127.0.0.1:${issuerPort} did not answer at start-up`);
    expect(server.output()).toContain('password sign-in keeps working');

    const login = await fetch(`${server.url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Sign in with Acme ID');
    const providers = await api(server, null, 'GET', '/api/auth/providers');
    expect(providers.status).toBe(200);
    expect(Object.keys(providers.body).sort()).toEqual(['credentials', 'oidc']);

    // pressing "Sign in with Acme ID" while the issuer is down: back to the login page with a reason
    const csrf = await fetch(`${server.url}/api/auth/csrf`);
    const cookies = csrf.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const start = await fetch(`${server.url}/api/auth/signin/oidc`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ csrfToken, callbackUrl: server.url }).toString(),
    });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!, server.url);
    expect(location.searchParams.get('error')).toBe('OAuthSignin');
    const explained = await fetch(location);
    expect(explained.status).toBe(200);
    const landed = new URL(explained.url);
    expect(landed.pathname).toBe('/login');
    expect(landed.searchParams.get('error')).toBe('OAuthSignin');
    expect(await explained.text()).toContain('Acme ID could not be reached. Sign in with your password, or try again later.');

    expect(await signInSession(server.url, server.users.owner.email, server.users.owner.password)).not.toBeNull();
  });

  it('never leaves the console without an active owner: 409 last_owner for disabling or demoting the last one', async () => {
    const owner = server.tokens.owner;
    const list = (await api(server, owner, 'GET', '/api/watchdog/users')).body.users as { id: string; email: string; role: string }[];
    const first = list.find((u) => u.email === server.users.owner.email)!;
    for (const change of [{ disabled: true }, { role: 'supervisor' }, { role: 'supervisor', disabled: true }]) {
      const r = await api(server, owner, 'PATCH', `/api/watchdog/users/${first.id}`, change);
      expect({ change, status: r.status, code: r.body.error.code }).toEqual({ change, status: 409, code: 'last_owner' });
      expect(r.body.error.message).toContain('last active owner');
    }
    // a second owner who is disabled does not count
    const second = (await api(server, owner, 'POST', '/api/watchdog/users', { email: email('second-owner'), role: 'owner', password: PASSWORD })).body.user;
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${second.id}`, { disabled: true })).status).toBe(200);
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${first.id}`, { disabled: true })).status).toBe(409);
    // with the second one active, the first may step down; then the second is the last
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${second.id}`, { disabled: false })).status).toBe(200);
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${first.id}`, { role: 'supervisor' })).body.user.role).toBe('supervisor');
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${second.id}`, { role: 'supervisor' })).body.error.code).toBe('last_owner');
    // two owners stepping down at once: exactly one of them may
    expect((await api(server, owner, 'PATCH', `/api/watchdog/users/${first.id}`, { role: 'owner' })).status).toBe(200);
    const both = await Promise.all([first.id, second.id].map((id) => api(server, owner, 'PATCH', `/api/watchdog/users/${id}`, { disabled: true })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const after = (await api(server, owner, 'GET', '/api/watchdog/users')).body.users as { role: string; disabled: boolean }[];
    expect(after.filter((u) => u.role === 'owner' && !u.disabled)).toHaveLength(1);
    const refusals = await api(server, owner, 'GET', '/api/watchdog/audit?limit=500');
    expect(refusals.body.entries.filter((e: { action: string }) => e.action === 'user.disable')).toHaveLength(2);
  });

  it('throttles failed sign-ins and says so: "Too many attempts — try again in N s", never "wrong password"', async () => {
    const attempt = async (password: string) => {
      const csrf = await fetch(`${server.url}/api/auth/csrf`);
      const cookies = csrf.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
        body: new URLSearchParams({ csrfToken, email: server.users.supervisor.email, password, callbackUrl: server.url, json: 'true' }).toString(),
      });
      const body = (await res.json()) as { url: string };
      return { status: res.status, error: new URL(body.url).searchParams.get('error'), session: res.headers.getSetCookie().some((c) => c.includes('session-token=')) };
    };
    const seen: (string | null)[] = [];
    for (let i = 0; i < 8; i++) seen.push((await attempt('not-the-password')).error);
    expect(seen[0]).toBe('CredentialsSignin');
    const throttled = seen.filter((e) => e !== 'CredentialsSignin');
    expect(throttled.length).toBeGreaterThan(0);
    for (const e of throttled) expect(e).toMatch(/^Too many attempts — try again in \d+ s$/);
    // even the right password is turned away with the same words while the address is throttled
    const right = await attempt(server.users.supervisor.password);
    expect(right.error).toMatch(/^Too many attempts — try again in \d+ s$/);
    expect(right.session).toBe(false);
    // and the login page shows those words, not a free text from the URL
    const shown = async (error: string) => (await (await fetch(`${server.url}/login?error=${encodeURIComponent(error)}`)).text()).replace(/<script[\s\S]*?<\/script>/g, '');
    expect(await shown(right.error!)).toContain(right.error!);
    const made = await shown('Call 555-0100 to unlock');
    expect(made).toContain('Sign-in failed. Try again.');
    expect(made).not.toContain('555-0100');
  });
});
