import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_RATES, planJobs, seededRandom } from '@/cli/simulate/faults';
import { startArtifactServer } from '@/cli/simulate/artifact-server';
import { type Database, rowsOf } from '@/db/client';
import { runArtifactCheck, completeJob } from '@/lib/watchdog/artifacts';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { noteWorkerSeen } from '@/lib/watchdog/fleet';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { type RuleSet, ensureDefaultRules, getCurrentRules, loadReplayEvidence, previewRules, replayRules, replayWindow } from '@/lib/watchdog/rules';
import { nextSweepDeadline, runSweep } from '@/lib/watchdog/sweep';
import { RulesPreview } from '@/lib/schemas/metrics';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';
import { api, testServers } from './helpers/http';

/**
 * The replay's promise (API.md part 2, "Rules preview"): replaying the rules in force over a window in
 * which they were in force reproduces the incidents the console opened, job by job and signal by
 * signal. A simulated fleet — the plan and faults of `watchdog simulate` (cli/simulate/faults.ts), plus
 * the fleet faults: a loop, a job alive but not moving, a worker that goes silent — drives the live
 * verbs on an injected clock; the sweep runs at each of its deadlines, as the scheduler would.
 */

const t0 = new Date('2026-06-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

type Step = { at: number; worker: string; run: (now: Date) => Promise<unknown> };

function fleetSteps(database: Database, seed: number, jobs: number, workers: number, artifactBase: string): Step[] {
  const plan = planJobs(seed, jobs, DEFAULT_FAULT_RATES, `rp-${seed}`);
  const rnd = seededRandom(seed + 1);
  const steps: Step[] = [];
  const worker = (i: number) => `rw-${seed}-${i % workers}`;
  const ev =
    (jobId: string, w: string, command: string, phase: string, output: string, over: Record<string, unknown> = {}) =>
    (now: Date) =>
      ingestHelperEvent(ctxAt(database, workerActor(w), now), {
        id: randomUUID(),
        job_id: jobId,
        worker_id: w,
        command,
        phase: phase as 'claim',
        exit_code: 0,
        output,
        output_hash: hashOutput(output),
        duration_ms: 100,
        created_at: now,
        ...over,
      } as never);
  const tokens = new Map<string, number>();
  const beat = (jobId: string, w: string, expiresIn: number) => async (now: Date) => {
    const r = await heartbeatLease(ctxAt(database, workerActor(w), now), jobId, { worker_id: w, lease_expires_at: new Date(now.getTime() + expiresIn * 1000) });
    tokens.set(jobId, r.lease.fencing_token);
  };
  // each worker takes its jobs one after another; the workers run side by side
  const clock = new Map<string, number>();
  plan.forEach((p, i) => {
    const w = worker(i);
    let s = clock.get(w) ?? Math.floor(rnd() * 60);
    const add = (dt: number, run: Step['run']) => {
      s += dt;
      steps.push({ at: s, worker: w, run });
    };
    const claimFails = p.fault === 'silent_claim' || p.fault === 'silent_claim_hard';
    add(
      5,
      ev(
        p.jobId,
        w,
        `pls claim`,
        'claim',
        claimFails ? 'claiming...\n' : JSON.stringify({ job_id: p.jobId }),
        claimFails ? { exit_code: 124, error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30_000 } : {},
      ),
    );
    if (claimFails) {
      add(31, ev(p.jobId, w, `pls touch ${p.jobId}`, 'touch', 'touch ok\n'));
      const hard = p.fault === 'silent_claim_hard';
      add(3, ev(p.jobId, w, `pls claim`, 'claim', hard ? 'claiming...\n' : JSON.stringify({ job_id: p.jobId }), hard ? { exit_code: null, duration_ms: 30_000 } : {}));
      if (hard) {
        clock.set(w, s + 60);
        return;
      }
    }
    add(2, beat(p.jobId, w, 600));
    const fetchPhase = (phase: string, ok: string) => {
      const fails = (p.fault === 'fetch_failed' || p.fault === 'fetch_failed_hard') && p.phase === phase;
      if (fails) {
        add(20, ev(p.jobId, w, `pls ${phase} ${p.jobId}`, phase, '500 TypeError: fetch failed\n', { exit_code: 1 }));
        add(3, ev(p.jobId, w, `pls ${phase} ${p.jobId}`, phase, p.fault === 'fetch_failed_hard' ? 'HTTP 500 Internal Server Error\n' : ok, p.fault === 'fetch_failed_hard' ? { exit_code: 1 } : {}));
      } else add(20, ev(p.jobId, w, `pls ${phase} ${p.jobId}`, phase, ok));
    };
    fetchPhase('context', `{"context": {"job": "${p.jobId}"}}\n`);
    if (p.fault === 'lease_expired' || p.fault === 'queue_stuck' || p.fault === 'fetch_failed_hard') {
      // the worker dies holding the lease (a hard fetch failure: it gives the job up)
      clock.set(w, s + (p.fault === 'queue_stuck' ? 1200 : 30));
      return;
    }
    add(30, ev(p.jobId, w, `pls progress ${p.jobId}`, 'progress', `progress 1 of ${p.jobId}\n`));
    add(10, beat(p.jobId, w, 600));
    if (p.fault === 'unclassified') add(40, ev(p.jobId, w, `make build`, 'build', 'segfault in linker\n', { exit_code: 2 }));
    else add(40, ev(p.jobId, w, `make build`, 'build', `built ${p.jobId}\n`));
    fetchPhase('upload', `uploaded ${p.jobId}\n`);
    const artifact = p.fault === 'artifact_404' ? `${artifactBase}/missing` : `${artifactBase}/a/${p.jobId}/index.html`;
    add(10, (now) =>
      runArtifactCheck(ctxAt(database, workerActor(w), now), { job_id: p.jobId, primary_url: artifact, files: p.fault === 'artifact_empty' ? [] : [{ name: 'index.html' }] }, { allowPrivate: true }),
    );
    if (p.fault === 'artifact_404' || p.fault === 'artifact_empty') {
      add(5, (now) => completeJob(ctxAt(database, workerActor(w), now), p.jobId, { worker_id: w, fencing_token: tokens.get(p.jobId) ?? 1 }).catch(() => null));
      clock.set(w, s + 30);
      return;
    }
    fetchPhase('complete', `{"completed": true}\n`);
    add(2, (now) => completeJob(ctxAt(database, workerActor(w), now), p.jobId, { worker_id: w, fencing_token: tokens.get(p.jobId) ?? 1 }));
    clock.set(w, s + 20 + Math.floor(rnd() * 40));
  });
  // the fleet faults: a loop, a job alive but not moving, a worker that goes silent
  const last = Math.max(...clock.values());
  const loopJob = `rp-${seed}-loop`;
  steps.push({ at: 10, worker: `rw-${seed}-loop`, run: beat(loopJob, `rw-${seed}-loop`, 3600) });
  for (let k = 0; k < 6; k++) steps.push({ at: 20 + k * 60, worker: `rw-${seed}-loop`, run: ev(loopJob, `rw-${seed}-loop`, 'pls progress', 'progress', 'waiting for review\n') });
  const stall = `rp-${seed}-stall`;
  steps.push({ at: 30, worker: `rw-${seed}-stall`, run: beat(stall, `rw-${seed}-stall`, 600) });
  steps.push({ at: 40, worker: `rw-${seed}-stall`, run: ev(stall, `rw-${seed}-stall`, 'pls context', 'context', '{"context": 1}\n') });
  for (let k = 1; k <= 12; k++) steps.push({ at: 30 + k * 120, worker: `rw-${seed}-stall`, run: beat(stall, `rw-${seed}-stall`, 600) });
  steps.push({ at: 30 + 13 * 120, worker: `rw-${seed}-stall`, run: ev(stall, `rw-${seed}-stall`, 'pls progress', 'progress', 'moving again\n') });
  // a job whose holder stops renewing for longer than quiet_s, then renews every minute: no_progress at the
  // heartbeat that ends the gap, among renewals the evidence folds away
  const gap = `rp-${seed}-gap`;
  steps.push({ at: 50, worker: `rw-${seed}-gap`, run: beat(gap, `rw-${seed}-gap`, 3600) });
  steps.push({ at: 55, worker: `rw-${seed}-gap`, run: ev(gap, `rw-${seed}-gap`, 'pls context', 'context', '{"context": 2}\n') });
  for (let k = 0; k <= 18; k++) steps.push({ at: 1500 + k * 60, worker: `rw-${seed}-gap`, run: beat(gap, `rw-${seed}-gap`, 3600) });
  steps.push({ at: 2700, worker: `rw-${seed}-gap`, run: ev(gap, `rw-${seed}-gap`, 'pls progress', 'progress', 'moving at last\n') });
  steps.push({ at: last + 200, worker: `rw-${seed}-late`, run: beat(`rp-${seed}-late`, `rw-${seed}-late`, 600) });
  return steps.sort((a, b) => a.at - b.at);
}

/** Runs the steps in time order; before each one, every sweep whose deadline has come, at that deadline. */
async function drive(database: Database, steps: Step[], until: number) {
  let last = 0;
  const sweepUntil = async (t: Date) => {
    for (let n = 0; n < 10_000; n++) {
      const deadline = await nextSweepDeadline(database.db, t);
      if (!deadline || deadline.getTime() > t.getTime()) return;
      // a deadline already past is swept at once (the clock never runs backwards)
      const when = Math.max(deadline.getTime(), last);
      if (when === last && n > 0) return;
      last = when;
      await runSweep(ctxAt(database, systemTestActor, new Date(when)));
    }
  };
  for (const step of steps) {
    const now = at(step.at);
    await sweepUntil(now);
    await noteWorkerSeen(database.db, step.worker, now);
    await step.run(now);
  }
  await sweepUntil(at(until));
  await runSweep(ctxAt(database, systemTestActor, at(until)));
}

describe.each(testDatabaseKinds())('rules preview (replay) on $name', (kind) => {
  let database: Database;
  let artifacts: Awaited<ReturnType<typeof startArtifactServer>>;
  const END = 4 * 3600;
  beforeAll(async () => {
    database = await kind.open();
    await ensureDefaultRules(database.db, at(0));
    artifacts = await startArtifactServer();
    await drive(database, fleetSteps(database, 11, 30, 4, artifacts.base), END);
  }, 240_000);
  afterAll(async () => {
    await artifacts?.close();
    await database?.close();
  });

  it('replaying the rules in force reproduces the incidents the console opened, job by job and signal by signal', async () => {
    const live = rowsOf<{ job_id: string | null; worker_id: string | null; signal: string }>(
      await database.db.execute(
        sql`select job_id, worker_id, signal from incidents where detected_at >= ${at(0).toISOString()}::timestamptz and detected_at < ${at(END + 1).toISOString()}::timestamptz`,
      ),
    );
    const liveKeys = [...new Set(live.map((i) => `${i.job_id ?? `worker:${i.worker_id}`}|${i.signal}`))].sort();
    const rules = await getCurrentRules(database.db);
    const replay = await replayWindow({ db: database.db, now: at(END + 1) }, rules, { from: at(0), to: at(END + 1) });
    const replayKeys = [...new Set(replay.detections.map((d) => `${d.job_id ?? `worker:${d.worker_id}`}|${d.signal}`))].sort();
    expect(replayKeys).toEqual(liveKeys);
    // every kind of fault showed up
    const signals = new Set(live.map((i) => i.signal));
    for (const s of ['claim_no_output', 'fetch_failed', 'lease_expired', 'queue_stuck', 'artifact_gate_fail', 'loop_detected', 'no_progress', 'worker_silent']) expect(signals, s).toContain(s);
  });

  it('the renewals the evidence folds away change no detection, for the rules in force and for a draft', async () => {
    const rules = await getCurrentRules(database.db);
    const withParam = (set: Pick<RuleSet, 'rules'>, signal: string, params: Record<string, number>) => ({
      rules: set.rules.map((r) => (r.signal === signal ? { ...r, params: { ...r.params, ...params } } : r)),
    });
    const draft = withParam(withParam(rules, 'no_progress', { quiet_s: 600 }), 'queue_stuck', { grace_s: 1800 });
    const window = { from: at(0), to: at(END + 1), now: at(END + 1) };
    const renewals = Number(
      rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from lease_history where event = 'renewed' and at < ${at(END + 1).toISOString()}::timestamptz`))[0].n,
    );
    for (const set of [rules, draft]) {
      const folded = await loadReplayEvidence(database.db, window, [set]);
      // with a rule set of 1 s buckets beside it nothing is folded away: the whole history
      const whole = await loadReplayEvidence(database.db, window, [set, withParam(set, 'no_progress', { quiet_s: 1 })]);
      expect(whole.lease.filter((h) => h.event === 'renewed')).toHaveLength(renewals);
      expect(folded.lease.length).toBeLessThan(whole.lease.length);
      const detections = replayRules(folded, set).detections;
      expect(detections).toEqual(replayRules(whole, set).detections);
      expect(detections.filter((d) => d.signal === 'no_progress').map((d) => d.job_id)).toEqual(expect.arrayContaining(['rp-11-stall', 'rp-11-gap']));
    }
    // a renewal that came after the expiry the one before it set, among renewals a minute apart (after the
    // fleet's window, so the live incidents are not touched): lease_expired at that expiry, folded or not
    const x = 'rp-fold-late';
    const beats = [0, 60, 120, 180, 300, 360, 420, 480];
    await database.db.execute(sql`
      insert into lease_history (job_id, worker_id, fencing_token, event, lease_expires_at, at, actor)
      select ${x}, 'rw-fold', 1, case when s = 0 then 'acquired' else 'renewed' end, ${at(END + 60).toISOString()}::timestamptz + make_interval(secs => s + case when s = 180 then 90 else 150 end),
             ${at(END + 60).toISOString()}::timestamptz + make_interval(secs => s), 'worker:rw-fold'
      from unnest(${`{${beats.join(',')}}`}::int[]) s`);
    const later = { from: at(END + 1), to: at(END + 3600), now: at(END + 3600) };
    const folded = await loadReplayEvidence(database.db, later, [rules]);
    const whole = await loadReplayEvidence(database.db, later, [rules, withParam(rules, 'no_progress', { quiet_s: 1 })]);
    expect(folded.lease.filter((h) => h.job_id === x).length).toBeLessThan(beats.length);
    expect(whole.lease.filter((h) => h.job_id === x)).toHaveLength(beats.length);
    const expired = replayRules(folded, rules).detections.filter((d) => d.job_id === x);
    expect(expired).toEqual(replayRules(whole, rules).detections.filter((d) => d.job_id === x));
    expect(expired.find((d) => d.signal === 'lease_expired')?.detected_at).toEqual(at(END + 60 + 180 + 90));

    // the gap job: no_progress when the first heartbeat after the gap came, not quiet_s after its last output
    const gapDetection = replayRules(await loadReplayEvidence(database.db, window, [rules]), rules).detections.find((d) => d.job_id === 'rp-11-gap' && d.signal === 'no_progress');
    expect(gapDetection?.detected_at).toEqual(at(1500));
  });

  it('the preview of the rules in force changes nothing; a draft shows what it would change; neither writes', async () => {
    const counts = async () => {
      const out: Record<string, number> = {};
      const tables = rowsOf<{ name: string }>(
        await database.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`),
      );
      expect(tables.length).toBeGreaterThan(10);
      for (const { name: t } of tables) out[t] = Number(rowsOf<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from "${t}"`)))[0].n);
      return out;
    };
    const before = await counts();
    const ctx = ctxAt(database, supervisorActor, at(END + 1));
    const same = await previewRules(ctx, { rules: [{ signal: 'fetch_failed', threshold: 3 }], from: at(0).toISOString(), to: at(END + 1).toISOString() });
    expect(same.changes_total).toBe(0);
    expect(same.changes).toEqual([]);
    expect(same.draft).toEqual({ ...same.current, version: null });
    expect(same.current.incidents_by_signal.lease_expired).toBeGreaterThan(0);

    const draft = await previewRules(ctxAt(database, ownerActor, at(END + 1)), {
      rules: [
        { signal: 'fetch_failed', threshold: 3, enabled: false },
        { signal: 'queue_stuck', threshold: 1800 },
      ],
      from: at(0).toISOString(),
      to: at(END + 1).toISOString(),
    });
    expect(draft.draft.incidents_by_signal.fetch_failed).toBe(0);
    expect(draft.current.incidents_by_signal.fetch_failed).toBeGreaterThan(0);
    expect(draft.draft.coverage!).toBeLessThan(draft.current.coverage!);
    const fetchChanges = draft.changes.filter((c) => c.signal === 'fetch_failed');
    expect(fetchChanges.length).toBe(draft.current.incidents_by_signal.fetch_failed);
    expect(fetchChanges.every((c) => c.current_detected_at && c.draft_detected_at === null && c.job_id)).toBe(true);
    // a longer stuck grace: the same stuck jobs, found later (or, past the window's end, not at all)
    for (const c of draft.changes.filter((x) => x.signal === 'queue_stuck')) {
      expect(c.current_detected_at).not.toBeNull();
      if (c.draft_detected_at) expect(new Date(c.draft_detected_at).getTime() - new Date(c.current_detected_at!).getTime()).toBe(1500_000);
    }
    expect(draft.changes_total).toBe(draft.changes.length);
    const times = draft.changes.map((c) => Math.min(...[c.current_detected_at, c.draft_detected_at].filter(Boolean).map((t) => new Date(t!).getTime())));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(await counts()).toEqual(before);
  });

  it('bad input: a window over 31 days, from after to, invalid rules — validation_failed naming the field, nothing written', async () => {
    const ctx = ctxAt(database, ownerActor, at(END));
    const rules = [{ signal: 'fetch_failed' as const, threshold: 3 }];
    await expect(previewRules(ctx, { rules, from: at(-32 * 86400).toISOString(), to: at(0).toISOString() })).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: 'from' }] });
    await expect(previewRules(ctx, { rules, from: at(10).toISOString(), to: at(0).toISOString() })).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: 'from' }] });
    await expect(previewRules(ctx, { rules: [{ signal: 'no_progress', threshold: 5 }] })).rejects.toMatchObject({ code: 'validation_failed', details: [{ path: 'rules.0.threshold' }] });
  });
});

describe.each(testServers())('POST /api/watchdog/rules/preview over HTTP on $name', (server) => {
  const path = '/api/watchdog/rules/preview';
  const draft = { rules: [{ signal: 'queue_stuck', threshold: 900 }] };

  it('supervisor and owner get exactly the API.md shape; worker and system tokens 403, anonymous 401', async () => {
    for (const who of ['supervisor', 'owner'] as const) {
      const r = await api(server, server.tokens[who], 'POST', path, draft);
      expect(r.status, who).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['changes', 'changes_total', 'current', 'draft', 'from', 'to']);
      expect(Object.keys(r.body.current).sort()).toEqual(['coverage', 'incidents_by_signal', 'jobs_with_incidents', 'mttd_s', 'version']);
      expect(r.body.draft.version).toBeNull();
      expect(typeof r.body.current.version).toBe('number');
      // the default window: the last 7 days
      expect(new Date(r.body.to).getTime() - new Date(r.body.from).getTime()).toBe(7 * 86_400_000);
      RulesPreview.parse(r.body);
    }
    for (const who of ['worker', 'system'] as const) {
      const r = await api(server, server.tokens[who], 'POST', path, draft);
      expect(r.status, who).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await api(server, null, 'POST', path, draft)).status).toBe(401);
  });

  it('bad input: 400 validation_failed naming the field, and no rule version is made', async () => {
    const before = (await api(server, server.tokens.owner, 'GET', '/api/watchdog/rules')).body.version;
    const to = new Date();
    const cases: [unknown, string][] = [
      [{ ...draft, from: new Date(to.getTime() - 32 * 86_400_000).toISOString(), to: to.toISOString() }, 'from'],
      [{ ...draft, from: to.toISOString(), to: new Date(to.getTime() - 3600_000).toISOString() }, 'from'],
      [{ ...draft, from: 'yesterday' }, 'from'],
      [{ rules: [{ signal: 'no_progress', threshold: 900, params: { quiet_s: -5 } }] }, 'rules.0.params.quiet_s'],
      [{ rules: [{ signal: 'meteor', threshold: 1 }] }, 'rules.0.signal'],
      [{ rules: [] }, 'rules'],
    ];
    for (const [body, field] of cases) {
      const r = await api(server, server.tokens.owner, 'POST', path, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect((await api(server, server.tokens.owner, 'POST', path, '{')).body.error.code).toBe('invalid_json');
    expect((await api(server, server.tokens.owner, 'GET', '/api/watchdog/rules')).body.version).toBe(before);
  });

  it('a PUT may carry the preview summary: it is kept in the version audit entry', async () => {
    const current = (await api(server, server.tokens.owner, 'GET', '/api/watchdog/rules')).body;
    // a new escalation text makes a version without changing what any other test relies on
    const rule = current.rules.find((r: { signal: string }) => r.signal === 'lease_near_expiry');
    const change = { rules: [{ signal: 'lease_near_expiry', threshold: rule.threshold, escalate: `${rule.escalate.split(' #')[0]} #${Date.now()}` }] };
    const preview = (await api(server, server.tokens.owner, 'POST', path, change)).body;
    const { changes: _changes, ...summary } = preview;
    const put = await api(server, server.tokens.owner, 'PUT', '/api/watchdog/rules', { ...change, note: 'previewed', preview: summary });
    expect(put.status).toBe(200);
    const audit = await api(server, server.tokens.owner, 'GET', '/api/watchdog/audit?limit=20');
    const entry = audit.body.entries.find((e: { action: string; target: string }) => e.action === 'rules.update' && e.target === `rules:v${put.body.version}`);
    expect(entry.details.preview).toEqual(summary);
    const bad = await api(server, server.tokens.owner, 'PUT', '/api/watchdog/rules', { ...change, preview: { from: 'x' } });
    expect(bad.status).toBe(400);
  });
});
