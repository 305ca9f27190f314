// The worker lifecycle's one-statement paths (issue 21): a heartbeat (renewal or first acquisition), an
// artifact check and a complete from a token this process has seen authenticate are proven, authorised
// and written by one statement each. They must write exactly what the full path writes (lease, lease
// history, audit entry), and whatever they refuse — a revoked or foreign token, something the complete
// must end first, a race — must write nothing and leave the answer to the full path.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { artifactChecks, auditLog, incidents, jobLeases, leaseHistory } from '@/db/schema';
import { permissions } from '@/lib/auth/permissions';
import { cliActor, type Ctx } from '@/lib/watchdog/context';
import { createToken, hashToken, revokeToken } from '@/lib/watchdog/access';
import { completeInOneStatement, completeJob } from '@/lib/watchdog/artifacts';
import { linkAudit, verifyAuditChain } from '@/lib/watchdog/audit';
import { heartbeatInOneStatement, heartbeatLease } from '@/lib/watchdog/leases';
import { openIncident } from '@/lib/watchdog/incidents';
import { artifactChecks as checksTable } from '@/db/schema';
import { ctxAt, testDatabaseKinds, workerActor } from './helpers/db';
import { api, helperEvent, testServers, uniqueJob } from './helpers/http';

const t0 = new Date('2026-06-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe.each(testDatabaseKinds())('lifecycle one-statement paths on $name', (kind) => {
  let database: Database;
  let worker: { id: string; token: string };
  const leaseCred = (t: { token: string }) => ({ tokenHash: hashToken(t.token), roles: permissions['leases.write'] });
  const completeCred = (t: { token: string }) => ({ tokenHash: hashToken(t.token), roles: permissions['jobs.complete'] });
  beforeAll(async () => {
    database = await kind.open();
    worker = await createToken({ db: database.db, actor: cliActor, now: t0 }, { role: 'worker', worker_id: 'w-1', name: `ls-${randomUUID().slice(0, 6)}` });
  });
  afterAll(async () => {
    await database?.close();
  });
  const as = (s: number, workerId = 'w-1'): Ctx => ctxAt(database, workerActor(workerId), at(s));
  const written = async (job: string) => ({
    leases: (await database.db.select().from(jobLeases).where(eq(jobLeases.jobId, job))).map((l) => [l.workerId, l.fencingToken, l.state]),
    history: (await database.db.select().from(leaseHistory).where(eq(leaseHistory.jobId, job)).orderBy(leaseHistory.id)).map((h) => [h.event, h.workerId, h.fencingToken, h.actor]),
    audit: (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job)).orderBy(auditLog.id)).map((a) => [a.action, a.actor, a.details]),
  });

  it('a first acquisition and a renewal write what the full path writes: the lease, its history, the audited acquisition', async () => {
    const fast = uniqueJob('fast');
    const full = uniqueJob('full');
    const input = { worker_id: 'w-1', lease_expires_at: at(300) };
    const a = await heartbeatInOneStatement(as(0), fast, input, leaseCred(worker));
    expect(a?.lease).toMatchObject({ job_id: fast, worker_id: 'w-1', fencing_token: 1, state: 'active' });
    // the full path, for comparison, on a job someone else had first (a conflict is never the fast path's)
    const b = await heartbeatLease(as(0), full, input);
    expect(b.lease.fencing_token).toBe(1);
    const fastRows = await written(fast);
    const fullRows = await written(full);
    expect(fastRows).toEqual(fullRows);
    expect(fastRows.history).toEqual([['acquired', 'w-1', 1, 'worker:w-1']]);
    expect(fastRows.audit).toEqual([['lease.acquire', 'worker:w-1', { worker_id: 'w-1', fencing_token: 1, previous_fencing_token: null }]]);
    // the renewal: one more history row, no audit entry
    const r = await heartbeatInOneStatement(as(60), fast, { ...input, fencing_token: 1, lease_expires_at: at(400) }, leaseCred(worker));
    expect(r?.lease.lease_expires_at).toBe(at(400).toISOString());
    expect((await written(fast)).history.map((h) => h[0])).toEqual(['acquired', 'renewed']);
    expect((await written(fast)).audit).toHaveLength(1);
    await linkAudit(database.db, { wait: true });
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('writes nothing and answers null for a revoked token, another worker’s token, a stale fencing token or a job another worker holds', async () => {
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const doomed = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ls-doomed-${randomUUID().slice(0, 6)}` });
    await revokeToken(ctx, doomed.id);
    const other = await createToken(ctx, { role: 'worker', worker_id: 'w-2', name: `ls-w2-${randomUUID().slice(0, 6)}` });
    const input = { worker_id: 'w-1', lease_expires_at: at(300) };
    const job = uniqueJob('refused');
    expect(await heartbeatInOneStatement(as(0), job, input, leaseCred(doomed))).toBeNull();
    expect(await heartbeatInOneStatement(as(0), job, input, leaseCred(other))).toBeNull();
    expect(await written(job)).toEqual({ leases: [], history: [], audit: [] });
    // a renewal of w-1's own lease with w-1's revoked token
    const mine = uniqueJob('mine');
    expect(await heartbeatInOneStatement(as(0), mine, input, leaseCred(worker))).not.toBeNull();
    const held = await written(mine);
    expect(await heartbeatInOneStatement(as(30), mine, { ...input, fencing_token: 1 }, leaseCred(doomed))).toBeNull();
    expect(await written(mine)).toEqual(held);
    // held by w-2: w-1's heartbeat is not plain (a conflict, answered by the full path)
    await heartbeatLease(as(0, 'w-2'), job, { worker_id: 'w-2', lease_expires_at: at(300) });
    const before = await written(job);
    expect(await heartbeatInOneStatement(as(10), job, input, leaseCred(worker))).toBeNull();
    expect(await heartbeatInOneStatement(as(10, 'w-2'), job, { worker_id: 'w-2', fencing_token: 7, lease_expires_at: at(400) }, leaseCred(other))).toBeNull();
    expect(await written(job)).toEqual(before);
  });

  it('two workers acquiring a new job at once: exactly one holds it, the other writes nothing', async () => {
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const other = await createToken(ctx, { role: 'worker', worker_id: 'w-2', name: `ls-race-${randomUUID().slice(0, 6)}` });
    for (let round = 0; round < 5; round++) {
      const job = uniqueJob('race');
      const answers = await Promise.all([
        heartbeatInOneStatement(as(0), job, { worker_id: 'w-1', lease_expires_at: at(300) }, leaseCred(worker)),
        heartbeatInOneStatement(as(0, 'w-2'), job, { worker_id: 'w-2', lease_expires_at: at(300) }, leaseCred(other)),
      ]);
      expect(answers.filter(Boolean)).toHaveLength(1);
      const rows = await written(job);
      expect(rows.leases).toHaveLength(1);
      expect(rows.history).toHaveLength(1);
      expect(rows.audit).toHaveLength(1);
      expect(rows.leases[0][0]).toBe(rows.history[0][1]);
    }
  });

  /** A job held by w-1 with a passing latest check, ready to complete. */
  async function ready(prefix: string) {
    const job = uniqueJob(prefix);
    await heartbeatLease(as(0), job, { worker_id: 'w-1', lease_expires_at: at(600) });
    const checkId = randomUUID();
    await database.db.insert(checksTable).values({
      id: checkId,
      jobId: job,
      workerId: 'w-1',
      primaryUrl: 'https://artifacts.example/x',
      files: [],
      httpStatus: 200,
      fileCount: 1,
      expectedFileCount: 1,
      passed: true,
      checkedAt: at(5),
      requestedBy: 'worker:w-1',
    });
    return { job, checkId };
  }

  it('a complete writes what the full path writes: the completed lease, its history, the audited completion', async () => {
    const fast = await ready('cfast');
    const full = await ready('cfull');
    expect(await completeInOneStatement(as(10), fast.job, { worker_id: 'w-1', fencing_token: 1 }, completeCred(worker))).toEqual({ completed: true, artifact_check_id: fast.checkId });
    // the full path's own answer, as a lease it has to read under lock (a token-less call still tries the
    // statement first: force the full path by asking it through the transaction branch's conditions)
    const fullAnswer = await completeJob(as(10), full.job, { worker_id: 'w-1', fencing_token: 1 });
    expect(fullAnswer).toEqual({ completed: true, artifact_check_id: full.checkId });
    const f = await written(fast.job);
    expect(f.leases).toEqual([['w-1', 1, 'completed']]);
    expect(f.history.map((h) => h[0])).toEqual(['acquired', 'completed']);
    expect(f.audit.map((a) => a[0])).toEqual(['lease.acquire', 'job.complete']);
    expect(f.audit[1][2]).toEqual({ worker_id: 'w-1', fencing_token: 1, artifact_check_id: fast.checkId, resolved_incident_ids: [], closed_request_ids: [] });
    const lease = (await database.db.select().from(jobLeases).where(eq(jobLeases.jobId, fast.job)))[0];
    expect([lease.completedAt?.toISOString(), lease.completedArtifactCheckId]).toEqual([at(10).toISOString(), fast.checkId]);
  });

  it('leaves a complete with something to end, a failed latest check, a revoked token or a stale token to the full path, writing nothing', async () => {
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const doomed = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ls-cdoomed-${randomUUID().slice(0, 6)}` });
    await revokeToken(ctx, doomed.id);
    const open = await ready('copen');
    const incident = await openIncident(database.db, at(6), { jobId: open.job, signal: 'no_progress', firstFailureAt: at(6), details: {}, ruleVersion: 1 });
    const plain = await ready('cplain');
    const failed = await ready('cfailed');
    await database.db.insert(artifactChecks).values({
      id: randomUUID(),
      jobId: failed.job,
      workerId: 'w-1',
      primaryUrl: 'https://artifacts.example/x',
      files: [],
      httpStatus: 404,
      fileCount: 0,
      expectedFileCount: 1,
      passed: false,
      checkedAt: at(7),
      requestedBy: 'worker:w-1',
    });
    const cases: [string, string, { worker_id: string; fencing_token: number }, ReturnType<typeof completeCred>][] = [
      ['open incident', open.job, { worker_id: 'w-1', fencing_token: 1 }, completeCred(worker)],
      ['failed latest check', failed.job, { worker_id: 'w-1', fencing_token: 1 }, completeCred(worker)],
      ['revoked token', plain.job, { worker_id: 'w-1', fencing_token: 1 }, completeCred(doomed)],
      ['stale fencing token', plain.job, { worker_id: 'w-1', fencing_token: 2 }, completeCred(worker)],
    ];
    for (const [what, job, input, cred] of cases) {
      const before = await written(job);
      expect({ what, r: await completeInOneStatement(as(10), job, input, cred) }).toEqual({ what, r: null });
      expect({ what, rows: await written(job) }).toEqual({ what, rows: before });
    }
    // the full path ends the open incident with the completion
    expect(await completeJob(as(11), open.job, { worker_id: 'w-1', fencing_token: 1 })).toMatchObject({ completed: true });
    const [ended] = await database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.id, incident.id)));
    expect(ended.status).toBe('resolved');
  });

  it('concurrent completes of one lease: one statement completes it, one history row, one audit entry', async () => {
    const { job } = await ready('cconc');
    const answers = await Promise.all(Array.from({ length: 8 }, () => completeInOneStatement(as(10), job, { worker_id: 'w-1', fencing_token: 1 }, completeCred(worker))));
    expect(answers.filter(Boolean)).toHaveLength(1);
    const rows = await written(job);
    expect(rows.history.filter((h) => h[0] === 'completed')).toHaveLength(1);
    expect(rows.audit.filter((a) => a[0] === 'job.complete')).toHaveLength(1);
  });
});

describe.each(testServers())('worker lifecycle over HTTP with a known token on $name', (server) => {
  let artifacts: http.Server;
  let base = '';
  const fetched: string[] = [];
  beforeAll(async () => {
    artifacts = http.createServer((req, res) => {
      fetched.push(req.url ?? '');
      res.writeHead(req.url?.startsWith('/ok') ? 200 : 404).end('zip');
    });
    await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => artifacts.close(r));
  });

  it('lease, event, check and complete answer as the full path does; once the token is revoked, each is 401 and nothing is written or fetched', async () => {
    const created = await api(server, server.tokens.owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: 'w-31', name: `life-${randomUUID().slice(0, 6)}` });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    const lease = (job: string, body: Record<string, unknown> = {}) =>
      api(server, token, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-31', lease_expires_at: new Date(Date.now() + 600_000).toISOString(), ...body });
    // two jobs: the first call of a process authenticates the full way, the rest take the statements
    for (const prefix of ['life-a', 'life-b']) {
      const job = uniqueJob(prefix);
      const acquired = await lease(job);
      expect([acquired.status, acquired.body.lease.fencing_token, acquired.body.lease.state]).toEqual([200, 1, 'active']);
      expect((await lease(job, { fencing_token: 1 })).status).toBe(200);
      expect((await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-31' }))).status).toBe(201);
      const missing = await api(server, token, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${base}/missing.zip` });
      expect([missing.status, missing.body.check.passed]).toEqual([201, false]);
      const refused = await api(server, token, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-31', fencing_token: 1 });
      expect([refused.status, refused.body.error.code]).toEqual([409, 'artifact_gate_failed']);
      const check = await api(server, token, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${base}/ok.zip`, files: [{ name: 'out.zip' }] });
      expect([check.status, check.body.check.passed]).toEqual([201, true]);
      const done = await api(server, token, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-31', fencing_token: 1 });
      expect([done.status, done.body]).toEqual([200, { completed: true, artifact_check_id: check.body.check.id }]);
      const story = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
      expect(story.body.lease.state).toBe('completed');
    }
    // another worker's job: 403, as the full path answers
    const foreign = await api(server, token, 'PATCH', `/api/watchdog/job-leases/${uniqueJob('life-x')}`, { worker_id: 'w-32', lease_expires_at: new Date(Date.now() + 600_000).toISOString() });
    expect(foreign.status).toBe(403);

    const job = uniqueJob('life-revoked');
    expect((await lease(job)).status).toBe(200);
    const ok = await api(server, token, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${base}/ok.zip`, files: [{ name: 'out.zip' }] });
    expect(ok.status).toBe(201);
    expect((await api(server, server.tokens.owner, 'DELETE', `/api/watchdog/tokens/${created.body.id}`)).status).toBe(200);
    const before = (await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`)).body;
    const fetchedBefore = fetched.length;
    const answers = [
      await lease(job, { fencing_token: 1 }),
      await api(server, token, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${base}/ok-again.zip`, files: [{ name: 'out.zip' }] }),
      await api(server, token, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-31', fencing_token: 1 }),
    ];
    expect(answers.map((a) => [a.status, a.body.error?.code])).toEqual(Array.from({ length: 3 }, () => [401, 'unauthenticated']));
    expect(fetched.length).toBe(fetchedBefore);
    const after = (await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`)).body;
    expect(after.lease).toEqual(before.lease);
    expect(after.artifact_checks).toEqual(before.artifact_checks);
    expect(after.lease.state).toBe('active');
  });
});
