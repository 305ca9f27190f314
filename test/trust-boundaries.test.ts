import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { artifactChecks, auditLog, helperEvents, incidents, repairActions, workerRuns } from '@/db/schema';
import { createToken, presentedTokenHash } from '@/lib/watchdog/access';
import { completeJob, runArtifactCheck } from '@/lib/watchdog/artifacts';
import { cliActor } from '@/lib/watchdog/context';
import { ingestHelperEvent, ingestHelperEventBatch, upsertWorkerRun } from '@/lib/watchdog/events';
import { ingestHealthyEventByToken } from '@/lib/ingest';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { computeD30Metrics } from '@/lib/watchdog/metrics';
import { decideRepairAction, listRepairActions, recordRepairAction } from '@/lib/watchdog/repairs';
import { ctxAt, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-07-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function event(job: string, worker: string, over: Record<string, unknown> = {}) {
  const output = (over.output as string | undefined) ?? '{"ok":true}';
  return {
    id: randomUUID(),
    job_id: job,
    worker_id: worker,
    command: `pls context ${job}`,
    phase: 'context' as const,
    exit_code: 0 as number | null,
    output,
    output_hash: hashOutput(output),
    duration_ms: 50,
    ...over,
  };
}
const fetchFailed = (job: string, worker: string) => event(job, worker, { output: '500 TypeError: fetch failed', exit_code: 1 });

describe.each(testDatabaseKinds())('trust boundaries on $name', (kind) => {
  let database: Database;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    database = await kind.open();
    server = http.createServer((_req, res) => {
      res.writeHead(200);
      res.end('artifact');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await database?.close();
  });
  const as = (worker: string, s: number) => ctxAt(database, workerActor(worker), at(s));
  const sys = (s: number) => ctxAt(database, systemTestActor, at(s));
  const acquire = (job: string, worker: string, s: number) => heartbeatLease(as(worker, s), job, { worker_id: worker, lease_expires_at: at(s + 600) });
  type JobTable = typeof helperEvents | typeof workerRuns | typeof artifactChecks | typeof repairActions | typeof incidents;
  const rows = <T extends JobTable>(table: T, job: string): Promise<T['$inferSelect'][]> =>
    database.db
      .select()
      .from(table as typeof helperEvents)
      .where(eq((table as typeof helperEvents).jobId, job)) as never;
  const check = (job: string, worker: string, s: number) => runArtifactCheck(as(worker, s), { job_id: job, primary_url: `${base}/ok.zip`, files: [{ name: 'a.zip' }] }, { allowPrivate: true });

  describe('cross-worker writes', () => {
    it('a worker cannot write any evidence into a job another worker holds: 403, nothing stored, and the holder keeps its one retry', async () => {
      const job = 'tb-cross';
      await acquire(job, 'w-1', 0);
      await expect(ingestHelperEvent(as('w-2', 1), fetchFailed(job, 'w-2'))).rejects.toMatchObject({ code: 'forbidden', details: { job_id: job, lease_worker_id: 'w-1' } });
      await expect(ingestHelperEvent(as('w-2', 1), event(job, 'w-2'))).rejects.toMatchObject({ code: 'forbidden' });
      await expect(upsertWorkerRun(as('w-2', 1), { id: randomUUID(), worker_id: 'w-2', job_id: job, phase: 'context', status: 'ok', started_at: at(0) })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(check(job, 'w-2', 1)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(recordRepairAction(as('w-2', 1), { job_id: job, trigger: 'x', action: 'notify_owner', authority: 'worker' })).rejects.toMatchObject({ code: 'forbidden' });
      const batch = await ingestHelperEventBatch(as('w-2', 1), [event(job, 'w-2'), fetchFailed(job, 'w-2'), event('tb-cross-free', 'w-2')], () => []);
      expect(batch.map((r) => r.status)).toEqual([403, 403, 201]);
      expect(await rows(helperEvents, job)).toHaveLength(0);
      expect(await rows(workerRuns, job)).toHaveLength(0);
      expect(await rows(artifactChecks, job)).toHaveLength(0);
      expect(await rows(repairActions, job)).toHaveLength(0);
      expect(await rows(incidents, job)).toHaveLength(0);
      // w-1's own failure still gets the automatic retry: nobody spent it
      const own = await ingestHelperEvent(as('w-1', 2), fetchFailed(job, 'w-1'));
      expect(own.body.classification.suggested_actions.map((a) => a.action)).toEqual(['touch', 'retry']);
      // and the holder (or the system) writes as before
      expect((await upsertWorkerRun(as('w-1', 3), { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'context', status: 'ok', started_at: at(0) })).status).toBe(201);
      expect((await check(job, 'w-1', 3)).passed).toBe(true);
      expect((await ingestHelperEvent(sys(3), event(job, 'w-9'))).status).toBe(201);
    });

    it('a job with no lease yet, or a lease no longer active, is open to any worker for its own worker_id', async () => {
      expect((await ingestHelperEvent(as('w-2', 0), event('tb-nolease', 'w-2'))).status).toBe(201);
      expect((await check('tb-nolease', 'w-2', 1)).passed).toBe(true);
      const job = 'tb-done';
      const { lease } = await acquire(job, 'w-1', 0);
      await check(job, 'w-1', 1);
      await completeJob(as('w-1', 2), job, { worker_id: 'w-1', fencing_token: lease.fencing_token });
      expect((await ingestHelperEvent(as('w-2', 3), event(job, 'w-2'))).status).toBe(201);
      // its own worker_id only
      await expect(ingestHelperEvent(as('w-2', 3), event('tb-nolease', 'w-1'))).rejects.toMatchObject({ code: 'forbidden' });
    });

    it('the one-statement path refuses inside its statement: a foreign job is not stored and the full path answers', async () => {
      const { token } = await createToken(ctxAt(database, cliActor, at(0)), { role: 'worker', worker_id: 'w-2', name: 'tb-fast-w2' });
      const credential = { tokenHash: presentedTokenHash(token)!, roles: ['worker', 'system'] as const };
      const job = 'tb-fast';
      await acquire(job, 'w-1', 0);
      const refused = event(job, 'w-2');
      expect(await ingestHealthyEventByToken(database.db, at(1), credential, refused)).toBeNull();
      expect(await rows(helperEvents, job)).toHaveLength(0);
      const free = event('tb-fast-free', 'w-2');
      expect(await ingestHealthyEventByToken(database.db, at(1), credential, free)).toMatchObject({ status: 201 });
      // several at once share one statement (group commit): each is judged on its own row
      // (the free job's event has its own output: the same output again would be a repeat, the loop rule's to judge on the full path)
      const mixed = await Promise.all(
        [event(job, 'w-2'), event('tb-fast-free', 'w-2', { output: '{"ok":2}', output_hash: hashOutput('{"ok":2}') }), event(job, 'w-2')].map((e) =>
          ingestHealthyEventByToken(database.db, at(2), credential, e),
        ),
      );
      expect(mixed.map((r) => r?.status ?? null)).toEqual([null, 201, null]);
      expect(await rows(helperEvents, job)).toHaveLength(0);
    });
  });

  describe('exit_code null', () => {
    it('is accepted, stored as null, a claim killed before it exited is claim_no_output, and D30 counts it as a failure', async () => {
      const job = 'tb-null';
      const claim = event(job, 'w-1', { command: 'pls claim', phase: 'claim', exit_code: null, output: '', error_code: undefined, duration_ms: 1000 });
      claim.output_hash = hashOutput('');
      const r = await ingestHelperEvent(as('w-1', 0), claim);
      expect(r.status).toBe(201);
      expect(r.body.event.exit_code).toBeNull();
      expect(r.body.classification.signal).toBe('claim_no_output');
      const ctxEvent = event(job, 'w-1', { exit_code: null, output: 'killed' });
      const healthyPath = await ingestHelperEvent(as('w-1', 1), ctxEvent);
      expect(healthyPath.body.event.exit_code).toBeNull();
      expect(healthyPath.body.classification.signal).toBeNull();
      const batch = await ingestHelperEventBatch(as('w-1', 2), [event(job, 'w-1', { exit_code: null, output: 'gone' })], () => []);
      expect(batch[0].status).toBe(201);
      const stored = await rows(helperEvents, job);
      expect(stored.map((e) => e.exitCode)).toEqual([null, null, null]);
      const d30 = await computeD30Metrics(database.db, { from: at(-3600), to: at(3600), now: at(3600), eventSource: 'count' });
      const day = d30.series.find((d) => d.day === '2026-07-01')!;
      expect(day.failures).toBeGreaterThanOrEqual(3);
    });
  });

  describe('delegated repairs', () => {
    it('a worker records a touch/retry as the system when its own classified event suggested it, lease or not', async () => {
      for (const [job, leased] of [
        ['tb-del-leased', true],
        ['tb-del-free', false],
      ] as const) {
        if (leased) await acquire(job, 'w-1', 0);
        const failure = await ingestHelperEvent(as('w-1', 1), fetchFailed(job, 'w-1'));
        for (const action of ['touch', 'retry'] as const) {
          const r = await recordRepairAction(as('w-1', 2), { job_id: job, trigger: 'fetch_failed', action, authority: 'system', result: 'success', evidence_event_ids: [failure.body.event.id] });
          expect(r.status).toBe(201);
          expect(r.action).toMatchObject({ authority: 'system', requested_by: 'worker:w-1', suggestion: false, result: 'success', action });
        }
        const audit = await database.db.select().from(auditLog).where(eq(auditLog.jobId, job));
        expect(audit.find((a) => a.action === 'repair.retry')?.details).toMatchObject({ requested_by: 'worker:w-1', delegated_by_event_id: failure.body.event.id });
      }
    });

    it('anything else keeps the role rule: 403 and nothing stored', async () => {
      const job = 'tb-del-no';
      const mine = await ingestHelperEvent(as('w-1', 1), fetchFailed(job, 'w-1'));
      const healthy = await ingestHelperEvent(as('w-1', 1), event(job, 'w-1'));
      const theirs = await ingestHelperEvent(as('w-2', 1), fetchFailed(job, 'w-2'));
      const refused = [
        { action: 'touch', evidence_event_ids: [] },
        { action: 'touch' },
        { action: 'retry', evidence_event_ids: [healthy.body.event.id] },
        { action: 'retry', evidence_event_ids: [theirs.body.event.id] },
        { action: 'retry', evidence_event_ids: [randomUUID()] },
        { action: 'mark_stuck', evidence_event_ids: [mine.body.event.id] },
        { action: 'notify_owner', evidence_event_ids: [mine.body.event.id] },
        { action: 'heartbeat', evidence_event_ids: [mine.body.event.id] },
      ] as { action: 'touch' | 'retry' | 'heartbeat' | 'mark_stuck' | 'notify_owner'; evidence_event_ids?: string[] }[];
      for (const r of refused) {
        await expect(recordRepairAction(as('w-1', 2), { job_id: job, trigger: 'fetch_failed', authority: 'system', ...r }), JSON.stringify(r)).rejects.toMatchObject({ code: 'forbidden' });
      }
      // evidence from another job does not count either
      await expect(
        recordRepairAction(as('w-1', 2), { job_id: 'tb-del-other', trigger: 'fetch_failed', action: 'touch', authority: 'system', evidence_event_ids: [mine.body.event.id] }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await expect(recordRepairAction(as('w-1', 2), { job_id: job, trigger: 'x', action: 'touch', authority: 'supervisor' })).rejects.toMatchObject({ code: 'forbidden' });
      // (w-2's failure, the second of the job, was escalated by the classifier itself)
      expect((await rows(repairActions, job)).map((a) => a.requestedBy)).toEqual(['system:classifier']);
      // the holder of another job cannot use delegation to write into it
      await acquire('tb-del-held', 'w-2', 0);
      await expect(
        recordRepairAction(as('w-1', 2), { job_id: 'tb-del-held', trigger: 'fetch_failed', action: 'touch', authority: 'system', evidence_event_ids: [mine.body.event.id] }),
      ).rejects.toMatchObject({ code: 'forbidden' });
    });
  });

  describe('obsolete requests', () => {
    const request = (job: string, action: 'release' | 'reclaim', s: number) => recordRepairAction(sys(s), { job_id: job, trigger: 'queue_stuck', action, authority: 'system' });

    it('a pending request becomes obsolete when its job completes; a new one is refused with job_finished', async () => {
      const job = 'tb-obs-complete';
      const { lease } = await acquire(job, 'w-1', 0);
      const pending = await request(job, 'reclaim', 1);
      expect(pending).toMatchObject({ status: 201, action: { result: 'pending' } });
      // at most one pending per job and action: the second answers 200 with the first
      const again = await request(job, 'reclaim', 2);
      expect(again).toMatchObject({ status: 200, action: { id: pending.action.id } });
      // the queue shows each request with its job's lease as it is now (holder, state, last heartbeat)
      const queued = (await listRepairActions(database.db, { status: 'pending', job_id: job, limit: 10 }, at(2))).find((a) => a.id === pending.action.id);
      expect(queued?.lease).toMatchObject({ job_id: job, worker_id: 'w-1', state: 'active', fencing_token: lease.fencing_token, last_heartbeat_at: lease.last_heartbeat_at });
      await check(job, 'w-1', 3);
      await completeJob(as('w-1', 4), job, { worker_id: 'w-1', fencing_token: lease.fencing_token });
      const [row] = await database.db.select().from(repairActions).where(eq(repairActions.id, pending.action.id));
      expect(row).toMatchObject({ result: 'obsolete', decidedBy: 'system', decision: null });
      expect(row.decidedAt?.toISOString()).toBe(at(4).toISOString());
      expect((await listRepairActions(database.db, { status: 'pending', limit: 500 })).map((a) => a.id)).not.toContain(pending.action.id);
      const audit = await database.db.select().from(auditLog).where(eq(auditLog.target, pending.action.id));
      expect(audit.map((a) => [a.action, a.actor])).toContainEqual(['repair.obsolete', 'system']);
      for (const action of ['release', 'reclaim'] as const) {
        await expect(request(job, action, 5)).rejects.toMatchObject({ code: 'job_finished', status: 409 });
        await expect(recordRepairAction(ctxAt(database, supervisorActor, at(5)), { job_id: job, trigger: 'x', action, authority: 'supervisor' })).rejects.toMatchObject({ code: 'job_finished' });
      }
      await expect(decideRepairAction(ctxAt(database, supervisorActor, at(6)), pending.action.id, { decision: 'approve' })).rejects.toMatchObject({ code: 'already_decided' });
      expect(await rows(repairActions, job).then((r) => r.filter((a) => a.action === 'release' || a.action === 'reclaim'))).toHaveLength(1);
    });

    if (kind.name === 'postgres') {
      it('a request racing the completion never stays pending on a completed job', async () => {
        for (let round = 0; round < 8; round++) {
          const job = `tb-obs-race-${round}`;
          const { lease } = await acquire(job, 'w-1', 0);
          await check(job, 'w-1', 1);
          const [done, asked] = await Promise.allSettled([
            completeJob(as('w-1', 2), job, { worker_id: 'w-1', fencing_token: lease.fencing_token }),
            request(job, round % 2 ? 'release' : 'reclaim', 2),
          ]);
          expect(done.status).toBe('fulfilled');
          if (asked.status === 'rejected') expect(asked.reason).toMatchObject({ code: 'job_finished' });
          const requests = (await rows(repairActions, job)).filter((a) => a.action === 'release' || a.action === 'reclaim');
          expect(requests.filter((a) => a.result === 'pending')).toEqual([]);
          expect(requests.length).toBe(asked.status === 'fulfilled' ? 1 : 0);
        }
      });
    }

    it('approving one request makes the other obsolete; the released job refuses new requests', async () => {
      const job = 'tb-obs-decided';
      await acquire(job, 'w-1', 0);
      const release = await request(job, 'release', 1);
      const reclaim = await request(job, 'reclaim', 1);
      const decided = await decideRepairAction(ctxAt(database, supervisorActor, at(2)), release.action.id, { decision: 'approve' });
      expect(decided.lease).toMatchObject({ state: 'released' });
      const [other] = await database.db.select().from(repairActions).where(eq(repairActions.id, reclaim.action.id));
      expect(other).toMatchObject({ result: 'obsolete', decidedBy: 'system' });
      expect(other.decisionNote).toContain(release.action.id);
      await expect(request(job, 'reclaim', 3)).rejects.toMatchObject({ code: 'job_finished' });
      // a new holder takes the job: requests about it are accepted again
      await acquire(job, 'w-2', 4);
      expect(await request(job, 'reclaim', 5)).toMatchObject({ status: 201, action: { result: 'pending' } });
    });
  });
});
