import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { auditLog, incidents, jobLeases, leaseHistory, notifications, repairActions } from '@/db/schema';
import { appendAudit, appendAuditBatch, toAuditJson, verifyAuditChain } from '@/lib/watchdog/audit';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { openIncident, openIncidents } from '@/lib/watchdog/incidents';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { runSweep } from '@/lib/watchdog/sweep';
import { ctxAt, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-05-01T08:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

/**
 * The sweep handles all its due leases with a few statements per stage (multi-row inserts, a
 * LATERAL join for the evidence, one audit batch). These pin that the batch gives every lease
 * exactly what the per-lease path gave it, and that the audit batch is a valid piece of the chain.
 */
describe.each(testDatabaseKinds())('set-based sweep on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  const event = (job: string, worker: string, s: number, output: string) =>
    ingestHelperEvent(ctxAt(database, workerActor(worker), at(s)), {
      id: randomUUID(),
      job_id: job,
      worker_id: worker,
      command: `pls progress ${job}`,
      phase: 'progress',
      exit_code: 0,
      output,
      output_hash: hashOutput(output),
      created_at: at(s),
    });

  it('50 leases due at once: each gets both incidents, one mark_stuck, one pending reclaim, one notification, one audit entry', async () => {
    const jobs = Array.from({ length: 50 }, (_, i) => `batch-${String(i).padStart(2, '0')}`);
    const workerOf = (i: number) => (i % 2 ? 'w-2' : 'w-1');
    for (const [i, job] of jobs.entries()) {
      // expiries spread over 50 s so the due order (by expiry) is known: batch-00 first
      await heartbeatLease(ctxAt(database, workerActor(workerOf(i)), at(0)), job, { worker_id: workerOf(i), lease_expires_at: at(10 + i) });
    }
    // every third job has no helper event; the others two, and the later one is the evidence
    const latest = new Map<string, { id: string; hash: string }>();
    for (const [i, job] of jobs.entries()) {
      if (i % 3 === 0) continue;
      await event(job, workerOf(i), 2, `older ${job}`);
      const later = `newer ${job}`;
      const stored = await event(job, workerOf(i), 5, later);
      latest.set(job, { id: stored.body.event.id, hash: hashOutput(later) });
    }
    const auditBefore = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from audit_log`))[0].n;

    const result = await runSweep(ctxAt(database, systemTestActor, at(1000)));
    const mine = result.findings.filter((f) => f.job_id?.startsWith('batch-'));
    const expired = mine.filter((f) => f.signal === 'lease_expired');
    const stuck = mine.filter((f) => f.signal === 'queue_stuck');
    // all the expiry findings first, then the stuck ones, each in due order
    expect(mine.map((f) => f.signal)).toEqual([...jobs.map(() => 'lease_expired'), ...jobs.map(() => 'queue_stuck')]);
    expect(expired.map((f) => f.job_id)).toEqual(jobs);
    expect(stuck.map((f) => f.job_id)).toEqual(jobs);

    const incs = await database.db.select().from(incidents).where(like(incidents.jobId, 'batch-%'));
    expect(incs).toHaveLength(100);
    const actions = await database.db.select().from(repairActions).where(like(repairActions.jobId, 'batch-%'));
    expect(actions).toHaveLength(100);
    const notes = await database.db.select().from(notifications).where(like(notifications.jobId, 'batch-%'));
    expect(notes).toHaveLength(50);
    const history = await database.db
      .select()
      .from(leaseHistory)
      .where(and(like(leaseHistory.jobId, 'batch-%'), eq(leaseHistory.event, 'expired')));
    expect(history).toHaveLength(50);
    const audit = await database.db.select().from(auditLog).where(like(auditLog.jobId, 'batch-%')).orderBy(asc(auditLog.id));
    const requested = audit.filter((a) => a.action === 'repair.reclaim.requested');
    expect(requested).toHaveLength(50);

    for (const [i, job] of jobs.entries()) {
      const evidence = latest.get(job);
      const ex = expired[i];
      const st = stuck[i];
      const expiredInc = incs.find((x) => x.jobId === job && x.signal === 'lease_expired')!;
      const stuckInc = incs.find((x) => x.jobId === job && x.signal === 'queue_stuck')!;
      expect(expiredInc).toMatchObject({ id: ex.incident_id, status: 'open', evidenceEventIds: evidence ? [evidence.id] : [] });
      expect(expiredInc.firstFailureAt.toISOString()).toBe(at(10 + i).toISOString());
      expect(expiredInc.detectedAt.toISOString()).toBe(at(1000).toISOString());
      expect(expiredInc.details).toEqual({
        worker_id: workerOf(i),
        fencing_token: 1,
        lease_expires_at: at(10 + i).toISOString(),
        last_heartbeat_at: at(0).toISOString(),
      });
      expect(stuckInc).toMatchObject({ id: st.incident_id, status: 'open', evidenceEventIds: evidence ? [evidence.id] : [] });
      expect(stuckInc.firstFailureAt.toISOString()).toBe(at(10 + i + 300).toISOString());
      const mark = actions.find((a) => a.jobId === job && a.action === 'mark_stuck')!;
      expect(mark).toMatchObject({
        id: ex.action_id,
        trigger: 'lease_expired',
        authority: 'system',
        result: 'success',
        incidentId: expiredInc.id,
        outputHash: evidence?.hash ?? null,
        evidenceEventIds: evidence ? [evidence.id] : [],
        requestedBy: 'system:sweep',
        note: `lease of ${workerOf(i)} (token 1) expired at ${at(10 + i).toISOString()} without a heartbeat`,
      });
      const request = actions.find((a) => a.jobId === job && a.action === 'reclaim')!;
      expect(request).toMatchObject({
        id: st.action_id,
        trigger: 'queue_stuck',
        result: 'pending',
        incidentId: stuckInc.id,
        outputHash: evidence?.hash ?? null,
        note: `job still not completed ${1000 - 10 - i}s after the lease of ${workerOf(i)} (token 1) expired: reclaim it for another worker?`,
      });
      const note = notes.find((n) => n.jobId === job)!;
      expect(note).toMatchObject({ kind: 'supervisor_review', status: 'pending' });
      expect(note.payload).toEqual({
        action_id: request.id,
        action: 'reclaim',
        job_id: job,
        trigger: 'queue_stuck',
        incident_id: stuckInc.id,
        worker_id: workerOf(i),
        fencing_token: 1,
      });
      // the audit entries follow the due order, as consecutive links
      expect(requested[i]).toMatchObject({ target: request.id, jobId: job, outputHash: evidence?.hash ?? null, actor: 'system:test', actorRole: 'system' });
      expect(requested[i].details).toEqual({ trigger: 'queue_stuck', authority: 'system', result: 'pending', incident_id: stuckInc.id, worker_id: workerOf(i), fencing_token: 1 });
      if (i > 0) expect(requested[i].id).toBe(requested[i - 1].id + 1);
    }
    expect(requested[0].id).toBe(auditBefore + 1);
    const leases = await database.db.select().from(jobLeases).where(inArray(jobLeases.jobId, jobs));
    expect(leases.every((l) => l.state === 'expired' && l.sweepStage === 2)).toBe(true);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });

    // nothing twice on the next sweeps
    const again = await runSweep(ctxAt(database, systemTestActor, at(2000)));
    expect(again.findings.filter((f) => f.job_id?.startsWith('batch-'))).toEqual([]);
    expect(await database.db.select().from(incidents).where(like(incidents.jobId, 'batch-%'))).toHaveLength(100);
    expect(await database.db.select().from(repairActions).where(like(repairActions.jobId, 'batch-%'))).toHaveLength(100);
  });

  it('a due lease whose incident is open or whose request is pending is not duplicated, amid others that are new', async () => {
    const jobs = ['dupe-a', 'dupe-b', 'dupe-c', 'dupe-d'];
    for (const [i, job] of jobs.entries()) {
      await heartbeatLease(ctxAt(database, workerActor('w-1'), at(0)), job, { worker_id: 'w-1', lease_expires_at: at(20 + i) });
    }
    const ev = (await event('dupe-a', 'w-1', 3, 'evidence a')).body;
    // dupe-a: a lease_expired incident already open (opened earlier, with an earlier first failure)
    const before = await openIncident(database.db, at(15), {
      jobId: 'dupe-a',
      signal: 'lease_expired',
      firstFailureAt: at(5),
      evidenceEventIds: ['00000000-0000-4000-8000-000000000001'],
      details: { note: 'opened by hand', worker_id: 'someone-else' },
      ruleVersion: 1,
    });
    // dupe-c: a release request already awaits a supervisor
    const release = await recordRepairAction(ctxAt(database, systemTestActor, at(15)), {
      job_id: 'dupe-c',
      trigger: 'queue_stuck',
      action: 'release',
      authority: 'system',
      note: 'asked before the sweep',
    });
    expect(release.action.result).toBe('pending');

    const result = await runSweep(ctxAt(database, systemTestActor, at(1000)));
    const mine = result.findings.filter((f) => f.job_id?.startsWith('dupe-'));
    expect(mine).toHaveLength(8);

    // the open incident was extended, not duplicated
    const expiredA = await database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, 'dupe-a'), eq(incidents.signal, 'lease_expired')));
    expect(expiredA).toHaveLength(1);
    expect(expiredA[0].id).toBe(before.id);
    expect(mine.find((f) => f.job_id === 'dupe-a' && f.signal === 'lease_expired')!.incident_id).toBe(before.id);
    expect(expiredA[0].evidenceEventIds).toEqual(['00000000-0000-4000-8000-000000000001', ev.event.id]);
    expect(expiredA[0].firstFailureAt.toISOString()).toBe(at(5).toISOString());
    expect(expiredA[0].detectedAt.toISOString()).toBe(at(15).toISOString());
    expect(expiredA[0].details).toMatchObject({ note: 'opened by hand', worker_id: 'w-1', fencing_token: 1 });

    // the pending release stands: no reclaim, no notification, no audit entry for dupe-c
    const stuckC = mine.find((f) => f.job_id === 'dupe-c' && f.signal === 'queue_stuck')!;
    expect(stuckC.action_id).toBe(release.action.id);
    const actionsC = await database.db.select().from(repairActions).where(eq(repairActions.jobId, 'dupe-c'));
    expect(actionsC.map((a) => a.action).sort()).toEqual(['mark_stuck', 'release']);
    const requestAudit = (job: string) =>
      database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.jobId, job), eq(auditLog.action, 'repair.reclaim.requested')));
    expect(await requestAudit('dupe-c')).toEqual([]);
    const reclaimNotes = (job: string) =>
      database.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.jobId, job), sql`${notifications.payload}->>'action' = 'reclaim'`));
    expect(await reclaimNotes('dupe-c')).toEqual([]);

    // the others got theirs
    for (const job of ['dupe-a', 'dupe-b', 'dupe-d']) {
      const f = mine.find((x) => x.job_id === job && x.signal === 'queue_stuck')!;
      const [request] = await database.db
        .select()
        .from(repairActions)
        .where(and(eq(repairActions.jobId, job), eq(repairActions.action, 'reclaim')));
      expect(request).toMatchObject({ id: f.action_id, result: 'pending' });
      expect((await requestAudit(job)).map((a) => a.target)).toEqual([request.id]);
      expect((await reclaimNotes(job)).map((n) => (n.payload as { action_id: string }).action_id)).toEqual([request.id]);
    }
    const openCounts = rowsOf<{ job_id: string; n: number }>(
      await database.db.execute(sql`select job_id, count(*)::int as n from incidents where job_id like 'dupe-%' and status = 'open' group by job_id order by job_id`),
    );
    expect(openCounts).toEqual(jobs.map((job) => ({ job_id: job, n: 2 })));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('openIncidents: one result per input in input order, creating or extending; a repeated pair is refused', async () => {
    const existing = await openIncident(database.db, at(0), { jobId: 'oi-2', signal: 'queue_stuck', firstFailureAt: at(0), ruleVersion: 1 });
    const got = await openIncidents(database.db, at(10), [
      { jobId: 'oi-1', signal: 'queue_stuck', firstFailureAt: at(1), ruleVersion: 1 },
      { jobId: 'oi-2', signal: 'queue_stuck', firstFailureAt: at(1), evidenceEventIds: ['e-1'], ruleVersion: 1 },
      { jobId: 'oi-1', signal: 'lease_expired', firstFailureAt: at(1), ruleVersion: 1 },
    ]);
    expect(got.map((g) => g.created)).toEqual([true, false, true]);
    expect(got[1].id).toBe(existing.id);
    expect(new Set(got.map((g) => g.id)).size).toBe(3);
    const [two] = await database.db.select().from(incidents).where(eq(incidents.id, existing.id));
    expect(two.evidenceEventIds).toEqual(['e-1']);
    expect(await openIncidents(database.db, at(10), [])).toEqual([]);
    await expect(
      openIncidents(database.db, at(10), [
        { jobId: 'oi-3', signal: 'queue_stuck', firstFailureAt: at(1), ruleVersion: 1 },
        { jobId: 'oi-3', signal: 'queue_stuck', firstFailureAt: at(2), ruleVersion: 1 },
      ]),
    ).rejects.toThrow(/given twice/);
    expect(await database.db.select().from(incidents).where(eq(incidents.jobId, 'oi-3'))).toEqual([]);
  });

  it('appendAuditBatch: entries stored as returned, linked in the order given, equal to one-by-one appends, interleaved with concurrent appends', async () => {
    const actor = { label: 'system:batch', role: 'system' as const };
    expect(await appendAuditBatch(database.db, actor, at(0), [])).toEqual([]);
    const entries = [
      { action: 'batch.one', target: 't-1', jobId: 'ab-1', outputHash: hashOutput('x'), details: { nested: { b: 2, a: [1, 'two', null] }, flag: true } },
      { action: 'batch.two', details: { text: 'NUL \u0000 and lone \uD800 surrogate', 'key\u0000': 1 } },
      { action: 'batch.three' },
    ];
    const rows = await appendAuditBatch(database.db, actor, at(1), entries);
    expect(rows[0].id).toBeLessThan(rows[1].id);
    expect(rows[1].id).toBeLessThan(rows[2].id);
    const byId = () =>
      database.db
        .select()
        .from(auditLog)
        .where(
          inArray(
            auditLog.id,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(asc(auditLog.id));
    const stored = await byId();
    const content = (r: typeof auditLog.$inferSelect) => ({ ...toAuditJson(r), prev_hash: '', hash: '' });
    expect(stored.map(content)).toEqual(rows.map(content));
    expect(stored[1].details).toEqual({ text: 'NUL \uFFFD and lone \uFFFD surrogate', 'key\uFFFD': 1 });
    // linked: consecutive links of the chain, in the order given
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
    const linked = await byId();
    expect(linked.map((r) => r.pos)).toEqual([linked[0].pos, linked[0].pos! + 1, linked[0].pos! + 2]);
    expect(linked[1].prevHash).toBe(linked[0].hash);
    expect(linked[2].prevHash).toBe(linked[1].hash);

    // the same entries appended one by one store the same content (only ids and links differ)
    const singles = [];
    for (const entry of entries) singles.push(await appendAudit(database.db, actor, at(1), entry));
    expect(singles.map((s) => ({ ...content(s), id: 0 }))).toEqual(rows.map((r) => ({ ...content(r), id: 0 })));

    // batches and single appends at once (one pool on PostgreSQL): every entry linked once, the chain verifies
    const before = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from audit_log`))[0].n;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? appendAudit(database.db, actor, at(2), { action: `single.${i}` })
          : appendAuditBatch(
              database.db,
              actor,
              at(2),
              Array.from({ length: 1 + (i % 5) * 7 }, (_, j) => ({ action: `batch.${i}.${j}`, details: { j } })),
            ),
      ),
    );
    const verified = await verifyAuditChain(database.db);
    const after = rowsOf<{ n: number; max: number }>(await database.db.execute(sql`select count(*)::int as n, max(pos)::int as max from audit_log`))[0];
    const added = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 1 : 1 + (i % 5) * 7)).reduce((a, b) => a + b, 0);
    expect(after.n).toBe(before + added);
    expect(after.max).toBe(after.n);
    // each batch keeps its order in the chain
    const runs = rowsOf<{ action: string; j: number }>(await database.db.execute(sql`select action, (details->>'j')::int as j from audit_log where action like 'batch.%.%' order by pos`));
    const byBatch = new Map<string, number[]>();
    for (const r of runs) {
      const key = r.action.split('.').slice(0, 2).join('.');
      byBatch.set(key, [...(byBatch.get(key) ?? []), r.j]);
    }
    for (const js of byBatch.values()) expect(js).toEqual(js.map((_, k) => k));
    expect(verified).toMatchObject({ ok: true, checked: after.n });
  });
});
