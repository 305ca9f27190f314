import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { jobLeases } from '@/db/schema';
import { D30Metrics } from '@/lib/schemas/metrics';
import { listAudit, verifyAuditChain } from '@/lib/watchdog/audit';
import { completeJob } from '@/lib/watchdog/artifacts';
import { recordArtifactEvidence } from '@/db/seed/demo';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { listIncidents } from '@/lib/watchdog/incidents';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { computeD30Metrics, D30_THRESHOLDS, recommendD30, recordD30Decision } from '@/lib/watchdog/metrics';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { runSweep } from '@/lib/watchdog/sweep';
import type { Phase } from '@/lib/schemas/common';
import { ctxAt, ownerActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';
import { api, helperEvent, testServers } from './helpers/http';
import { expectSameText } from './helpers/text-message';

/** Every reason and every assumption sentence has its message, and the message says it (in English, word for word). */
function expectMessages(m: Pick<D30Metrics, 'recommendation' | 'assumptions'>) {
  expect(m.recommendation.reason_messages).toHaveLength(m.recommendation.reasons.length);
  m.recommendation.reasons.forEach((r, i) => expectSameText('metrics.reason', r, m.recommendation.reason_messages[i]));
  for (const a of m.assumptions) {
    expectSameText('metrics.assumption', a.text, a.text_message);
    expectSameText('metrics.assumption', a.figure, a.figure_message);
    expectSameText('metrics.assumption', a.detail, a.detail_message);
  }
}

/** The raw-table cross-check of false green: completed leases with no passing check at or before completion. */
const FALSE_GREEN_SQL = sql`
  select count(*)::int as n
  from job_leases l
  where l.state = 'completed'
    and not exists (select 1 from artifact_checks a
                     where a.job_id = l.job_id and a.passed and a.checked_at <= coalesce(l.completed_at, '-infinity'::timestamptz))`;

const T = (iso: string) => new Date(`2026-03-${iso}Z`);

describe.each(testDatabaseKinds())('D30 figures on $name', (kind) => {
  let database: Database;
  const from = '2026-03-01T00:00:00.000Z';
  const to = '2026-03-04T00:00:00.000Z';
  const ids: Record<string, string> = {};

  /** A helper event reported 2 s after it happened (so MTTD of event incidents is 2 s). */
  async function event(job: string, phase: Phase, at: Date, opts: { exit?: number; output?: string; error_code?: string; key?: string } = {}) {
    const output = opts.output ?? '{"ok":true}';
    const id = randomUUID();
    if (opts.key) ids[opts.key] = id;
    await ingestHelperEvent(ctxAt(database, workerActor('w-1'), new Date(at.getTime() + 2000)), {
      id,
      job_id: job,
      worker_id: 'w-1',
      command: `pls ${phase} ${job}`,
      phase,
      exit_code: opts.exit ?? 0,
      output,
      output_hash: hashOutput(output),
      ...(opts.error_code ? { error_code: opts.error_code } : {}),
      duration_ms: 200,
      created_at: at,
    });
    return id;
  }
  const fetchFailed = { exit: 1, output: '500 TypeError: fetch failed', error_code: 'INTERNAL_ERROR' };

  beforeAll(async () => {
    database = await kind.open();
    // Day 1 (03-01). Job A: a fetch failure, retried by the runner, the retry works.
    await event('d30-a', 'claim', T('01T10:00:00'));
    await event('d30-a', 'context', T('01T10:01:00'), { ...fetchFailed, key: 'a1' });
    await recordRepairAction(ctxAt(database, systemTestActor, T('01T10:01:05')), {
      job_id: 'd30-a',
      trigger: 'fetch_failed',
      action: 'retry',
      authority: 'system',
      phase: 'context',
      evidence_event_ids: [ids.a1],
    });
    await event('d30-a', 'context', T('01T10:01:10'));
    // Job B: an unknown error (no rule knows it), then fine.
    await event('d30-b', 'build', T('01T11:00:00'), { exit: 2, output: 'Segmentation fault' });
    await event('d30-b', 'build', T('01T11:05:00'));
    // Day 2 (03-02). Job C: a fetch failure whose retry fails again (escalated), fixed 30 minutes later.
    await event('d30-c', 'context', T('02T09:00:00'), { ...fetchFailed, key: 'c1' });
    await recordRepairAction(ctxAt(database, systemTestActor, T('02T09:00:05')), {
      job_id: 'd30-c',
      trigger: 'fetch_failed',
      action: 'retry',
      authority: 'system',
      phase: 'context',
      evidence_event_ids: [ids.c1],
    });
    await event('d30-c', 'context', T('02T09:00:10'), fetchFailed);
    await event('d30-c', 'context', T('02T09:30:00'));
    // Job D: the artifact check fails, then passes; the job completes through the gate.
    const d = ctxAt(database, workerActor('w-1'), T('02T11:50:00'));
    await heartbeatLease(d, 'd30-d', { worker_id: 'w-1', lease_expires_at: T('02T12:50:00') });
    await event('d30-d', 'upload', T('02T11:55:00'));
    await recordArtifactEvidence(database.db, { jobId: 'd30-d', workerId: 'w-1', passed: false, at: T('02T12:00:00') });
    await recordArtifactEvidence(database.db, { jobId: 'd30-d', workerId: 'w-1', passed: true, at: T('02T12:10:00') });
    await completeJob({ ...d, now: T('02T12:20:00') }, 'd30-d', { worker_id: 'w-1', fencing_token: 1 });
    // Day 3 (03-03). Job E: the lease expires, the sweep detects it 30 s later, the worker is back at 08:12.
    const e = ctxAt(database, workerActor('w-1'), T('03T08:00:00'));
    await heartbeatLease(e, 'd30-e', { worker_id: 'w-1', lease_expires_at: T('03T08:10:00') });
    await event('d30-e', 'progress', T('03T08:05:00'));
    await runSweep(ctxAt(database, systemTestActor, T('03T08:10:30')));
    await heartbeatLease({ ...e, now: T('03T08:12:00') }, 'd30-e', { worker_id: 'w-1', lease_expires_at: T('03T08:30:00'), fencing_token: 1 });
    // Job F: a retry the runner recorded without evidence, followed by a healthy upload.
    await recordRepairAction(ctxAt(database, systemTestActor, T('03T14:00:00')), { job_id: 'd30-f', trigger: 'fetch_failed', action: 'retry', authority: 'system', phase: 'upload' });
    await event('d30-f', 'upload', T('03T14:00:05'));
    // Outside the window: just before it, and exactly at its end (the window is [from, to)).
    await event('d30-g', 'build', new Date('2026-02-28T23:59:59Z'), { exit: 1, output: 'oops' });
    await event('d30-g', 'build', new Date(to), { exit: 1, output: 'oops' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('computes every figure as worked out by hand', async () => {
    const m = await computeD30Metrics(database.db, { from, to, now: T('04T00:00:00') });
    expect(D30Metrics.parse(m)).toBeTruthy();
    expect(m.window).toEqual({ from, to });
    expect(m.goal).toEqual({ coverage: 0.8 });
    // failing jobs A, B, C, D, E; B's unknown error is not classified → 4 of 5
    expect(m.counts).toMatchObject({
      events: 11,
      failing_jobs: 5,
      covered_jobs: 4,
      failure_events: 4,
      unclassified_failure_events: 1,
      incident_failures: 2,
      uncovered_incident_failures: 0,
      failed_checks: 1,
      uncovered_failed_checks: 0,
      checks: 2,
      checks_passed: 1,
      completed_jobs: 1,
      incidents: 4,
      incidents_resolved: 4,
      incidents_open: 0,
    });
    expect(m.coverage).toBe(0.8);
    // attempts: A's suggested retry (next context event healthy), C's (next one failed again), F's recorded
    // retry (next upload healthy); the recorded retries of A and C are the same attempts, not new ones
    expect(m.counts.retries).toBe(3);
    expect(m.counts.retries_succeeded).toBe(2);
    expect(m.retry_success_rate).toBe(0.6667);
    expect(m.gate_pass_rate).toBe(0.5);
    expect(m.false_green_count).toBe(0);
    // detection: A 2 s, C 2 s, D 0 s (the failed check itself), E 30 s → 8.5 s
    expect(m.mttd_s).toBe(8.5);
    // resolution: A 12 s, C 1802 s, D 600 s, E 120 s → 633.5 s
    expect(m.mttr_s).toBe(633.5);
    expect(m.incidents_by_signal).toEqual({
      claim_no_output: 0,
      fetch_failed: 2,
      lease_near_expiry: 0,
      lease_expired: 1,
      queue_stuck: 0,
      artifact_gate_fail: 1,
      no_progress: 0,
      loop_detected: 0,
      worker_silent: 0,
    });
    expect(m.series).toEqual([
      { day: '2026-03-01', events: 5, failures: 2, incidents: 1, gate_passed: 0, gate_failed: 0, retries: 1, retries_succeeded: 1 },
      { day: '2026-03-02', events: 4, failures: 2, incidents: 2, gate_passed: 1, gate_failed: 1, retries: 1, retries_succeeded: 0 },
      { day: '2026-03-03', events: 2, failures: 0, incidents: 1, gate_passed: 0, gate_failed: 0, retries: 1, retries_succeeded: 1 },
    ]);
    expect(m.recommendation.decision).toBe('continue');
    expect(m.recommendation.reasons.join('\n')).toMatch(/coverage 80% \(4 of 5 failing jobs\) meets the goal 80%/);
    expect(m.recommendation.reasons.join('\n')).toMatch(/retry success 66\.7% \(2 of 3\)/);
    expect(m.recommendation.reason_messages).toContainEqual({ key: 'retryMet', values: { rate: 0.6667, succeeded: 2, retries: 3, min_rate: 0.5 } });
    expectMessages(m);
  });

  it('adds incidents_by_signal up to the incident list of the same window and to the series', async () => {
    const m = await computeD30Metrics(database.db, { from, to });
    const { incidents: all } = await listIncidents(database.db, { status: 'all', limit: 1000 });
    const inWindow = all.filter((i) => i.detected_at >= from && i.detected_at < to);
    const bySignal: Record<string, number> = {};
    for (const i of inWindow) bySignal[i.signal] = (bySignal[i.signal] ?? 0) + 1;
    const total = Object.values(m.incidents_by_signal).reduce((a, b) => a + b, 0);
    expect(total).toBe(inWindow.length);
    for (const [signal, n] of Object.entries(m.incidents_by_signal)) expect(n).toBe(bySignal[signal] ?? 0);
    expect(m.series.reduce((a, d) => a + d.incidents, 0)).toBe(total);
  });

  it('counts the same events from the daily rollup as from the raw table, partial days included', async () => {
    for (const window of [
      { from, to },
      { from: '2026-03-01T12:00:00Z', to: '2026-03-03T12:00:00Z' },
      { from: '2026-02-20T00:00:00Z', to: '2026-03-10T00:00:00Z' },
    ]) {
      const rollup = await computeD30Metrics(database.db, window);
      const counted = await computeD30Metrics(database.db, { ...window, eventSource: 'count' });
      expect(rollup.series).toEqual(counted.series);
    }
    const partial = await computeD30Metrics(database.db, { from: '2026-03-01T12:00:00Z', to: '2026-03-03T12:00:00Z' });
    expect(partial.series.map((d) => [d.day, d.events])).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 4],
      ['2026-03-03', 1],
    ]);
    const [raw] = rowsOf<{ days: number; total: number }>(
      await database.db.execute(sql`select count(*)::int as days, coalesce(sum(events), 0)::int as total
                                    from (select day, sum(events) as events from helper_event_days group by day) d`),
    );
    const [events] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from helper_events`));
    expect(raw.total).toBe(events.n);
  });

  it('defaults to the 30 days before now, one series entry per UTC day touched', async () => {
    const now = T('04T06:00:00');
    const m = await computeD30Metrics(database.db, { now });
    expect(m.window).toEqual({ from: '2026-02-02T06:00:00.000Z', to: now.toISOString() });
    expect(m.series).toHaveLength(31);
    expect(m.series[0].day).toBe('2026-02-02');
    expect(m.series.at(-1)!.day).toBe('2026-03-04');
    // G's two failures now count: one unknown error before the old window, one at its end
    expect(m.counts.events).toBe(13);
    expect(m.counts.failing_jobs).toBe(6);
    expect(m.coverage).toBe(0.6667);
    expect(m.recommendation.decision).toBe('escalate_to_watchdog_agent');
    expect(m.recommendation.reasons[0]).toMatch(/coverage 66\.7% \(4 of 6 failing jobs fully classified\) is below the goal 80%; 3 unknown error event\(s\)/);
  });

  it('refuses a reversed, empty or too long window', async () => {
    await expect(computeD30Metrics(database.db, { from: to, to: from })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(computeD30Metrics(database.db, { from, to: from })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(computeD30Metrics(database.db, { from: '2024-01-01T00:00:00Z', to })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('has no false green through the gate, and counts one the raw tables show', async () => {
    const everything = { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' };
    const [before] = rowsOf<{ n: number }>(await database.db.execute(FALSE_GREEN_SQL));
    expect(before.n).toBe(0);
    expect((await computeD30Metrics(database.db, everything)).false_green_count).toBe(0);
    // a completion that bypassed the gate (written straight into the table)
    await database.db.insert(jobLeases).values({
      jobId: 'd30-bypass',
      workerId: 'w-9',
      fencingToken: 1,
      leaseExpiresAt: T('03T16:00:00'),
      lastHeartbeatAt: T('03T15:00:00'),
      acquiredAt: T('03T15:00:00'),
      state: 'completed',
      completedAt: T('03T15:30:00'),
    });
    // a passing check after the completion does not make it green
    await recordArtifactEvidence(database.db, { jobId: 'd30-bypass', workerId: 'w-9', passed: true, at: T('03T15:31:00') });
    const [after] = rowsOf<{ n: number }>(await database.db.execute(FALSE_GREEN_SQL));
    expect(after.n).toBe(1);
    const m = await computeD30Metrics(database.db, everything);
    expect(m.false_green_count).toBe(1);
    expect(m.recommendation.decision).toBe('change_owner');
    expect(m.recommendation.reasons[0]).toMatch(/false green: 1 job\(s\) completed without a passing artifact check/);
    await database.db.execute(sql`delete from job_leases where job_id = 'd30-bypass'`);
  });

  it('records the owner decision with a snapshot, audited in the same transaction, newest first', async () => {
    const first = await recordD30Decision(ctxAt(database, ownerActor, T('04T00:00:00')), { decision: 'continue', note: 'first review' });
    expect(first.decision).toMatchObject({ decision: 'continue', note: 'first review', decided_by: ownerActor.label, recommended: 'escalate_to_watchdog_agent' });
    expect(first.decision.metrics.window).toEqual({ from: '2026-02-02T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' });
    await recordD30Decision(ctxAt(database, ownerActor, T('04T01:00:00')), { decision: 'change_owner', note: 'the owner moves teams' });
    const m = await computeD30Metrics(database.db, { from, to });
    expect(m.decisions.map((d) => d.decision)).toEqual(['change_owner', 'continue']);
    expect(m.decisions[1]).toMatchObject({ id: first.decision.id, coverage: first.decision.metrics.coverage });
    const audit = await listAudit(database.db, { limit: 50 });
    const entry = audit.entries.find((a) => a.action === 'd30.decide' && a.target === first.decision.id);
    expect(entry?.details).toMatchObject({ decision: 'continue', recommended: 'escalate_to_watchdog_agent', followed_recommendation: false });
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('refuses a decision that differs from the recommendation without a note, and stores the figures of the window on screen', async () => {
    const shown = await computeD30Metrics(database.db, { from, to });
    const recommended = shown.recommendation.decision;
    const other = recommended === 'continue' ? 'change_owner' : 'continue';
    const before = shown.decisions.length;
    const at = ctxAt(database, ownerActor, T('05T00:00:00'));
    // deciding otherwise than the window's recommendation without a note is refused, naming `note`
    for (const note of [undefined, '', '   ']) {
      const refused = await recordD30Decision(at, { decision: other, note, from, to }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'validation_failed', details: [{ path: 'note' }] });
    }
    expect((await computeD30Metrics(database.db, { from, to })).decisions.length).toBe(before);
    // following the recommendation needs no note; the snapshot is the window the owner looked at, not the default one
    const followed = await recordD30Decision(at, { decision: recommended, from, to });
    expect(followed.decision.metrics.window).toEqual({ from, to });
    expect(followed.decision).toMatchObject({ note: null, recommended, window: { from, to }, coverage: shown.coverage });
    expect(followed.decision.metrics.series.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });
});

describe('D30 recommendation thresholds', () => {
  const counts = {
    events: 100,
    failing_jobs: 10,
    covered_jobs: 9,
    failure_events: 12,
    unclassified_failure_events: 1,
    incident_failures: 2,
    uncovered_incident_failures: 0,
    failed_checks: 1,
    uncovered_failed_checks: 0,
    retries: 10,
    retries_succeeded: 8,
    checks: 10,
    checks_passed: 9,
    completed_jobs: 9,
    incidents: 5,
    incidents_resolved: 5,
    incidents_open: 0,
  };
  const healthy = { coverage: 0.9, retry_success_rate: 0.8, gate_pass_rate: 0.9, false_green_count: 0, mttd_s: 10, mttr_s: 600, counts };

  it('continues when every figure meets its threshold, with the figures as reasons', () => {
    const r = recommendD30(healthy);
    expect(r.decision).toBe('continue');
    expect(r.reasons).toContain('coverage 90% (9 of 10 failing jobs) meets the goal 80%');
    expect(r.reason_messages).toContainEqual({ key: 'coverageMet', values: { coverage_rate: 0.9, covered: 9, failing: 10, unknown: counts.unclassified_failure_events, goal_rate: 0.8 } });
    expect(r.thresholds).toEqual(D30_THRESHOLDS);
    expectMessages({ recommendation: r, assumptions: [] });
  });

  it('escalates to a watchdog agent below the coverage goal, on failing retries, on slow detection or resolution', () => {
    expect(recommendD30({ ...healthy, coverage: 0.7 })).toMatchObject({ decision: 'escalate_to_watchdog_agent', reasons: [expect.stringMatching(/coverage 70% .* below the goal 80%/)] });
    expect(recommendD30({ ...healthy, retry_success_rate: 0.3 })).toMatchObject({
      decision: 'escalate_to_watchdog_agent',
      reasons: [expect.stringMatching(/retry success 30% \(8 of 10 automatic retries\) is below 50%/)],
    });
    expect(recommendD30({ ...healthy, mttd_s: 301 })).toMatchObject({ decision: 'escalate_to_watchdog_agent', reasons: [expect.stringMatching(/mean time to detect 5 min is over 5 min/)] });
    expect(recommendD30({ ...healthy, mttr_s: 5 * 3600 })).toMatchObject({ decision: 'escalate_to_watchdog_agent', reasons: [expect.stringMatching(/mean time to resolve 300 min is over 240 min/)] });
    for (const over of [{ coverage: 0.7 }, { retry_success_rate: 0.3 }, { mttd_s: 301 }, { mttr_s: 5 * 3600 }])
      expectMessages({ recommendation: recommendD30({ ...healthy, ...over }), assumptions: [] });
    expect(recommendD30({ ...healthy, mttd_s: 996 }).reason_messages).toEqual([{ key: 'mttdOver', values: { mttd_s: 996, max_s: 300, incidents: 5 } }]);
  });

  it('changes owner on a false green or coverage below the floor, listing every reason', () => {
    const r = recommendD30({ ...healthy, false_green_count: 2, coverage: 0.4, retry_success_rate: 0.1 });
    expect(r.decision).toBe('change_owner');
    expect(r.reasons).toHaveLength(3);
    expect(r.reasons[0]).toMatch(/false green: 2 job/);
    expect(r.reasons[1]).toMatch(/coverage 40% .* below the floor 50%/);
    expect(r.reasons[2]).toMatch(/retry success 10%/);
    expect(r.reason_messages.map((x) => x.key)).toEqual(['falseGreen', 'coverageBelowFloor', 'retryBelow']);
    expectMessages({ recommendation: r, assumptions: [] });
  });

  it('says so when there is nothing to measure', () => {
    const r = recommendD30({
      coverage: null,
      retry_success_rate: null,
      gate_pass_rate: null,
      false_green_count: 0,
      mttd_s: null,
      mttr_s: null,
      counts: { ...counts, events: 0, failing_jobs: 0, retries: 0, completed_jobs: 0 },
    });
    expect(r.decision).toBe('continue');
    expect(r.reasons).toContain('no helper events in the window: keep collecting evidence');
    expectMessages({ recommendation: r, assumptions: [] });
  });
});

describe.each(testServers())('D30 over HTTP on $name', (server) => {
  const path = '/api/watchdog/metrics/d30';

  it('answers supervisors and owners with every figure', async () => {
    await api(
      server,
      server.tokens.worker,
      'POST',
      '/api/watchdog/helper-events',
      helperEvent({ job_id: `d30-http-${randomUUID().slice(0, 6)}`, exit_code: 1, output: '500 TypeError: fetch failed' }),
    );
    for (const token of [server.tokens.supervisor, server.tokens.owner]) {
      const r = await api(server, token, 'GET', path);
      expect(r.status).toBe(200);
      const m = D30Metrics.parse(r.body);
      for (const k of ['coverage', 'retry_success_rate', 'gate_pass_rate', 'false_green_count', 'mttd_s', 'mttr_s', 'incidents_by_signal', 'series', 'recommendation', 'goal', 'window', 'decisions'])
        expect(r.body).toHaveProperty(k);
      expect(m.series).toHaveLength(31);
      expect(m.counts.failure_events).toBeGreaterThanOrEqual(1);
      expect(m.false_green_count).toBe(0);
      expect(m.recommendation.reasons.length).toBeGreaterThan(0);
      // the messages beside the English reach the page through the HTTP answer
      expect(r.body.recommendation.reason_messages).toHaveLength(m.recommendation.reasons.length);
      expect(r.body.assumptions[0]).toHaveProperty('figure_message');
      expectMessages(m);
    }
  });

  it('refuses workers and the system (403) and anonymous callers (401)', async () => {
    for (const token of [server.tokens.worker, server.tokens.system]) {
      const r = await api(server, token, 'GET', path);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await api(server, null, 'GET', path)).status).toBe(401);
  });

  it('refuses a bad window with validation_failed', async () => {
    const bad = await api(server, server.tokens.owner, 'GET', `${path}?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const reversed = await api(server, server.tokens.owner, 'GET', `${path}?from=2026-03-04T00:00:00Z&to=2026-03-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'from', message: 'must be before to' }] });
    const window = await api(server, server.tokens.owner, 'GET', `${path}?from=2026-03-01T00:00:00Z&to=2026-03-04T00:00:00Z`);
    expect(window.status).toBe(200);
    expect(window.body.series.map((d: { day: string }) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('lets only the owner record the decision, audited, and lists it newest first', async () => {
    const denied = await api(server, server.tokens.supervisor, 'POST', `${path}/decision`, { decision: 'continue' });
    expect(denied.status).toBe(403);
    const invalid = await api(server, server.tokens.owner, 'POST', `${path}/decision`, { decision: 'maybe' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
    const figures = await api(server, server.tokens.owner, 'GET', path);
    const other = (['continue', 'escalate_to_watchdog_agent', 'change_owner'] as const).find((d) => d !== figures.body.recommendation.decision)!;
    const noNote = await api(server, server.tokens.owner, 'POST', `${path}/decision`, { decision: other });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'note' }] });
    const note = `decided ${randomUUID()}`;
    const ok = await api(server, server.tokens.owner, 'POST', `${path}/decision`, { decision: 'escalate_to_watchdog_agent', note });
    expect(ok.status).toBe(201);
    expect(ok.body.decision).toMatchObject({ decision: 'escalate_to_watchdog_agent', note, decided_by: 'owner:test-owner' });
    expect(ok.body.decision.metrics.recommendation.decision).toMatch(/continue|escalate_to_watchdog_agent|change_owner/);
    const m = await api(server, server.tokens.supervisor, 'GET', path);
    expect(m.body.decisions[0]).toMatchObject({ id: ok.body.decision.id, note });
    const audit = await api(server, server.tokens.owner, 'GET', '/api/watchdog/audit?limit=100');
    expect(audit.body.entries.some((e: { action: string; target: string }) => e.action === 'd30.decide' && e.target === ok.body.decision.id)).toBe(true);
    expect(audit.body.entries.some((e: { action: string; target: string }) => e.action === 'access.forbidden' && e.target === 'POST /metrics/d30/decision')).toBe(true);
  });
});
