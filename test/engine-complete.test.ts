import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { auditLog, incidents, jobLeases, repairActions } from '@/db/schema';
import { runArtifactCheck } from '@/lib/watchdog/artifacts';
import { completeJob } from '@/lib/watchdog/artifacts';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';
import { decideRepairAction, recordRepairAction } from '@/lib/watchdog/repairs';
import { runSweep } from '@/lib/watchdog/sweep';
import { ctxAt, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-06-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe.each(testDatabaseKinds())('complete gate and supervisor decisions on $name', (kind) => {
  let database: Database;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    database = await kind.open();
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/ok.zip' ? 200 : 404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await database?.close();
  });
  const as = (worker: string, s: number) => ctxAt(database, workerActor(worker), at(s));
  const acquire = (job: string, worker: string, s: number, ttl = 600) => heartbeatLease(as(worker, s), job, { worker_id: worker, lease_expires_at: at(s + ttl) });
  const check = (job: string, worker: string, s: number, ok = true) =>
    runArtifactCheck(as(worker, s), { job_id: job, primary_url: `${base}/${ok ? 'ok.zip' : 'missing.zip'}`, files: [{ name: 'app.zip' }] }, { allowPrivate: true });
  const leaseRow = async (job: string) => (await database.db.select().from(jobLeases).where(eq(jobLeases.jobId, job)))[0];
  const actionsOf = (job: string) => database.db.select().from(repairActions).where(eq(repairActions.jobId, job));

  it('refuses without a check: 409 artifact_gate_failed, and the refusal is committed with its evidence', async () => {
    const job = 'cg-nocheck';
    const { lease } = await acquire(job, 'w-1', 0);
    const output = 'uploaded 3 files';
    await ingestHelperEvent(as('w-1', 5), { id: crypto.randomUUID(), job_id: job, worker_id: 'w-1', command: `pls upload-files ${job}`, exit_code: 0, output, output_hash: hashOutput(output) });
    await expect(completeJob(as('w-1', 10), job, { worker_id: 'w-1', fencing_token: lease.fencing_token })).rejects.toMatchObject({
      code: 'artifact_gate_failed',
      details: { artifact_check_id: null, failure_reason: 'no artifact check' },
    });
    const [block] = await actionsOf(job);
    expect(block).toMatchObject({ action: 'block_complete', authority: 'system', trigger: 'artifact_gate_failed', outputHash: hashOutput(output) });
    expect(block.evidenceEventIds).toHaveLength(1);
    const [inc] = await database.db.select().from(incidents).where(eq(incidents.jobId, job));
    expect(inc).toMatchObject({ signal: 'artifact_gate_fail', status: 'open', id: block.incidentId });
    expect(inc.details).toMatchObject({ failure_reason: 'no artifact check', worker_id: 'w-1', fencing_token: 1 });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.jobId, job));
    expect(audit.map((a) => a.action)).toEqual(['lease.acquire', 'complete.refused']);
    expect(audit[1].outputHash).toBe(hashOutput(output));
    expect((await leaseRow(job)).state).toBe('active');
  });

  it('refuses after a failed check, completes after a passing one; completing again is idempotent', async () => {
    const job = 'cg-pass';
    const { lease } = await acquire(job, 'w-1', 0);
    const failed = await check(job, 'w-1', 10, false);
    await expect(completeJob(as('w-1', 11), job, { worker_id: 'w-1', fencing_token: lease.fencing_token })).rejects.toMatchObject({
      code: 'artifact_gate_failed',
      details: { artifact_check_id: failed.id },
    });
    const passed = await check(job, 'w-1', 20);
    const done = await completeJob(as('w-1', 21), job, { worker_id: 'w-1', fencing_token: lease.fencing_token, output_hash: hashOutput('done') });
    expect(done).toEqual({ completed: true, artifact_check_id: passed.id });
    const row = await leaseRow(job);
    expect(row).toMatchObject({ state: 'completed', completedArtifactCheckId: passed.id, completedOutputHash: hashOutput('done') });
    expect(row.completedAt?.toISOString()).toBe(at(21).toISOString());
    expect(await completeJob(as('w-1', 30), job, { worker_id: 'w-1', fencing_token: lease.fencing_token })).toEqual(done);
    const open = await database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, job), eq(incidents.status, 'open')));
    expect(open).toEqual([]);
    const completes = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).filter((a) => a.action === 'job.complete');
    expect(completes).toHaveLength(1);
    expect(completes[0].outputHash).toBe(hashOutput('done'));
    // a failing check after completion cannot undo it, and the heartbeat says so
    await expect(heartbeatLease(as('w-1', 40), job, { worker_id: 'w-1', lease_expires_at: at(900), fencing_token: 1 })).rejects.toMatchObject({ code: 'lease_conflict' });
  });

  it('refuses another worker and a wrong token, recording each refusal', async () => {
    const job = 'cg-fence';
    const { lease } = await acquire(job, 'w-1', 0);
    await check(job, 'w-1', 5);
    await expect(completeJob(as('w-2', 6), job, { worker_id: 'w-2', fencing_token: lease.fencing_token })).rejects.toMatchObject({ code: 'lease_conflict' });
    await expect(completeJob(as('w-1', 6), job, { worker_id: 'w-1', fencing_token: 7 })).rejects.toMatchObject({ code: 'stale_fencing_token' });
    await expect(completeJob(as('w-1', 6), job, { worker_id: 'w-1', fencing_token: 0 })).rejects.toMatchObject({ code: 'stale_fencing_token' });
    const blocks = (await actionsOf(job)).filter((a) => a.action === 'block_complete');
    expect(blocks.map((b) => b.trigger).sort()).toEqual(['lease_conflict', 'stale_fencing_token', 'stale_fencing_token']);
    expect((await leaseRow(job)).state).toBe('active');
    await expect(completeJob(as('w-1', 6), 'cg-unknown', { worker_id: 'w-1', fencing_token: 1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(completeJob(as('w-1', 6), job, { worker_id: 'w-2', fencing_token: 1 })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('approved release fences off the old holder; a new worker acquires and completes; the old one cannot', async () => {
    const job = 'cg-release';
    const old = await acquire(job, 'w-1', 0);
    await check(job, 'w-1', 5);
    const req = await recordRepairAction(ctxAt(database, systemTestActor, at(10)), { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'system' });
    expect(req).toMatchObject({ status: 201, action: { result: 'pending', decision: null } });
    const again = await recordRepairAction(ctxAt(database, systemTestActor, at(11)), { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'system' });
    expect(again).toMatchObject({ status: 200, action: { id: req.action.id } });
    const held = await getLease(as('w-1', 12), job);
    expect(held.directives.map((d) => d.action)).toContain('await_supervisor');
    const decided = await decideRepairAction(ctxAt(database, supervisorActor, at(20)), req.action.id, { decision: 'approve', note: 'worker gone' });
    expect(decided.action).toMatchObject({ decision: 'approve', result: 'success', decided_by: supervisorActor.label, decision_note: 'worker gone' });
    expect(decided.lease).toMatchObject({ state: 'released', fencing_token: 2, ready_for_reclaim: false });
    await expect(decideRepairAction(ctxAt(database, supervisorActor, at(21)), req.action.id, { decision: 'reject' })).rejects.toMatchObject({ code: 'already_decided' });
    // the old holder: heartbeat and complete are stale
    await expect(heartbeatLease(as('w-1', 30), job, { worker_id: 'w-1', lease_expires_at: at(900), fencing_token: old.lease.fencing_token })).rejects.toMatchObject({ code: 'stale_fencing_token' });
    await expect(completeJob(as('w-1', 30), job, { worker_id: 'w-1', fencing_token: old.lease.fencing_token })).rejects.toMatchObject({ code: 'stale_fencing_token' });
    const stop = await getLease(ctxAt(database, systemTestActor, at(31)), job);
    expect(stop.directives.map((d) => d.action)).toEqual(['stop']);
    // a new worker acquires with the next token and completes (after its own check)
    const fresh = await acquire(job, 'w-2', 40);
    expect(fresh.lease).toMatchObject({ worker_id: 'w-2', fencing_token: 3, state: 'active' });
    await check(job, 'w-2', 45);
    expect((await completeJob(as('w-2', 50), job, { worker_id: 'w-2', fencing_token: 3 })).completed).toBe(true);
    await expect(completeJob(as('w-1', 51), job, { worker_id: 'w-1', fencing_token: 1 })).rejects.toMatchObject({ code: 'stale_fencing_token' });
    const audit = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).map((a) => a.action);
    expect(audit).toEqual(['lease.acquire', 'repair.release.requested', 'decision.approve', 'lease.refused', 'complete.refused', 'lease.acquire', 'job.complete', 'complete.refused']);
  });

  it('approved reclaim marks the job ready for another worker; rejection changes nothing', async () => {
    const job = 'cg-reclaim';
    await acquire(job, 'w-1', 0, 60);
    const sweep = await runSweep(ctxAt(database, systemTestActor, at(400)));
    const stuck = sweep.findings.find((f) => f.job_id === job && f.signal === 'queue_stuck')!;
    const rejected = await decideRepairAction(ctxAt(database, supervisorActor, at(410)), stuck.action_id!, { decision: 'reject', note: 'give it time' });
    expect(rejected.action).toMatchObject({ decision: 'reject', result: 'failed' });
    expect(rejected.lease).toMatchObject({ state: 'expired', fencing_token: 1 });
    const req = await recordRepairAction(ctxAt(database, systemTestActor, at(420)), { job_id: job, trigger: 'queue_stuck', action: 'reclaim', authority: 'system' });
    const approved = await decideRepairAction(ctxAt(database, supervisorActor, at(430)), req.action.id, { decision: 'approve' });
    expect(approved.lease).toMatchObject({ state: 'released', fencing_token: 2, ready_for_reclaim: true });
    const incs = await database.db.select().from(incidents).where(eq(incidents.jobId, job));
    expect(incs.filter((i) => i.status === 'open')).toEqual([]);
    const next = await acquire(job, 'w-2', 440);
    expect(next.lease).toMatchObject({ worker_id: 'w-2', fencing_token: 3, ready_for_reclaim: false });
  });

  it("a supervisor's own release takes effect at once and supersedes pending requests", async () => {
    const job = 'cg-direct';
    await acquire(job, 'w-1', 0);
    const req = await recordRepairAction(ctxAt(database, workerActor('w-1'), at(5)), { job_id: job, trigger: 'giving up', action: 'release', authority: 'worker' });
    expect(req.action.result).toBe('pending');
    const direct = await recordRepairAction(ctxAt(database, supervisorActor, at(6)), { job_id: job, trigger: 'manual', action: 'reclaim', authority: 'supervisor' });
    expect(direct.action).toMatchObject({ result: 'success', decision: 'approve' });
    expect(await leaseRow(job)).toMatchObject({ state: 'released', fencingToken: 2, readyForReclaim: true });
    await expect(decideRepairAction(ctxAt(database, supervisorActor, at(7)), req.action.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'already_decided' });
    expect((await leaseRow(job)).fencingToken).toBe(2);
  });

  it('completing a job closes its pending requests, so a late approval cannot touch it', async () => {
    const job = 'cg-late';
    const { lease } = await acquire(job, 'w-1', 0);
    const req = await recordRepairAction(ctxAt(database, systemTestActor, at(5)), { job_id: job, trigger: 'slow', action: 'reclaim', authority: 'system' });
    await check(job, 'w-1', 6);
    await completeJob(as('w-1', 7), job, { worker_id: 'w-1', fencing_token: lease.fencing_token });
    await expect(decideRepairAction(ctxAt(database, supervisorActor, at(8)), req.action.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'already_decided' });
    expect((await leaseRow(job)).state).toBe('completed');
    const before = (await actionsOf(job)).length;
    await expect(recordRepairAction(ctxAt(database, supervisorActor, at(9)), { job_id: job, trigger: 'manual', action: 'release', authority: 'supervisor' })).rejects.toMatchObject({
      code: 'job_finished',
    });
    expect(await actionsOf(job)).toHaveLength(before);
    expect(await leaseRow(job)).toMatchObject({ state: 'completed', fencingToken: 1 });
  });

  it('decision on an unknown action is not_found', async () => {
    await expect(decideRepairAction(ctxAt(database, supervisorActor, at(0)), crypto.randomUUID(), { decision: 'approve' })).rejects.toMatchObject({ code: 'not_found' });
  });

  if (kind.name === 'postgres') {
    it('two concurrent decisions: exactly one wins, the other is already_decided', async () => {
      for (let round = 0; round < 3; round++) {
        const job = `cg-race-decide-${round}`;
        await acquire(job, 'w-1', 0);
        const req = await recordRepairAction(ctxAt(database, systemTestActor, at(1)), { job_id: job, trigger: 'x', action: 'release', authority: 'system' });
        const results = await Promise.allSettled([
          decideRepairAction(ctxAt(database, supervisorActor, at(2)), req.action.id, { decision: 'approve' }),
          decideRepairAction(ctxAt(database, supervisorActor, at(2)), req.action.id, { decision: 'reject' }),
          decideRepairAction(ctxAt(database, supervisorActor, at(2)), req.action.id, { decision: 'approve' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'already_decided' });
        const row = await leaseRow(job);
        expect(row.fencingToken).toBe((results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ action: { decision: string } }>).value.action.decision === 'approve' ? 2 : 1);
        const decisions = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).filter((a) => a.action.startsWith('decision.'));
        expect(decisions).toHaveLength(1);
      }
    });

    it('two workers racing to complete: exactly one wins', async () => {
      const job = 'cg-race-complete';
      await acquire(job, 'w-1', 0, 30);
      await check(job, 'w-1', 5);
      // w-1's lease runs out; w-2 takes the job over (token 2) and both try to complete at once
      const taken = await acquire(job, 'w-2', 40);
      const results = await Promise.allSettled([
        completeJob(as('w-1', 41), job, { worker_id: 'w-1', fencing_token: 1 }),
        completeJob(as('w-2', 41), job, { worker_id: 'w-2', fencing_token: taken.lease.fencing_token }),
        completeJob(as('w-1', 41), job, { worker_id: 'w-1', fencing_token: 2 }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(await leaseRow(job)).toMatchObject({ state: 'completed', workerId: 'w-2' });
      const completes = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).filter((a) => a.action === 'job.complete');
      expect(completes).toHaveLength(1);
    });

    it('a decision racing a completion and a takeover: no deadlock, one consistent outcome', async () => {
      for (let round = 0; round < 5; round++) {
        const job = `cg-race-mixed-${round}`;
        const { lease } = await acquire(job, 'w-1', 0, 30);
        await check(job, 'w-1', 5);
        const req = await recordRepairAction(ctxAt(database, systemTestActor, at(6)), { job_id: job, trigger: 'x', action: 'reclaim', authority: 'system' });
        const [decision, completion, takeover] = await Promise.allSettled([
          decideRepairAction(ctxAt(database, supervisorActor, at(40)), req.action.id, { decision: 'approve' }),
          completeJob(as('w-1', 40), job, { worker_id: 'w-1', fencing_token: lease.fencing_token }),
          acquire(job, 'w-2', 40),
        ]);
        for (const r of [decision, completion, takeover]) {
          if (r.status === 'rejected') expect(['already_decided', 'stale_fencing_token', 'lease_conflict']).toContain((r.reason as { code?: string }).code);
        }
        const row = await leaseRow(job);
        if (completion.status === 'fulfilled') {
          expect(row).toMatchObject({ state: 'completed', workerId: 'w-1', fencingToken: 1 });
          expect(decision.status).toBe('rejected');
        } else {
          expect(row.state).not.toBe('completed');
        }
        const [action] = (await actionsOf(job)).filter((a) => a.id === req.action.id);
        expect(action.result).not.toBe('pending');
      }
    });

    it('the same worker completing twice at once: both answer completed, one completion recorded', async () => {
      const job = 'cg-race-same';
      const { lease } = await acquire(job, 'w-1', 0);
      await check(job, 'w-1', 5);
      const results = await Promise.all([1, 2, 3].map(() => completeJob(as('w-1', 6), job, { worker_id: 'w-1', fencing_token: lease.fencing_token })));
      expect(results.every((r) => r.completed)).toBe(true);
      const completes = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).filter((a) => a.action === 'job.complete');
      expect(completes).toHaveLength(1);
    });
  }
});
