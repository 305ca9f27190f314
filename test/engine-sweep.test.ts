import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { auditLog, incidents, jobLeases, leaseHistory, notifications, repairActions } from '@/db/schema';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';
import { decideRepairAction } from '@/lib/watchdog/repairs';
import { updateRules } from '@/lib/watchdog/rules';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { startScheduler } from '@/lib/watchdog/sweep';
import { nextSweepDeadline, runSweep, sweepStatements } from '@/lib/watchdog/sweep';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const t0 = new Date('2026-04-01T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe.each(testDatabaseKinds())('sweep on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const sweepAt = (s: number) => runSweep(ctxAt(database, systemTestActor, at(s)));
  const lease = (job: string, expiresIn: number, worker = 'w-1', now = 0) =>
    heartbeatLease(ctxAt(database, workerActor(worker), at(now)), job, { worker_id: worker, lease_expires_at: at(now + expiresIn) });
  const incidentsOf = (job: string) => database.db.select().from(incidents).where(eq(incidents.jobId, job));
  const actionsOf = (job: string) => database.db.select().from(repairActions).where(eq(repairActions.jobId, job));
  const forJob = (r: Awaited<ReturnType<typeof runSweep>>, job: string) => r.findings.filter((f) => f.job_id === job);

  it('near expiry: a heartbeat directive finding, no incident; follows within_s of the current rules', async () => {
    await lease('sw-near', 1000);
    expect(forJob(await sweepAt(700), 'sw-near')).toEqual([]);
    expect(forJob(await sweepAt(850), 'sw-near')).toEqual([{ signal: 'lease_near_expiry', job_id: 'sw-near', incident_id: null }]);
    expect(await incidentsOf('sw-near')).toEqual([]);
    const got = await getLease(ctxAt(database, workerActor('w-1'), at(850)), 'sw-near');
    expect(got.lease.risk_level).toBe('near_expiry');
    expect(got.directives.map((d) => d.action)).toEqual(['heartbeat']);
    // raise within_s: the same moment 700 s before expiry is now near
    const owner = ctxAt(database, ownerActor, at(0));
    await updateRules(owner, [{ signal: 'lease_near_expiry', threshold: 600 }]);
    expect(forJob(await sweepAt(300), 'sw-near')).toEqual([]);
    expect(forJob(await sweepAt(500), 'sw-near').map((f) => f.signal)).toEqual(['lease_near_expiry']);
    await updateRules(owner, [{ signal: 'lease_near_expiry', threshold: 180 }]);
    expect(forJob(await sweepAt(500), 'sw-near')).toEqual([]);
  });

  it('lease expired: state expired, one incident, one mark_stuck, once', async () => {
    await lease('sw-exp', 60);
    await ingestHelperEvent(ctxAt(database, workerActor('w-1'), at(10)), {
      id: randomUUID(),
      job_id: 'sw-exp',
      worker_id: 'w-1',
      command: 'pls upload-files sw-exp',
      exit_code: 0,
      output: 'uploading part 1',
      output_hash: hashOutput('uploading part 1'),
    });
    expect(forJob(await sweepAt(59), 'sw-exp').map((f) => f.signal)).toEqual(['lease_near_expiry']);
    const r = await sweepAt(60);
    const [finding] = forJob(r, 'sw-exp');
    expect(finding).toMatchObject({ signal: 'lease_expired', job_id: 'sw-exp' });
    expect(finding.incident_id).toBeTruthy();
    const [inc] = await incidentsOf('sw-exp');
    expect(inc).toMatchObject({ signal: 'lease_expired', status: 'open', id: finding.incident_id });
    expect(inc.detectedAt.toISOString()).toBe(at(60).toISOString());
    expect(inc.firstFailureAt.toISOString()).toBe(at(60).toISOString());
    expect(inc.evidenceEventIds).toHaveLength(1);
    const [stuck] = await actionsOf('sw-exp');
    expect(stuck).toMatchObject({ action: 'mark_stuck', authority: 'system', result: 'success', incidentId: inc.id, outputHash: hashOutput('uploading part 1') });
    const [row] = await database.db.select().from(jobLeases).where(eq(jobLeases.jobId, 'sw-exp'));
    expect(row).toMatchObject({ state: 'expired', sweepStage: 1 });
    const history = await database.db.select().from(leaseHistory).where(eq(leaseHistory.jobId, 'sw-exp'));
    expect(history.map((h) => h.event)).toEqual(['acquired', 'expired']);
    // nothing new on the next sweeps until the stuck grace
    expect(forJob(await sweepAt(120), 'sw-exp')).toEqual([]);
    expect(await incidentsOf('sw-exp')).toHaveLength(1);
    expect(await actionsOf('sw-exp')).toHaveLength(1);
  });

  it('queue stuck after lease + 300 s: one pending reclaim request, one notification, never duplicated', async () => {
    await lease('sw-stuck', 60);
    await sweepAt(61);
    expect(forJob(await sweepAt(360), 'sw-stuck')).toEqual([]); // 300 s after expiry is not yet "more than"
    const r = await sweepAt(361);
    const [finding] = forJob(r, 'sw-stuck');
    expect(finding).toMatchObject({ signal: 'queue_stuck', job_id: 'sw-stuck' });
    const pending = (await actionsOf('sw-stuck')).filter((a) => a.result === 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ action: 'reclaim', authority: 'system', trigger: 'queue_stuck', id: finding.action_id });
    expect((await database.db.select().from(notifications).where(eq(notifications.jobId, 'sw-stuck'))).map((n) => n.kind)).toEqual(['supervisor_review']);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.jobId, 'sw-stuck'));
    expect(audit.map((a) => a.action)).toContain('repair.reclaim.requested');
    await sweepAt(400);
    await sweepAt(4000);
    expect((await actionsOf('sw-stuck')).filter((a) => a.result === 'pending')).toHaveLength(1);
    expect((await incidentsOf('sw-stuck')).map((i) => i.signal).sort()).toEqual(['lease_expired', 'queue_stuck']);
    // a rejected request is not asked again
    await decideRepairAction(ctxAt(database, supervisorActor, at(4100)), finding.action_id!, { decision: 'reject' });
    expect(forJob(await sweepAt(5000), 'sw-stuck')).toEqual([]);
  });

  it('a lease first seen long after expiry gets both findings in one sweep', async () => {
    await lease('sw-late', 10);
    const r = forJob(await sweepAt(1000), 'sw-late');
    expect(r.map((f) => f.signal)).toEqual(['lease_expired', 'queue_stuck']);
  });

  it('the job recovering (a new acquisition) resolves lease incidents and closes the pending request', async () => {
    await lease('sw-recover', 10);
    const r = forJob(await sweepAt(400), 'sw-recover');
    const requestId = r.find((f) => f.signal === 'queue_stuck')!.action_id!;
    const back = await lease('sw-recover', 600, 'w-2', 450);
    expect(back.lease).toMatchObject({ worker_id: 'w-2', fencing_token: 2, state: 'active' });
    expect(back.directives.map((d) => d.action)).not.toContain('await_supervisor');
    const incs = await incidentsOf('sw-recover');
    expect(incs.every((i) => i.status === 'resolved' && i.resolvedAt?.toISOString() === at(450).toISOString())).toBe(true);
    const [req] = (await actionsOf('sw-recover')).filter((a) => a.id === requestId);
    expect(req).toMatchObject({ result: 'obsolete', decidedBy: 'system' });
    expect(req.decisionNote).toMatch(/obsolete/);
    // a late approval cannot fence off the new holder
    await expect(decideRepairAction(ctxAt(database, supervisorActor, at(460)), requestId, { decision: 'approve' })).rejects.toMatchObject({ code: 'already_decided' });
    const [row] = await database.db.select().from(jobLeases).where(eq(jobLeases.jobId, 'sw-recover'));
    expect(row).toMatchObject({ state: 'active', fencingToken: 2, sweepStage: 0 });
  });

  it('nextSweepDeadline: the start of the next near-expiry window, an expiry, a stuck grace end', async () => {
    const fresh = await kind.open();
    try {
      const c = (s: number) => ctxAt(fresh, workerActor('w-1'), at(s));
      // the lease deadlines alone: no_progress adds its own (test/engine-fleet.test.ts)
      await updateRules(ctxAt(fresh, ownerActor, at(0)), [{ signal: 'no_progress', threshold: 900, enabled: false }]);
      expect(await nextSweepDeadline(fresh.db, at(0))).toBeNull();
      await heartbeatLease(c(0), 'dl-1', { worker_id: 'w-1', lease_expires_at: at(1000) });
      expect((await nextSweepDeadline(fresh.db, at(0)))!.getTime()).toBe(at(820).getTime() + 1);
      expect((await nextSweepDeadline(fresh.db, at(900)))!.toISOString()).toBe(at(1000).toISOString());
      await runSweep(ctxAt(fresh, systemTestActor, at(1000)));
      expect((await nextSweepDeadline(fresh.db, at(1000)))!.getTime()).toBe(at(1300).getTime() + 1);
      await runSweep(ctxAt(fresh, systemTestActor, at(1301)));
      expect(await nextSweepDeadline(fresh.db, at(1301))).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});

describe('scheduler (PGlite in memory, real clock)', () => {
  it('wakes for a lease that expires in ~1.5 s and opens the incident (nudged by the heartbeat)', async () => {
    const database = await prepareDatabase({ url: '', dataDir: 'memory://' });
    const scheduler = startScheduler(database.db, { maxIdleMs: 60_000 });
    try {
      const now = new Date();
      await heartbeatLease(ctxAt(database, workerActor('w-1'), now), 'sched-1', { worker_id: 'w-1', lease_expires_at: new Date(now.getTime() + 1500) });
      const found = await waitFor(async () => (await database.db.select().from(incidents).where(eq(incidents.jobId, 'sched-1')))[0], 10_000);
      expect(found).toMatchObject({ signal: 'lease_expired', status: 'open' });
    } finally {
      await scheduler.stop();
      await database.close();
    }
  });

  it('notices a lease written behind its back (another instance) within its idle bound', async () => {
    const database = await prepareDatabase({ url: '', dataDir: 'memory://' });
    const scheduler = startScheduler(database.db);
    try {
      const now = Date.now();
      await database.db.insert(jobLeases).values({
        jobId: 'sched-2',
        workerId: 'w-9',
        fencingToken: 1,
        leaseExpiresAt: new Date(now + 1000),
        lastHeartbeatAt: new Date(now),
        acquiredAt: new Date(now),
        state: 'active',
      });
      const found = await waitFor(async () => (await database.db.select().from(incidents).where(eq(incidents.jobId, 'sched-2')))[0], 10_000);
      expect(found).toMatchObject({ signal: 'lease_expired' });
      expect(scheduler.nextWake()).not.toBeNull();
    } finally {
      await scheduler.stop();
      await database.close();
    }
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const admin = inject('postgresAdminUrl');
describe.runIf(admin)('sweep on PostgreSQL: two instances, index use', () => {
  let a: Database;
  let b: Database;
  beforeAll(async () => {
    const url = createDatabase(admin, `sweep_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    a = await prepareDatabase({ url, poolMax: 5 });
    b = await prepareDatabase({ url, poolMax: 5 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('two concurrent sweeps (two pools) never duplicate an incident or a pending request', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => `dup-${i}`);
    for (const job of jobs) await heartbeatLease(ctxAt(a, workerActor('w-1'), at(0)), job, { worker_id: 'w-1', lease_expires_at: at(30) });
    for (let round = 0; round < 3; round++) {
      const now = at(400 + round);
      const results = await Promise.all([
        runSweep(ctxAt(a, systemTestActor, now)),
        runSweep(ctxAt(b, systemTestActor, now)),
        runSweep(ctxAt(a, systemTestActor, now)),
        runSweep(ctxAt(b, systemTestActor, now)),
      ]);
      if (round === 0) {
        const stuckFindings = results.flatMap((r) => r.findings).filter((f) => f.signal === 'queue_stuck');
        expect(stuckFindings).toHaveLength(jobs.length);
      }
    }
    const counts = rowsOf<{ signal: string; n: number }>(await a.db.execute(sql`select signal, count(*)::int as n from incidents where job_id like 'dup-%' group by signal order by signal`));
    expect(counts).toEqual([
      { signal: 'lease_expired', n: jobs.length },
      { signal: 'queue_stuck', n: jobs.length },
    ]);
    const pending = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from repair_actions where job_id like 'dup-%' and result = 'pending'`));
    expect(pending[0].n).toBe(jobs.length);
    const marks = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from repair_actions where job_id like 'dup-%' and action = 'mark_stuck'`));
    expect(marks[0].n).toBe(jobs.length);
  });

  it('leases written while sweeps run: every stuck lease went through expiry (incident + mark_stuck) first', async () => {
    const writes: Promise<unknown>[] = [];
    const sweeps: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      writes.push(heartbeatLease(ctxAt(b, workerActor('w-1'), at(0)), `inter-${i}`, { worker_id: 'w-1', lease_expires_at: at(10) }));
      if (i % 6 === 0) sweeps.push(runSweep(ctxAt(i % 12 ? a : b, systemTestActor, at(1000))));
    }
    await Promise.all([...writes, ...sweeps]);
    await runSweep(ctxAt(a, systemTestActor, at(1000)));
    const bad = rowsOf<{ job_id: string; state: string; sweep_stage: number; expired: number; stuck: number; marks: number }>(
      await a.db.execute(sql`
        select l.job_id, l.state, l.sweep_stage,
          (select count(*)::int from incidents i where i.job_id = l.job_id and i.signal = 'lease_expired') as expired,
          (select count(*)::int from incidents i where i.job_id = l.job_id and i.signal = 'queue_stuck') as stuck,
          (select count(*)::int from repair_actions r where r.job_id = l.job_id and r.action = 'mark_stuck') as marks
        from job_leases l where l.job_id like 'inter-%'`),
    ).filter((r) => r.state !== 'expired' || r.sweep_stage !== 2 || r.expired !== 1 || r.stuck !== 1 || r.marks !== 1);
    expect(bad).toEqual([]);
  });

  it('a scheduler-style sweep stands down while another instance holds the leadership lock', async () => {
    const skipped = await a.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7265004)`);
      return runSweep(ctxAt(b, systemTestActor, at(500)), { skipIfBusy: true });
    });
    expect(skipped).toMatchObject({ skipped: true, findings: [] });
  });

  it('the sweep statements are index range scans, not scans of every lease (EXPLAIN)', async () => {
    await a.db.execute(sql`
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage)
      select 'bulk-' || g, 'w-' || (g % 50), 1, timestamptz '2026-06-01T00:00:00Z' + (g || ' seconds')::interval,
             timestamptz '2026-04-01T00:00:00Z', timestamptz '2026-04-01T00:00:00Z',
             case when g % 10 = 0 then 'completed' else 'active' end, 0
      from generate_series(1, 30000) g`);
    await a.db.execute(sql`analyze job_leases`);
    const now = at(600);
    const statements = {
      nearExpiry: sweepStatements.nearExpiry(now, 180_000),
      expire: sweepStatements.expire(now, now),
      stuck0: sweepStatements.markStuck(now, 0, new Date(now.getTime() - 300_000)),
      stuck1: sweepStatements.markStuck(now, 1, new Date(now.getTime() - 300_000)),
      deadlines: sweepStatements.deadlines(now, 180_000),
    };
    for (const [name, statement] of Object.entries(statements)) {
      const plan = rowsOf<{ 'QUERY PLAN': string }>(await a.db.execute(sql`explain ${statement}`))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan, `${name}:\n${plan}`).toMatch(/Index (Only )?Scan (Backward )?using job_leases_sweep_idx/);
      expect(plan, `${name}:\n${plan}`).not.toMatch(/Seq Scan on job_leases/);
    }
    // and the deadline lookup reads a handful of rows, not 30 000
    const analyzed = rowsOf<{ 'QUERY PLAN': string }>(await a.db.execute(sql`explain (analyze, buffers) ${statements.deadlines}`))
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    const rowsRead = [...analyzed.matchAll(/Index (?:Only )?Scan[^\n]*job_leases_sweep_idx[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((m) => Number(m[1]));
    expect(rowsRead.length).toBeGreaterThan(0);
    expect(Math.max(...rowsRead)).toBeLessThanOrEqual(1);
    const [{ n }] = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from job_leases where job_id like 'bulk-%' and state = 'active'`));
    expect(n).toBe(27000);
    const res = await runSweep(ctxAt(a, systemTestActor, now));
    expect(res.findings.filter((f) => f.job_id?.startsWith('bulk-'))).toEqual([]);
    // the due ones are still found among them
    await heartbeatLease(ctxAt(a, workerActor('w-1'), at(600)), 'needle', { worker_id: 'w-1', lease_expires_at: at(610) });
    const hit = await runSweep(ctxAt(a, systemTestActor, at(620)));
    expect(hit.findings.filter((f) => f.job_id === 'needle').map((f) => f.signal)).toEqual(['lease_expired']);
    const open = await a.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, 'needle'), eq(incidents.status, 'open')));
    expect(open).toHaveLength(1);
  });
});
