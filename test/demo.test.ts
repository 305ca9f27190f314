import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { defaultRules } from '@/lib/watchdog/rules';
import { verifyAuditChain } from '@/lib/watchdog/audit';
import { demoLoginsPath, ensureDemo, formatDemoLogins, seedDemoFleet } from '@/db/seed/demo';
import { computeD30Metrics } from '@/lib/watchdog/metrics';
import { listRuleVersions } from '@/lib/watchdog/rules';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { verifyUserCredentials } from '@/lib/watchdog/access';
import { freePort, root, tempDir } from './helpers/test-server';
import { signInSession } from './helpers/session';

const count = async (database: Database, query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await database.db.execute(query))[0].n);

describe('demo fleet on PGlite (memory)', () => {
  let database: Database;
  const now = new Date('2026-04-20T09:30:00Z');
  let seeded: Awaited<ReturnType<typeof seedDemoFleet>>;

  beforeAll(async () => {
    database = await prepareDatabase({ url: '', dataDir: 'memory://' });
    seeded = await seedDemoFleet(database.db, now);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('seeds a few dozen jobs over the last 20 days with logins that work', async () => {
    expect(seeded.seeded).toBe(true);
    expect(seeded.jobs).toBeGreaterThanOrEqual(36);
    const [span] = rowsOf<{ first: string; last: string; jobs: number }>(
      await database.db.execute(sql`select min(created_at)::text as first, max(created_at)::text as last, count(distinct job_id)::int as jobs from helper_events`),
    );
    expect(span.jobs).toBe(seeded.jobs);
    expect(now.getTime() - new Date(span.first).getTime()).toBeGreaterThan(19 * 24 * 3600 * 1000);
    expect(new Date(span.last).getTime()).toBeLessThanOrEqual(now.getTime());
    for (const login of seeded.logins) {
      expect(await verifyUserCredentials(database.db, login.email, login.password)).toMatchObject({ email: login.email, role: login.role });
    }
    expect(seeded.logins.map((l) => l.email).sort()).toEqual(['owner@demo.local', 'supervisor@demo.local']);
  });

  it('shows every signal in the evidence', async () => {
    const rows = rowsOf<{ signal: string }>(
      await database.db.execute(sql`select signal from incidents union select signal from helper_events where signal is not null
                                    union select trigger from repair_actions`),
    );
    const seen = new Set(rows.map((r) => r.signal));
    // every signal a rule detects (the signals without a rule yet have nothing to show)
    for (const signal of defaultRules.map((r) => r.signal)) expect(seen, signal).toContain(signal);
    // and the incidents themselves: resolved ones and open ones
    expect(await count(database, sql`select count(*)::int as n from incidents where status = 'open'`)).toBeGreaterThanOrEqual(3);
    expect(await count(database, sql`select count(*)::int as n from incidents where status = 'resolved'`)).toBeGreaterThanOrEqual(10);
    // a lease is near its expiry right now
    expect(
      await count(
        database,
        sql`select count(*)::int as n from job_leases where state = 'active' and lease_expires_at > ${now.toISOString()}::timestamptz and lease_expires_at < ${now.toISOString()}::timestamptz + interval '3 minutes'`,
      ),
    ).toBe(1);
  });

  it('has pending approvals of both kinds and decided ones', async () => {
    const pending = rowsOf<{ action: string; requested_by: string }>(await database.db.execute(sql`select action, requested_by from repair_actions where result = 'pending' order by action`));
    expect(pending.map((p) => p.action)).toEqual(['reclaim', 'release']);
    expect(await count(database, sql`select count(*)::int as n from repair_actions where decision = 'approve'`)).toBeGreaterThanOrEqual(1);
    expect(await count(database, sql`select count(*)::int as n from repair_actions where decision = 'reject'`)).toBeGreaterThanOrEqual(1);
  });

  it('has passing and failing artifact checks, and no false green', async () => {
    expect(await count(database, sql`select count(*)::int as n from artifact_checks where passed`)).toBeGreaterThanOrEqual(30);
    expect(await count(database, sql`select count(*)::int as n from artifact_checks where not passed`)).toBeGreaterThanOrEqual(3);
    const completed = await count(database, sql`select count(*)::int as n from job_leases where state = 'completed'`);
    expect(completed).toBeGreaterThanOrEqual(30);
    const falseGreen = await count(
      database,
      sql`select count(*)::int as n from job_leases l where l.state = 'completed'
          and not exists (select 1 from artifact_checks a where a.job_id = l.job_id and a.passed and a.checked_at <= coalesce(l.completed_at, '-infinity'::timestamptz))`,
    );
    expect(falseGreen).toBe(0);
    const m = await computeD30Metrics(database.db, { now });
    expect(m.false_green_count).toBe(0);
    expect(m.counts.completed_jobs).toBe(completed);
    expect(m.coverage).toBeGreaterThanOrEqual(0.8);
    expect(m.coverage).toBeLessThan(1);
    expect(m.counts.unclassified_failure_events).toBeGreaterThanOrEqual(1);
    expect(m.retry_success_rate).toBeGreaterThan(0.5);
    expect(m.retry_success_rate).toBeLessThan(1);
    expect(m.series.filter((d) => d.events > 0).length).toBeGreaterThanOrEqual(18);
  });

  it('keeps rule versions (one by the owner) and a D30 history', async () => {
    const versions = await listRuleVersions(database.db);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(versions.some((v) => v.updated_by_role === 'owner' && v.updated_by === 'owner:owner@demo.local')).toBe(true);
    expect(versions.find((v) => v.version === 1)!.updated_at < versions.find((v) => v.version === 2)!.updated_at).toBe(true);
    const m = await computeD30Metrics(database.db, { now });
    expect(m.decisions.length).toBeGreaterThanOrEqual(1);
    expect(m.decisions[0]).toMatchObject({ decided_by: 'owner:owner@demo.local' });
  });

  it('has learnings of both sources: the system one per resolved incident, people beside them', async () => {
    const resolved = await count(database, sql`select count(*)::int as n from incidents where status = 'resolved'`);
    expect(resolved).toBeGreaterThan(0);
    expect(await count(database, sql`select count(*)::int as n from learnings where source = 'system'`)).toBe(resolved);
    expect(await count(database, sql`select count(*)::int as n from learnings where source = 'person'`)).toBeGreaterThanOrEqual(2);
    expect(await count(database, sql`select count(*)::int as n from learnings where created_at > ${now.toISOString()}::timestamptz`)).toBe(0);
    const [fetch] = rowsOf<{ learned: string[] }>(await database.db.execute(sql`select learned from learnings where source = 'system' and signal = 'fetch_failed' limit 1`));
    expect(fetch.learned.join(' ')).toMatch(/What resolved it: /);
  });

  it('leaves an audit chain that verifies, in time order', async () => {
    const v = await verifyAuditChain(database.db);
    expect(v.ok).toBe(true);
    expect(v.checked).toBeGreaterThan(30);
    const disorder = await count(database, sql`select count(*)::int as n from (select at < lag(at) over (order by id) as back from audit_log) x where back`);
    expect(disorder).toBe(0);
  });

  it('does nothing on a database that is not empty', async () => {
    const again = await seedDemoFleet(database.db, now);
    expect(again.seeded).toBe(false);
    expect(await count(database, sql`select count(*)::int as n from users`)).toBe(2);
  });
});

describe('demo logins kept in the data dir', () => {
  it('writes them once (mode 0600) and reminds on later starts', async () => {
    const dir = tempDir('watchdog-demo-');
    const database = await prepareDatabase({ url: '', dataDir: 'memory://' });
    try {
      const first = await ensureDemo(database.db, new Date('2026-04-20T09:30:00Z'), dir);
      expect(first?.seeded).toBe(true);
      const file = demoLoginsPath(dir);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const kept = JSON.parse(fs.readFileSync(file, 'utf8')).logins;
      expect(kept).toEqual(first!.logins);
      const second = await ensureDemo(database.db, new Date('2026-04-21T09:30:00Z'), dir);
      expect(second).toEqual({ seeded: false, logins: first!.logins });
      const box = formatDemoLogins(first!.logins, { url: 'http://localhost:3000', seeded: true, file });
      for (const l of first!.logins) {
        expect(box).toContain(l.email);
        expect(box).toContain(l.password);
      }
      const widths = new Set(box.split('\n').map((line) => [...line].length));
      expect(widths.size).toBe(1);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const built = fs.existsSync(path.join(root, '.next', 'BUILD_ID'));

describe.runIf(built)('the console starting on an empty embedded database', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  afterAll(() => {
    child?.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds the demo, prints the logins in a box, and they sign in', async () => {
    dataDir = tempDir('watchdog-demo-start-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: '',
        WATCHDOG_DATA_DIR: dataDir,
        WATCHDOG_DEMO: '',
        WATCHDOG_SCHEDULER: '0',
        WATCHDOG_RATE_LIMIT_RPS: '0',
        WATCHDOG_LOG_LEVEL: 'warn',
        NEXTAUTH_SECRET: 'demo-test-secret-demo-test-secret',
        NEXTAUTH_URL: url,
        NEXT_TELEMETRY_DISABLED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      const ok = await fetch(`${url}/api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok && output.includes('╚')) break;
      if (Date.now() > deadline) throw new Error(`no demo box: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const owner = /owner\s+owner@demo\.local\s+password: (\S+)/.exec(output)?.[1];
    expect(owner, output).toBeTruthy();
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-logins.json'), 'utf8')).logins[0].password).toBe(owner);

    // sign in through next-auth with the printed password and read D30 with the session
    const session = await signInSession(url, 'owner@demo.local', owner!);
    expect(session).toMatch(/session-token=/);
    const d30 = await fetch(`${url}/api/watchdog/metrics/d30`, { headers: { cookie: session! } });
    expect(d30.status).toBe(200);
    const body = (await d30.json()) as { decisions: unknown[]; counts: { events: number } };
    expect(body.decisions.length).toBeGreaterThanOrEqual(1);
    expect(body.counts.events).toBeGreaterThan(200);
  }, 120_000);
});
