import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, openDatabase, rowsOf } from '@/db/client';
import { api, helperEvent, inFuture, uniqueJob } from './helpers/http';
import { root, seedAccess, startNextServer, tempDir, type TestTokens } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

/**
 * Two console instances on one PostgreSQL database, each with its own sweep scheduler and a
 * webhook configured: the multi-instance behaviour of API.md, black-box over HTTP.
 */
const admin = inject('postgresAdminUrl');
const built = fs.existsSync(path.join(root, '.next', 'BUILD_ID'));
const SECRET = 'instances-webhook-secret';

describe.runIf(admin && built)('two console instances on one PostgreSQL database', () => {
  let databaseUrl: string;
  let tokens: TestTokens;
  let servers: { url: string; child: ChildProcess }[] = [];
  let raw: Database;
  const received: { body: string; headers: http.IncomingHttpHeaders; status: number }[] = [];
  let failNext = 1;
  let receiver: http.Server;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const status = failNext-- > 0 ? 500 : 200;
        received.push({ body, headers: req.headers, status });
        res.writeHead(status);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    databaseUrl = createDatabase(admin, `inst_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    const dataDir = tempDir('watchdog-instances-');
    ({ tokens } = await seedAccess({ databaseUrl, dataDir }));
    const env = { WATCHDOG_WEBHOOK_URL: hook, WATCHDOG_WEBHOOK_SECRET: SECRET };
    servers = await Promise.all([startNextServer({ databaseUrl, dataDir, env }), startNextServer({ databaseUrl, dataDir, env })]);
    raw = await openDatabase({ url: databaseUrl });
  }, 180_000);

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGKILL');
    await raw?.close();
    await new Promise((r) => receiver?.close(r));
  });

  const [A, B] = [0, 1].map((i) => ({
    get url() {
      return servers[i].url;
    },
  }));
  const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await raw.db.execute(query))[0].n);

  it('sweeps from both instances (HTTP and their schedulers) never duplicate incidents or pending requests', async () => {
    const jobs = Array.from({ length: 20 }, () => uniqueJob('inst-stuck'));
    const backdated = new Date(Date.now() - 600_000).toISOString();
    const patched = await Promise.all(jobs.map((job, i) => api(i % 2 ? A : B, tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: backdated })));
    expect(
      patched.map((p) => p.status),
      JSON.stringify(patched.find((p) => p.status !== 200)?.body),
    ).toEqual(jobs.map(() => 200));
    const sweeps = await Promise.all(Array.from({ length: 8 }, (_, i) => api(i % 2 ? A : B, i % 3 ? tokens.system : tokens.supervisor, 'POST', '/api/watchdog/sweep')));
    expect(sweeps.every((s) => s.status === 200)).toBe(true);
    for (const job of jobs) {
      const dump = async () =>
        JSON.stringify({
          lease: rowsOf(await raw.db.execute(sql`select * from job_leases where job_id = ${job}`)),
          incidents: rowsOf(await raw.db.execute(sql`select * from incidents where job_id = ${job}`)),
          history: rowsOf(await raw.db.execute(sql`select * from lease_history where job_id = ${job}`)),
        });
      expect(await count(sql`select count(*)::int as n from incidents where job_id = ${job} and signal = 'lease_expired'`), await dump()).toBe(1);
      expect(await count(sql`select count(*)::int as n from incidents where job_id = ${job} and signal = 'queue_stuck'`)).toBe(1);
      expect(await count(sql`select count(*)::int as n from repair_actions where job_id = ${job} and result = 'pending'`)).toBe(1);
      expect(await count(sql`select count(*)::int as n from repair_actions where job_id = ${job} and action = 'mark_stuck'`)).toBe(1);
    }
  });

  it('concurrent failures of one job through both instances: one open incident, one retry', async () => {
    const job = uniqueJob('inst-events');
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api(i % 2 ? A : B, tokens.worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }))),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.incident_id)).size).toBe(1);
    expect(answers.filter((a) => a.body.classification.suggested_actions.some((x: { action: string }) => x.action === 'retry'))).toHaveLength(1);
    expect(await count(sql`select count(*)::int as n from incidents where job_id = ${job}`)).toBe(1);
  });

  it('concurrent decisions through both instances: exactly one wins', async () => {
    const job = uniqueJob('inst-decide');
    await api(A, tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const req = await api(B, tokens.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'x', action: 'release', authority: 'system' });
    const answers = await Promise.all(
      [A, B, A, B].map((s, i) => api(s, tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: i % 2 ? 'reject' : 'approve' })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.error.code === 'already_decided')).toHaveLength(3);
  });

  it('escalations reach the webhook signed, retried after a 500, each delivered once', async () => {
    const job = uniqueJob('inst-hook');
    for (let i = 0; i < 2; i++) {
      await api(
        A,
        tokens.worker,
        'POST',
        '/api/watchdog/helper-events',
        helperEvent({ job_id: job, command: 'pls claim', phase: 'claim', exit_code: 137, output: '', error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30_000 }),
      );
    }
    const deadline = Date.now() + 30_000;
    let row: { status: string; attempts: number; id: string } | undefined;
    while (Date.now() < deadline) {
      [row] = rowsOf<{ status: string; attempts: number; id: string }>(await raw.db.execute(sql`select id, status, attempts from notifications where job_id = ${job} order by created_at, id limit 1`));
      if (row?.status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(row?.status).toBe('delivered');
    const mine = received.filter((r) => JSON.parse(r.body).id === row!.id);
    expect(mine.filter((r) => r.status === 200)).toHaveLength(1);
    const ok = mine.find((r) => r.status === 200)!;
    const expected = 'sha256=' + createHmac('sha256', SECRET).update(`${ok.headers['x-watchdog-timestamp']}.${ok.body}`).digest('hex');
    expect(ok.headers['x-watchdog-signature']).toBe(expected);
    // WATCHDOG_WEBHOOK_URL is a level-1 webhook (API.md part 2): it hears the incident opened and the escalation
    expect(['incident_opened', 'notify_owner']).toContain(JSON.parse(ok.body).kind);
    expect(ok.body).toContain(job);
    expect(ok.body).toContain('claim_no_output');
    // the first delivery of all was answered 500 and retried; no notification was delivered twice
    expect(received[0].status).toBe(500);
    const deliveredIds = received.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).id);
    expect(new Set(deliveredIds).size).toBe(deliveredIds.length);
  });

  it('an audit row edited in SQL: verify over HTTP (both instances) and the CLI report the first bad entry', async () => {
    const before = await api(A, tokens.owner, 'GET', '/api/watchdog/audit/verify');
    expect(before.body).toMatchObject({ ok: true });
    const [victim] = rowsOf<{ id: number; actor: string }>(
      await raw.db.execute(sql`select id::int as id, actor from audit_log where action = 'decision.approve' or action = 'decision.reject' order by id limit 1`),
    );
    await raw.db.execute(sql`update audit_log set actor = 'supervisor:nobody' where id = ${victim.id}`);
    try {
      for (const s of [A, B]) {
        const v = await api(s, tokens.supervisor, 'GET', '/api/watchdog/audit/verify');
        expect(v.status).toBe(200);
        expect(v.body).toMatchObject({ ok: false, first_bad_id: victim.id, checked: victim.id - 1 });
      }
      const cli = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'cli', 'index.ts'), 'audit', 'verify'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl, WATCHDOG_LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(cli.status).toBe(1);
      expect(cli.stderr).toContain(`entry ${victim.id}`);
    } finally {
      await raw.db.execute(sql`update audit_log set actor = ${victim.actor} where id = ${victim.id}`);
    }
    expect((await api(B, tokens.owner, 'GET', '/api/watchdog/audit/verify')).body.ok).toBe(true);
  });
});
