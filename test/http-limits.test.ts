import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findAuditByRequestIds } from './helpers/audit-search';
import { type ApiResponse, api, testServers } from './helpers/http';
import { seedAccess, startNextServer, tempDir, type TestServer } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

/** A console of its own with tight limits, so the shared test servers keep rate limiting off. */
const limits = {
  WATCHDOG_RATE_LIMIT_RPS: '0.05',
  WATCHDOG_RATE_LIMIT_BURST: '3',
  WATCHDOG_AUTH_FAILURE_RPS: '0.01',
  WATCHDOG_AUTH_FAILURE_BURST: '5',
  WATCHDOG_REFUSAL_AUDIT_BURST: '4',
  WATCHDOG_REFUSAL_AUDIT_PER_MIN: '0.1',
};

const kinds = testServers().map((s) => s.name);

describe.each(kinds)('rate limits and the audit bound on a dedicated %s server', (kind) => {
  let server: Pick<TestServer, 'url' | 'tokens'>;
  let child: ChildProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir(`watchdog-limits-${kind}-`);
    const admin = inject('postgresAdminUrl');
    const databaseUrl = kind === 'postgres' ? createDatabase(admin, `limits_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
    const { tokens } = await seedAccess({ databaseUrl, dataDir });
    const started = await startNextServer({ databaseUrl, dataDir, env: limits });
    child = started.child;
    server = { url: started.url, tokens };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 429 rate_limited with Retry-After once a credential has spent its burst, per credential', async () => {
    const statuses: number[] = [];
    let limited: ApiResponse | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await api(server, server.tokens.system, 'GET', '/api/watchdog/rules');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(limited!.body.error.code).toBe('rate_limited');
    expect(limited!.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    // another credential has its own bucket
    expect((await api(server, server.tokens.worker, 'GET', '/api/watchdog/rules')).status).toBe(200);
  });

  it('slows down an address that keeps failing to authenticate, without locking out valid callers behind it, and bounds the 401 audit', async () => {
    const sprayer = '203.0.113.7';
    const sprayIds: string[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const id = `spray-${i}-${randomUUID()}`;
      sprayIds.push(id);
      const r = await api(server, `wdt_guess-${i}`, 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': sprayer, 'x-request-id': id });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.error.code).toBe('rate_limited');
        expect(r.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      }
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // valid credentials from the same address are not refused
    expect((await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': sprayer })).status).toBe(200);

    // another address: its 401 is audited and carries the count of those that were not
    const otherId = `other-${randomUUID()}`;
    expect((await api(server, 'wdt_other', 'GET', '/api/watchdog/incidents', undefined, { 'x-forwarded-for': '198.51.100.9', 'x-request-id': otherId })).status).toBe(401);

    const found = await findAuditByRequestIds(server, [...sprayIds, otherId]);
    // the address's audit burst is 4: the first four 401s have entries, the fifth and the 429s are counted
    expect(sprayIds.filter((id) => found.has(id))).toEqual(sprayIds.slice(0, 4));
    for (const id of sprayIds.slice(0, 4)) expect(found.get(id)).toMatchObject({ action: 'access.unauthenticated', actor_role: null, details: { address: sprayer, status: 401 } });
    expect(found.get(otherId)).toMatchObject({ action: 'access.unauthenticated', target: 'GET /incidents', details: { address: '198.51.100.9', unaudited_before: 4 } });

    // a browser tab whose session is gone is not a guesser: no credentials from that address still get 401
    const stale = await api(server, null, 'GET', '/api/watchdog/rules', undefined, { 'x-forwarded-for': sprayer, cookie: 'next-auth.session-token=expired' });
    expect(stale.status).toBe(401);
  });
});
