import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { auditLog, incidents, notifications, repairActions, ruleSets, workers } from '@/db/schema';
import { zodDetails } from '@/lib/http/route-steps';
import { HelperEventInput } from '@/lib/schemas/evidence';
import { ingestHelperEvent, ingestHelperEventBatch } from '@/lib/watchdog/events';
import { forgetWorkersSeen, getWorker, listWorkers, noteWorkerSeen, runnerVersionOf, writeWorkerSeen } from '@/lib/watchdog/fleet';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { computeD30Metrics, renderPrometheusMetrics } from '@/lib/watchdog/metrics';
import { defaultRules, ensureDefaultRules, getCurrentRules, judgeLoop, judgeNoProgress, judgeWorkerSilent, listRuleVersions, updateRules } from '@/lib/watchdog/rules';
import { nextSweepDeadline, runSweep } from '@/lib/watchdog/sweep';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-05-01T08:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('the three rules, as pure functions', () => {
  it('no_progress: quiet from the later of acquisition and the last new output; needs a recent renewal', () => {
    const e = { leaseState: 'active', acquiredAt: at(0), lastHeartbeatAt: at(950), lastProgressAt: at(100) };
    expect(judgeNoProgress(e, { quiet_s: 900 }, at(999.999))).toMatchObject({ detected: false, reason: 'moving', nextCheckAt: at(1000) });
    expect(judgeNoProgress(e, { quiet_s: 900 }, at(1000))).toEqual({ detected: true, since: at(100), firstFailureAt: at(1000) });
    expect(judgeNoProgress({ ...e, lastHeartbeatAt: at(50) }, { quiet_s: 900 }, at(1000))).toMatchObject({ detected: false, reason: 'not_renewed' });
    expect(judgeNoProgress({ ...e, leaseState: 'completed' }, { quiet_s: 900 }, at(5000))).toMatchObject({ detected: false, reason: 'inactive' });
    expect(judgeNoProgress({ ...e, lastProgressAt: null, acquiredAt: at(200) }, { quiet_s: 900 }, at(1099))).toMatchObject({ detected: false });
  });

  it('loop_detected: exactly `repeats` within the window, inclusive', () => {
    const prior = [at(0), at(10), at(20), at(30)];
    expect(judgeLoop({ at: at(1800), priorMatchTimes: prior }, { repeats: 5, window_s: 1800 })).toMatchObject({ detected: true, count: 5, firstAt: at(0) });
    expect(judgeLoop({ at: at(1800.001), priorMatchTimes: prior }, { repeats: 5, window_s: 1800 })).toMatchObject({ detected: false, count: 4 });
    expect(judgeLoop({ at: at(40), priorMatchTimes: prior.slice(1) }, { repeats: 5, window_s: 1800 })).toMatchObject({ detected: false, count: 4 });
  });

  it('worker_silent: at silent_s after the last sighting, only for workers seen in the last 24 h', () => {
    expect(judgeWorkerSilent({ lastSeenAt: at(0) }, { silent_s: 600 }, at(599.999))).toEqual({ detected: false, nextCheckAt: at(600) });
    expect(judgeWorkerSilent({ lastSeenAt: at(0) }, { silent_s: 600 }, at(600))).toEqual({ detected: true, firstFailureAt: at(600) });
    expect(judgeWorkerSilent({ lastSeenAt: at(0) }, { silent_s: 600 }, at(86_401))).toEqual({ detected: false, nextCheckAt: null });
  });

  it('the runner version comes from its User-Agent only', () => {
    expect(runnerVersionOf('watchdog-runner/1.4.2')).toBe('1.4.2');
    expect(runnerVersionOf('watchdog-runner/2.0.0-rc.1 (linux)')).toBe('2.0.0-rc.1');
    expect(runnerVersionOf('curl/8.0')).toBeNull();
    expect(runnerVersionOf(null)).toBeNull();
  });
});

describe.each(testDatabaseKinds())('fleet signals on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const owner = (s = 0) => ctxAt(database, ownerActor, at(s));
  const sweepAt = (s: number) => runSweep(ctxAt(database, systemTestActor, at(s)));
  const lease = (job: string, now: number, expiresIn = 3600, worker = 'w-np') =>
    heartbeatLease(ctxAt(database, workerActor(worker), at(now)), job, { worker_id: worker, lease_expires_at: at(now + expiresIn) });
  const event = (job: string, s: number, output: string, opts: { worker?: string; command?: string; phase?: 'build' | 'progress' } = {}) => {
    const worker = opts.worker ?? 'w-np';
    return ingestHelperEvent(ctxAt(database, workerActor(worker), at(s)), {
      id: randomUUID(),
      job_id: job,
      worker_id: worker,
      command: opts.command ?? `pls progress ${job}`,
      phase: opts.phase,
      exit_code: 0,
      output,
      output_hash: hashOutput(output),
      created_at: at(s),
    });
  };
  const openOf = (job: string, signal: string) =>
    database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, job), eq(incidents.signal, signal as typeof incidents.$inferSelect.signal)));
  const findings = (r: Awaited<ReturnType<typeof runSweep>>, signal: string, key: string) => r.findings.filter((f) => f.signal === signal && (f.job_id === key || f.worker_id === key));

  it('no_progress: a job that heartbeats but shows nothing new for quiet_s, at the boundary; resolved once it moves', async () => {
    await lease('np-1', 0);
    await event('np-1', 100, 'compiling module a');
    await event('np-1', 500, 'compiling module a'); // the same output again: not progress
    await lease('np-1', 900); // renewed: alive
    expect(findings(await sweepAt(999), 'no_progress', 'np-1')).toEqual([]);
    const r = await sweepAt(1000);
    const [f] = findings(r, 'no_progress', 'np-1');
    expect(f).toMatchObject({ signal: 'no_progress', job_id: 'np-1', worker_id: 'w-np' });
    const [inc] = await openOf('np-1', 'no_progress');
    expect(inc).toMatchObject({ id: f.incident_id, status: 'open', workerId: 'w-np', details: expect.objectContaining({ severity: 'warning', quiet_s: 900 }) });
    expect(inc.firstFailureAt.toISOString()).toBe(at(1000).toISOString());
    expect(inc.detectedAt.toISOString()).toBe(at(1000).toISOString());
    const actions = await database.db.select().from(repairActions).where(eq(repairActions.incidentId, inc.id));
    expect(actions).toMatchObject([{ action: 'notify_owner', authority: 'system', trigger: 'no_progress', result: 'success' }]);
    const notes = await database.db.select().from(notifications).where(eq(notifications.jobId, 'np-1'));
    expect(notes.map((n) => n.kind)).toEqual(['notify_owner']);
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.target, inc.id));
    expect(audits.map((a) => a.action)).toEqual(['detect.no_progress']);
    // found once
    expect(findings(await sweepAt(1030), 'no_progress', 'np-1')).toEqual([]);
    // new output: the next check resolves it
    await event('np-1', 1040, 'compiling module b');
    await sweepAt(1061);
    const [after] = await openOf('np-1', 'no_progress');
    expect(after).toMatchObject({ status: 'resolved' });
    expect(after.resolution).toMatch(/progress resumed/);
  });

  it('no_progress: a new phase is progress; a lease that stopped renewing is not "alive, not moving"', async () => {
    await lease('np-2', 0);
    await event('np-2', 100, 'same', { phase: 'build', command: 'make' });
    await lease('np-2', 950);
    await event('np-2', 200, 'same', { phase: 'progress', command: 'make' }); // a phase not seen before
    expect(findings(await sweepAt(1000), 'no_progress', 'np-2')).toEqual([]);
    expect(findings(await sweepAt(1100), 'no_progress', 'np-2')).toHaveLength(1);
    await lease('np-3', 0);
    expect(findings(await sweepAt(1200), 'no_progress', 'np-3')).toEqual([]); // last heartbeat at 0 < now - quiet_s
    expect(await openOf('np-3', 'no_progress')).toEqual([]);
  });

  it('a disabled rule detects nothing; enabled again it does', async () => {
    await updateRules(owner(0), [{ signal: 'no_progress', threshold: 900, enabled: false }]);
    await lease('np-off', 2000);
    await lease('np-off', 2900);
    expect(findings(await sweepAt(2950), 'no_progress', 'np-off')).toEqual([]);
    expect(await openOf('np-off', 'no_progress')).toEqual([]);
    await updateRules(owner(0), [{ signal: 'no_progress', threshold: 900, enabled: true }]);
    expect(findings(await sweepAt(2960), 'no_progress', 'np-off')).toHaveLength(1);
  });

  it('loop_detected at exactly `repeats` events with the same command and output; later repeats are evidence', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await event('loop-1', 10 * i, 'Error: cannot find module x\nretrying', { command: 'npm test', worker: 'w-loop' }));
    expect(results.slice(0, 4).map((r) => r.body.classification.signal)).toEqual([null, null, null, null]);
    expect(results[4].body.classification).toMatchObject({ signal: 'loop_detected', suggested_actions: [{ action: 'notify_owner', authority: 'system' }] });
    expect(results[5].body.classification.signal).toBe('loop_detected');
    expect(results[5].body.incident_id).toBe(results[4].body.incident_id);
    const [inc] = await openOf('loop-1', 'loop_detected');
    expect(inc).toMatchObject({ status: 'open', workerId: 'w-loop', details: expect.objectContaining({ repeats: 5, window_s: 1800, command: 'npm test' }) });
    const actions = await database.db.select().from(repairActions).where(eq(repairActions.incidentId, inc.id));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ action: 'notify_owner', authority: 'system', trigger: 'loop_detected' });
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.jobId, 'loop-1'));
    expect(audits.map((a) => a.action)).toEqual(['escalation.notify_owner']);
  });

  it('loop_detected: another command, another output, or outside the window is no loop', async () => {
    for (let i = 0; i < 4; i++) await event('loop-2', 10 * i, 'same output', { command: 'npm test' });
    expect((await event('loop-2', 50, 'same output', { command: 'npm run lint' })).body.classification.signal).toBeNull();
    expect((await event('loop-2', 60, 'other output', { command: 'npm test' })).body.classification.signal).toBeNull();
    // the fifth `npm test` 1811 s after the first: only 3 of them inside the window
    expect((await event('loop-2', 1811, 'same output', { command: 'npm test' })).body.classification.signal).toBeNull();
    expect(await openOf('loop-2', 'loop_detected')).toEqual([]);
  });

  it('loop_detected inside one batch (a spooled loop) and not when disabled', async () => {
    const ctx = ctxAt(database, workerActor('w-b'), at(100));
    const mk = (i: number, job: string) => ({
      id: randomUUID(),
      job_id: job,
      worker_id: 'w-b',
      command: 'pls claim',
      exit_code: 0,
      output: '{"job":null}',
      output_hash: hashOutput('{"job":null}'),
      created_at: at(i).toISOString(),
    });
    const res = await ingestHelperEventBatch(
      ctx,
      [0, 1, 2, 3, 4].map((i) => mk(i, 'loop-b')),
      zodDetails,
    );
    expect(res.map((r) => r.classification?.signal ?? null)).toEqual([null, null, null, null, 'loop_detected']);
    await updateRules(owner(0), [{ signal: 'loop_detected', threshold: 5, enabled: false }]);
    for (let i = 0; i < 6; i++) expect((await event('loop-off', i, 'again', { command: 'x' })).body.classification.signal).toBeNull();
    await updateRules(owner(0), [{ signal: 'loop_detected', threshold: 5, enabled: true }]);
  });

  it('a batch judges loops exactly as posting the same events one by one would (stored repeats, flushed runs, failures in between)', async () => {
    // a deterministic mix (Park-Miller) over two jobs: two commands, two healthy outputs and a fetch failure (context phase: classified, ends a run)
    let seed = 7;
    const rnd = (n: number) => Math.floor(((seed = (seed * 48271) % 2147483647) / 2147483647) * n);
    const outputs = ['still looping', 'same again', 'TypeError: fetch failed'];
    const plan = Array.from({ length: 80 }, (_, i) => ({ job: rnd(2), command: ['npm test', 'pls progress'][rnd(2)], output: outputs[rnd(7) === 0 ? 2 : rnd(2)], s: 3000 + i * 40 + rnd(30) }));
    const mk = (p: (typeof plan)[number], job: string) => ({
      id: randomUUID(),
      job_id: job,
      worker_id: 'w-eq',
      command: p.command,
      exit_code: p.output === outputs[2] ? 1 : 0,
      output: p.output,
      output_hash: hashOutput(p.output),
      phase: p.output === outputs[2] ? ('context' as const) : ('build' as const),
      created_at: at(p.s).toISOString(),
    });
    // the first ten of each side already stored, one by one
    const oneByOne: (string | null)[] = [];
    for (const p of plan) {
      const r = await ingestHelperEvent(ctxAt(database, workerActor('w-eq'), at(p.s)), HelperEventInput.parse(mk(p, `eq-single-${p.job}`)));
      oneByOne.push(r.body.classification.signal);
    }
    const batched: (string | null)[] = [];
    for (const p of plan.slice(0, 10))
      batched.push((await ingestHelperEvent(ctxAt(database, workerActor('w-eq'), at(p.s)), HelperEventInput.parse(mk(p, `eq-batch-${p.job}`)))).body.classification.signal);
    const res = await ingestHelperEventBatch(
      ctxAt(database, workerActor('w-eq'), at(6000)),
      plan.slice(10).map((p) => mk(p, `eq-batch-${p.job}`)),
      zodDetails,
    );
    batched.push(...res.map((r) => r.classification?.signal ?? null));
    expect(oneByOne.filter((x) => x === 'loop_detected').length).toBeGreaterThan(3);
    expect(oneByOne.filter((x) => x === 'fetch_failed').length).toBeGreaterThan(3);
    expect(batched).toEqual(oneByOne);
  });

  it('worker_silent: detected at silent_s on the deadline schedule, worker-level, once; seen again resolves it', async () => {
    await writeWorkerSeen(database.db, 'ws-1', at(5000), '1.2.3');
    await writeWorkerSeen(database.db, 'ws-old', at(5000 - 90_000));
    expect(findings(await sweepAt(5599), 'worker_silent', 'ws-1')).toEqual([]);
    const deadline = await nextSweepDeadline(database.db, at(5599));
    expect(deadline!.getTime()).toBeLessThanOrEqual(at(5600).getTime());
    const r = await sweepAt(5600);
    const [f] = findings(r, 'worker_silent', 'ws-1');
    expect(f).toMatchObject({ signal: 'worker_silent', job_id: null, worker_id: 'ws-1' });
    expect(findings(r, 'worker_silent', 'ws-old')).toEqual([]);
    const [inc] = await database.db.select().from(incidents).where(eq(incidents.id, f.incident_id!));
    expect(inc).toMatchObject({ jobId: null, workerId: 'ws-1', status: 'open', details: expect.objectContaining({ severity: 'warning', runner_version: '1.2.3' }) });
    expect(inc.firstFailureAt.toISOString()).toBe(at(5600).toISOString());
    expect(await database.db.select().from(auditLog).where(eq(auditLog.target, inc.id))).toMatchObject([{ action: 'detect.worker_silent' }]);
    expect(findings(await sweepAt(5700), 'worker_silent', 'ws-1')).toEqual([]);
    // seen again (throttled writes: the first sighting after a silence always writes)
    forgetWorkersSeen(database.db);
    expect(await noteWorkerSeen(database.db, 'ws-1', at(5800))).toBe(true);
    expect(await noteWorkerSeen(database.db, 'ws-1', at(5801))).toBe(false);
    const [resolved] = await database.db.select().from(incidents).where(eq(incidents.id, inc.id));
    expect(resolved).toMatchObject({ status: 'resolved', resolution: `worker seen again at ${at(5800).toISOString()}` });
    const [w] = await database.db.select().from(workers).where(eq(workers.workerId, 'ws-1'));
    expect(w).toMatchObject({ silentDetectedAt: null, runnerVersion: '1.2.3' });
    // a second silence is a second incident
    const again = findings(await sweepAt(6400), 'worker_silent', 'ws-1');
    expect(again).toHaveLength(1);
    expect(again[0].incident_id).not.toBe(inc.id);
    // a disabled rule detects nothing
    await updateRules(owner(0), [{ signal: 'worker_silent', threshold: 600, enabled: false }]);
    await writeWorkerSeen(database.db, 'ws-2', at(7000));
    expect(findings(await sweepAt(7700), 'worker_silent', 'ws-2')).toEqual([]);
    await updateRules(owner(0), [{ signal: 'worker_silent', threshold: 600, enabled: true }]);
  });

  it('the workers list and one worker: statuses, figures, silent first; a worker reads only itself', async () => {
    const base = 20_000;
    await writeWorkerSeen(database.db, 'wl-working', at(base - 10), '1.0.0');
    await lease('wl-job', base - 10, 3600, 'wl-working');
    await event('wl-job', base - 5, 'building', { worker: 'wl-working' });
    await ingestHelperEvent(ctxAt(database, workerActor('wl-working'), at(base - 4)), {
      id: randomUUID(),
      job_id: 'wl-job',
      worker_id: 'wl-working',
      command: 'pls context wl-job',
      phase: 'context',
      exit_code: 1,
      output: 'TypeError: fetch failed',
      output_hash: hashOutput('TypeError: fetch failed'),
      created_at: at(base - 4),
    });
    await writeWorkerSeen(database.db, 'wl-idle', at(base - 30));
    await writeWorkerSeen(database.db, 'wl-silent', at(base - 700));
    await writeWorkerSeen(database.db, 'wl-retired', at(base - 8 * 86_400));
    const ctx = ctxAt(database, supervisorActor, at(base));
    const list = (await listWorkers(ctx)).filter((w) => w.worker_id.startsWith('wl-'));
    expect(list.map((w) => [w.worker_id, w.status])).toEqual([
      ['wl-silent', 'silent'],
      ['wl-working', 'working'],
      ['wl-idle', 'idle'],
    ]);
    expect(list[1]).toMatchObject({ current_job_id: 'wl-job', lease_expires_at: at(base + 3590).toISOString(), runner_version: '1.0.0', events_24h: 2, failures_24h: 1, open_incidents: 1 });
    expect(list[2]).toMatchObject({ current_job_id: null, lease_expires_at: null, events_24h: 0 });
    const all = (await listWorkers(ctx, { includeRetired: true })).filter((w) => w.worker_id.startsWith('wl-'));
    expect(all.at(-1)).toMatchObject({ worker_id: 'wl-retired', status: 'retired' });
    const one = await getWorker(ctxAt(database, workerActor('wl-working'), at(base)), 'wl-working');
    expect(one.worker).toMatchObject({ worker_id: 'wl-working', status: 'working' });
    expect(one.jobs.map((j) => [j.job_id, j.state, j.holder_worker_id])).toEqual([['wl-job', 'active', 'wl-working']]);
    expect(one.incidents.map((i) => i.signal)).toEqual(['fetch_failed']);
    await expect(getWorker(ctxAt(database, workerActor('wl-idle'), at(base)), 'wl-working')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(getWorker(ctx, 'wl-nobody')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the new signals count in D30, the overview gauge and Prometheus', async () => {
    const d30 = await computeD30Metrics(database.db, { from: at(-3600), to: at(30_000), now: at(30_000) });
    expect(Object.keys(d30.incidents_by_signal).sort()).toEqual([...defaultRules.map((r) => r.signal)].sort());
    expect(d30.incidents_by_signal.no_progress).toBeGreaterThanOrEqual(2);
    expect(d30.incidents_by_signal.loop_detected).toBeGreaterThanOrEqual(2);
    expect(d30.incidents_by_signal.worker_silent).toBeGreaterThanOrEqual(2);
    expect(d30.counts.incident_failures).toBeGreaterThanOrEqual(6);
    const prom = await renderPrometheusMetrics(database.db);
    expect(prom.body).toMatch(/watchdog_open_incidents\{signal="worker_silent"\} [1-9]/);
    expect(prom.body).toMatch(/watchdog_open_incidents\{signal="loop_detected"\} [1-9]/);
  });

  it('rule params out of range are refused naming the rule and the field; nothing is stored', async () => {
    const versions = (await listRuleVersions(database.db)).length;
    const cases: [Parameters<typeof updateRules>[1], string, RegExp][] = [
      [[{ signal: 'no_progress', threshold: 900, params: { quiet_s: -5 } }], 'rules.0.params.quiet_s', /no_progress: quiet_s must be at least 60/],
      [[{ signal: 'no_progress', threshold: 0 }], 'rules.0.threshold', /no_progress/],
      [[{ signal: 'loop_detected', threshold: 5, params: { window_s: 'half an hour' } }], 'rules.0.params.window_s', /loop_detected: window_s must be a number/],
      [[{ signal: 'loop_detected', threshold: 1.5 }], 'rules.0.threshold', /whole number|at least 2/],
      [[{ signal: 'worker_silent', threshold: 600, params: { severity: 'urgent' } }], 'rules.0.params.severity', /worker_silent: severity/],
      [
        [
          { signal: 'lease_expired', threshold: 0 },
          { signal: 'worker_silent', threshold: 0 },
        ],
        'rules.1.threshold',
        /worker_silent: silent_s/,
      ],
    ];
    for (const [input, path, message] of cases) {
      const err = await updateRules(owner(0), input).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'validation_failed' });
      const details = (err as { details: { path: string; message: string; signal: string }[] }).details;
      expect(details.map((d) => d.path)).toContain(path);
      expect(details.find((d) => d.path === path)!.message).toMatch(message);
    }
    expect(await listRuleVersions(database.db)).toHaveLength(versions);
  });

  it('a database whose rules lack the new signals gets a version with them at start, once, audited', async () => {
    const old = defaultRules.slice(0, 6).map(({ enabled: _e, params, ...r }) => {
      const { severity: _s, ...rest } = params;
      return { ...r, params: rest };
    });
    const before = await getCurrentRules(database.db);
    const v = before.version + 1;
    await database.db.insert(ruleSets).values({ version: v, rules: old, updatedAt: at(0), updatedBy: 'owner:old', updatedByRole: 'owner' });
    // read before the upgrade: the six rules, enabled, with their default severity
    const stale = await getCurrentRules(database.db);
    expect(stale.rules.map((r) => r.signal)).toHaveLength(6);
    expect(stale.rules.every((r) => r.enabled && typeof r.params.severity === 'string')).toBe(true);
    await ensureDefaultRules(database.db, at(10));
    await ensureDefaultRules(database.db, at(20));
    const now = await getCurrentRules(database.db);
    expect(now).toMatchObject({ version: v + 1, updated_by: 'system', updated_by_role: 'system' });
    expect(now.rules.map((r) => r.signal)).toEqual(defaultRules.map((r) => r.signal));
    const audits = rowsOf<{ action: string; details: Record<string, unknown> }>(await database.db.execute(sql`select action, details from audit_log where action = 'rules.defaults_added'`));
    expect(audits).toHaveLength(1);
    expect(audits[0].details).toMatchObject({ version: v + 1, previous_version: v, added: ['no_progress', 'loop_detected', 'worker_silent'] });
  });
});
