// The lifecycle's named one-statement paths (a lease, a helper event, an artifact check's preconditions,
// a complete) run on PostgreSQL sessions with plan_cache_mode = force_generic_plan (db/client.ts): each is
// planned once per connection, with no values. A generic plan is made without knowing the job, so it must
// still find every row by an index — on tables large enough that a scan would show — and never be planned
// again with values.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, type Db, executeNamed, NAMED_STATEMENT_OPTIONS, rowsOf } from '@/db/client';
import * as schema from '@/db/schema';
import { permissions } from '@/lib/auth/permissions';
import { resetConfig } from '@/lib/config';
import { cliActor, type Ctx } from '@/lib/watchdog/context';
import { createToken, hashToken } from '@/lib/watchdog/access';
import { completeInOneStatement, completeJob, runArtifactCheckByToken } from '@/lib/watchdog/artifacts';
import { preparedItem, storeHealthyEvents } from '@/lib/watchdog/events';
import { heartbeatInOneStatement, heartbeatLease } from '@/lib/watchdog/leases';
import { getCurrentRules } from '@/lib/watchdog/rules';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { startArtifactServer } from '@/cli/simulate/artifact-server';
import { workerActor } from './helpers/db';
import { helperEvent } from './helpers/http';
import { tempDir } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const admin = inject('postgresAdminUrl');
const BIG = ['helper_events', 'job_leases', 'lease_history', 'artifact_checks', 'repair_actions', 'incidents', 'api_tokens'];

describe.skipIf(!admin)('named statements on PostgreSQL', () => {
  let database: Database;
  let pool: pg.Pool;
  let db: Db;
  let artifacts: Awaited<ReturnType<typeof startArtifactServer>>;
  beforeAll(async () => {
    const url = createDatabase(admin, `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`) as string;
    database = await prepareDatabase({ url, poolMax: 4 });
    // 5 000 jobs of history: a plan that scanned a table instead of looking the job up would show
    await database.db.execute(sql`
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, ready_for_reclaim, sweep_stage, updated_at, progress_check_at)
      select 'bulk-' || j, 'w-' || (j % 50), 1, now() + make_interval(secs => j % 600), now(), now() - interval '1 hour',
             case when j % 2 = 0 then 'active' else 'completed' end, false, 0, now(), now() + interval '15 minutes'
      from generate_series(1, 5000) j`);
    // what a month of a fleet leaves besides: incidents (a few open) and repair actions (a few pending)
    await database.db.execute(sql`
      insert into incidents (id, job_id, worker_id, signal, status, first_failure_at, detected_at, rule_version)
      select gen_random_uuid(), 'bulk-' || j, 'w-' || (j % 50), (array['fetch_failed', 'lease_expired', 'artifact_gate_fail', 'no_progress'])[j % 4 + 1],
             case when j % 20 = 0 then 'open' else 'resolved' end, now() - interval '1 hour', now() - interval '1 hour', 1
      from generate_series(1, 5000) j`);
    await database.db.execute(sql`
      insert into repair_actions (id, job_id, trigger, action, authority, requested_by, created_at, result)
      select gen_random_uuid(), 'bulk-' || j, 'fetch_failed', (array['touch', 'retry', 'release', 'reclaim'])[j % 4 + 1], 'system', 'system:sweep', now() - interval '1 hour',
             case when j % 20 = 0 then 'pending' else 'success' end
      from generate_series(1, 5000) j`);
    // a fleet's tokens: a worker token each, some revoked
    await database.db.execute(sql`
      insert into api_tokens (id, name, role, worker_id, token_hash, prefix, created_at, created_by, revoked_at)
      select gen_random_uuid(), 'bulk-' || t, 'worker', 'w-' || t, encode(sha256(convert_to('bulk-token-' || t, 'UTF8')), 'hex'), 'wd_bulk', now(), 'cli',
             case when t % 10 = 0 then now() end
      from generate_series(1, 2000) t`);
    await database.db.execute(sql`
      insert into lease_history (job_id, worker_id, fencing_token, event, lease_expires_at, at, actor)
      select 'bulk-' || j, 'w-' || (j % 50), 1, case when r = 0 then 'acquired' else 'renewed' end, now(), now() - make_interval(secs => 600 - r * 60), 'worker:w-' || (j % 50)
      from generate_series(1, 5000) j, generate_series(0, 4) r`);
    await database.db.execute(sql`
      insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, duration_ms, created_at, received_at, rule_version, suggested_actions, body_hash)
      select gen_random_uuid(), 'bulk-' || j, 'w-' || (j % 50), 'pls progress', 'progress', 0, 'step ' || k, 'sha256:' || md5('step ' || j || k), 100,
             now() - make_interval(secs => 600 - k * 60), now() - make_interval(secs => 600 - k * 60), 1, '[]'::jsonb, md5('b' || j || k)
      from generate_series(1, 5000) j, generate_series(0, 3) k`);
    await database.db.execute(sql`
      insert into artifact_checks (id, job_id, worker_id, primary_url, files, http_status, file_count, expected_file_count, passed, failure_reason, checked_at, requested_by)
      select gen_random_uuid(), 'bulk-' || j, 'w-' || (j % 50), 'https://artifacts.example/bulk-' || j, '[]'::jsonb, 200, 1, 1, true, null, now() - interval '1 hour', 'worker:w-1'
      from generate_series(1, 5000) j`);
    for (const t of BIG) await database.db.execute(sql.raw(`analyze ${t}`));
    // the named statements' sessions, as db/client.ts opens them; one connection, to read its prepared statements
    pool = new pg.Pool({ connectionString: url, max: 1, options: NAMED_STATEMENT_OPTIONS });
    db = drizzle(pool, { schema }) as unknown as Db;
    artifacts = await startArtifactServer();
    // the check fetches the loopback artifact server, as the lifecycle bench's console does
    process.env.WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS = '1';
    resetConfig();
  }, 120_000);
  afterAll(async () => {
    delete process.env.WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS;
    resetConfig();
    await artifacts?.close();
    await pool?.end();
    await database?.close();
  });

  it('each is planned once without values, reads by index, and answers as before', async () => {
    const now = new Date();
    const ctx = (workerId = 'w-1'): Ctx => ({ db, actor: workerActor(workerId), now });
    const worker = await createToken({ db: database.db, actor: cliActor, now }, { role: 'worker', worker_id: 'w-1', name: `ns-${randomUUID().slice(0, 6)}` });
    const cred = (permission: 'leases.write' | 'jobs.complete' | 'artifactChecks.write') => ({ tokenHash: hashToken(worker.token), roles: permissions[permission] });
    const lease = { worker_id: 'w-1', lease_expires_at: new Date(now.getTime() + 600_000) };
    const rules = await getCurrentRules(database.db);
    for (let i = 0; i < 7; i++) {
      // more calls than the five custom plans PostgreSQL would otherwise try first
      const job = `ns-${randomUUID().slice(0, 8)}`;
      const acquired = await heartbeatInOneStatement(ctx(), job, lease, cred('leases.write'));
      expect(acquired?.lease).toMatchObject({ job_id: job, fencing_token: 1, state: 'active' });
      expect((await heartbeatInOneStatement(ctx(), job, { ...lease, fencing_token: 1 }, cred('leases.write')))?.lease.state).toBe('active');
      // as the group committer stores them: with the loop stand-in (window_s), and without
      const tokenCreds = { roles: permissions['helperEvents.write'], tokenHashes: [hashToken(worker.token)], receivedAt: [now] };
      const stored = await storeHealthyEvents(ctx(), [preparedItem(helperEvent({ job_id: job, output: `built ${job}` }) as never)], rules, tokenCreds, 1800);
      expect(stored).not.toBe('stale');
      await storeHealthyEvents(ctx(), [preparedItem(helperEvent({ job_id: job, output: `uploaded ${job}` }) as never)], rules, tokenCreds);
      expect(stored).not.toBe('stale');
      const check = await runArtifactCheckByToken(ctx(), { job_id: job, primary_url: `${artifacts.base}/a/${job}/index.html`, files: [{ name: 'index.html' }] }, cred('artifactChecks.write'));
      expect(check?.passed).toBe(true);
      expect((await completeInOneStatement(ctx(), job, { worker_id: 'w-1', fencing_token: 1 }, cred('jobs.complete')))?.completed).toBe(true);
      // the same paths without a token (the domain's callers)
      const other = `ns-${randomUUID().slice(0, 8)}`;
      await heartbeatLease(ctx(), other, lease);
      await completeJob(ctx(), other, { worker_id: 'w-1', fencing_token: 1 }).catch(() => null);
    }
    const prepared = rowsOf<{ name: string; types: number | null; generic_plans: number; custom_plans: number }>(
      await pool.query(`select name, array_length(parameter_types, 1) as types, generic_plans::int, custom_plans::int from pg_prepared_statements where name like 'watchdog_%' order by name`),
    );
    expect(prepared.map((p) => p.name)).toEqual(expect.arrayContaining(['watchdog_heartbeat', 'watchdog_heartbeat_token', 'watchdog_complete_token', 'watchdog_check_preconditions_token']));
    expect(prepared.map((p) => p.name)).toEqual(expect.arrayContaining(['watchdog_store_healthy_token_first', 'watchdog_store_healthy_token']));
    for (const p of prepared) {
      expect(p.custom_plans, p.name).toBe(0);
      expect(p.generic_plans, p.name).toBeGreaterThan(0);
      const plan = rowsOf<{ 'QUERY PLAN': string }>(await pool.query(`explain execute ${p.name}(${Array.from({ length: p.types ?? 0 }, () => 'null').join(', ')})`))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      for (const table of BIG) expect(plan, `${p.name}:\n${plan}`).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
    }
  }, 120_000);
});

describe('named statements on embedded PGlite', () => {
  let database: Database;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('watchdog-named-pglite-');
    database = await prepareDatabase({ url: '', dataDir: dir });
  });
  afterAll(async () => {
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('each is parsed once under its name, then bound and executed: stored as the unnamed path stores, and settled on a generic plan', async () => {
    const { db } = database;
    const now = new Date();
    const worker = await createToken({ db, actor: cliActor, now }, { role: 'worker', worker_id: 'w-1', name: 'ns-pglite' });
    const rules = await getCurrentRules(db);
    const ctx: Ctx = { db, actor: workerActor('w-1'), now };
    const lease = { worker_id: 'w-1', lease_expires_at: new Date(now.getTime() + 600_000) };
    const job = `ns-pglite-${randomUUID().slice(0, 8)}`;
    const events = Array.from({ length: 8 }, (_, i) => helperEvent({ job_id: job, output: `step ${i}` }));
    for (const [i, e] of events.entries()) {
      const creds = { roles: permissions['helperEvents.write'], tokenHashes: [hashToken(worker.token)], receivedAt: [now] };
      const stored = await storeHealthyEvents(ctx, [preparedItem(e as never)], rules, creds, 1800);
      expect(stored === 'stale' ? null : [...stored.rows.keys()]).toEqual([e.id]);
      const held = await heartbeatInOneStatement(ctx, job, i === 0 ? lease : { ...lease, fencing_token: 1 }, { tokenHash: hashToken(worker.token), roles: permissions['leases.write'] });
      expect(held?.lease).toMatchObject({ job_id: job, fencing_token: 1, state: 'active' });
    }
    // the rows are the events, with the first-sight columns the trigger sets
    const rows = rowsOf<{ id: string; output: string; new_progress: boolean }>(await db.execute(sql`select id, output, new_progress from helper_events where job_id = ${job} order by output`));
    expect(rows).toEqual(events.map((e) => ({ id: e.id, output: e.output, new_progress: true })));
    const prepared = rowsOf<{ name: string; generic_plans: number; custom_plans: number }>(
      await db.execute(sql`select name, generic_plans::int as generic_plans, custom_plans::int as custom_plans from pg_prepared_statements where name like 'watchdog_%' order by name`),
    );
    expect(prepared.map((p) => p.name)).toEqual(expect.arrayContaining(['watchdog_heartbeat_token', 'watchdog_store_healthy_token_first']));
    for (const p of prepared) expect(p.generic_plans + p.custom_plans, p.name).toBe(8);
    expect(prepared.find((p) => p.name === 'watchdog_store_healthy_token_first')?.generic_plans).toBeGreaterThan(0);
  });

  it('a statement that fails, to parse or to run, rejects with the database error and leaves the session ready for the next', async () => {
    const { db } = database;
    await expect(executeNamed(db, 'watchdog_test_syntax', sql`selec 1`)).rejects.toMatchObject({ code: '42601' });
    await expect(executeNamed(db, 'watchdog_test_divide', sql`select 1 / ${0}::int as x`)).rejects.toMatchObject({ code: '22012' });
    await expect(executeNamed(db, 'watchdog_test_divide', sql`select 1 / ${0}::int as x`)).rejects.toMatchObject({ code: '22012' });
    expect(rowsOf(await executeNamed(db, 'watchdog_test_ok', sql`select 6 / ${2}::int as x`))).toEqual([{ x: 3 }]);
    expect(rowsOf(await db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
  });
});
