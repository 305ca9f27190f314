import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '@/db/client';
import { d30Decisions } from '@/db/schema';
import { runArtifactCheck } from '@/lib/watchdog/artifacts';
import { cliActor } from '@/lib/watchdog/context';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { acknowledgeIncident, listIncidents } from '@/lib/watchdog/incidents';
import { getOverview, type Overview } from '@/lib/watchdog/metrics';
import { decideRepairAction, recordRepairAction } from '@/lib/watchdog/repairs';
import { updateRules } from '@/lib/watchdog/rules';
import { runSweep } from '@/lib/watchdog/sweep';
import { createToken } from '@/lib/watchdog/access';
import { createUser } from '@/lib/watchdog/access';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds } from './helpers/db';
import { api, testServers } from './helpers/http';
import { expectSameText, sayMessage } from './helpers/text-message';

const milestone = (o: Overview, key: string) => o.rollout.find((m) => m.key === key)!;
const item = (o: Overview, key: string, itemKey: string) => milestone(o, key).items.find((i) => i.key === itemKey)!;
/** Every detail line has its message, and the message says the line (in English, word for word). */
const expectDetailMessages = (o: Overview) => {
  for (const m of o.rollout) for (const i of m.items) expectSameText('overview.detail', i.detail, i.detail_message);
};

describe.each(testDatabaseKinds())('getOverview on $name', (kind) => {
  let database: Database;
  let artifacts: http.Server;
  let artifactBase = '';
  beforeAll(async () => {
    database = await kind.open();
    artifacts = http.createServer((req, res) => {
      res.statusCode = req.url === '/ok' ? 200 : 404;
      res.end(req.url === '/ok' ? 'artifact' : 'missing');
    });
    await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', r));
    artifactBase = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    artifacts?.close();
    await database?.close();
  });

  const t0 = new Date('2026-03-01T10:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const T = at(200);

  it('starts with nothing done and says what is missing', async () => {
    const o = await getOverview(ctxAt(database, supervisorActor, t0));
    expect(o.leases).toEqual({ live_total: 0, by_risk: { normal: 0, near_expiry: 0, expired: 0, stale: 0 } });
    expect(o.incidents.open_total).toBe(0);
    expect(o.approvals).toEqual({ pending: 0, oldest_pending_at: null });
    expect(o.gate).toMatchObject({ checks: 0, pass_rate: null });
    expect(o.rollout.map((m) => [m.key, m.done])).toEqual([
      ['D1', false],
      ['D7', false],
      ['D14', false],
      ['D30', false],
    ]);
    expect(milestone(o, 'D1').missing[0]).toMatch(/defaults/);
    expect(milestone(o, 'D14').missing).toHaveLength(3);
    expectDetailMessages(o);
    expect(item(o, 'D7', 'console_accounts').detail_message).toEqual({ key: 'accountsMissing', values: { missing: 'both' } });
    expect(item(o, 'D30', 'decision')).toMatchObject({
      detail: 'the owner has not recorded the D30 decision yet (Metrics page)',
      detail_message: { key: 'noDecision', values: {} },
    });
  });

  it('counts live leases by risk, open incidents by signal, pending approvals and the gate pass rate', async () => {
    const admin = ctxAt(database, cliActor, t0);
    await createUser(admin, { email: 'owner@example.test', role: 'owner', password: 'owner-password-1' });
    await createUser(admin, { email: 'sup@example.test', role: 'supervisor', password: 'sup-password-1' });
    await createToken(admin, { role: 'worker', worker_id: 'w-1', name: 'w1' });

    const sys = (now: Date) => ctxAt(database, systemTestActor, now);
    await heartbeatLease(sys(t0), 'job-normal', { worker_id: 'w-1', lease_expires_at: at(3600) });
    await heartbeatLease(sys(t0), 'job-near', { worker_id: 'w-1', lease_expires_at: at(300) });
    await heartbeatLease(sys(t0), 'job-exp', { worker_id: 'w-2', lease_expires_at: at(10) });
    await heartbeatLease(sys(at(-3600)), 'job-stale', { worker_id: 'w-3', lease_expires_at: at(-1800) });
    await heartbeatLease(sys(t0), 'job-rel', { worker_id: 'w-4', lease_expires_at: at(3600) });
    const req = await recordRepairAction(sys(at(5)), { job_id: 'job-rel', trigger: 'operator', action: 'release', authority: 'system' });
    expect(req.action.result).toBe('pending');
    await decideRepairAction(ctxAt(database, supervisorActor, at(6)), req.action.id, { decision: 'approve' });

    const output = '500 TypeError: fetch failed';
    await ingestHelperEvent(sys(at(100)), {
      id: randomUUID(),
      job_id: 'job-normal',
      worker_id: 'w-1',
      command: 'pls context job-normal',
      phase: 'context',
      exit_code: 1,
      output,
      output_hash: hashOutput(output),
    });
    await runArtifactCheck(sys(at(110)), { job_id: 'job-normal', primary_url: `${artifactBase}/ok`, files: [{ name: 'out.zip' }] }, { allowPrivate: true });
    await runArtifactCheck(sys(at(120)), { job_id: 'job-near', primary_url: `${artifactBase}/missing` }, { allowPrivate: true });

    // Before any sweep: two leases are overdue, so the sweeper is reported as not running.
    const before = await getOverview(ctxAt(database, supervisorActor, T));
    expect(item(before, 'D7', 'sweeps_running')).toMatchObject({ done: false });
    expect(item(before, 'D7', 'sweeps_running').detail).toMatch(/^2 leases past expiry/);
    expect(item(before, 'D7', 'sweeps_running').detail_message).toEqual({ key: 'sweepsOverdue', values: { count: 2, tolerance: 120 } });
    expectDetailMessages(before);
    expect(item(before, 'D14', 'lease_expired').done).toBe(false);

    await runSweep(sys(T));
    const o = await getOverview(ctxAt(database, supervisorActor, T));
    expect(o.leases).toEqual({ live_total: 4, by_risk: { normal: 1, near_expiry: 1, expired: 1, stale: 1 } });
    expect(o.incidents.by_signal).toEqual({
      claim_no_output: 0,
      fetch_failed: 1,
      lease_near_expiry: 0,
      lease_expired: 2,
      queue_stuck: 1,
      artifact_gate_fail: 1,
      no_progress: 0,
      loop_detected: 0,
      worker_silent: 0,
    });
    expect(o.incidents.open_total).toBe(5);
    expect(o.incidents.unacknowledged).toBe(5);
    expect(o.approvals.pending).toBe(1);
    expect(o.approvals.oldest_pending_at).toBe(T.toISOString());
    expect(o.gate).toEqual({ window_days: 7, checks: 2, passed: 1, failed: 1, pass_rate: 0.5 });
    expect(o.events_24h).toEqual({ total: 1, flagged: 1, failed_exit: 1 });

    expect(milestone(o, 'D7')).toMatchObject({ done: true, missing: [] });
    expect(milestone(o, 'D14')).toMatchObject({ done: true, missing: [] });
    expect(milestone(o, 'D1').done).toBe(false);
    expect(milestone(o, 'D30').done).toBe(false);
    expectDetailMessages(o);
    // times travel as ISO strings, counts as numbers; the page words them per locale
    const events = item(o, 'D7', 'evidence_flowing');
    expect(events.detail_message).toEqual({ key: 'events', values: { count: 1, at: expect.stringMatching(/^2026-03-01T10:0\d:\d\d\.\d{3}Z$/) } });
    expect(events.detail).toMatch(/^1 helper event received in the last 24 h, the latest at 2026-03-01 10:0\d UTC$/);
    expect(sayMessage('zh-Hant', 'overview.detail', events.detail_message)).toBe(`過去 24 小時收到 1 個輔助指令事件，最近一次於 [time ${events.detail_message.values.at}]`);
    expect(item(o, 'D7', 'sweeps_running').detail_message).toEqual({ key: 'sweepFinding', values: { at: T.toISOString() } });
    expect(item(o, 'D7', 'sweeps_running').detail).toBe('latest sweep finding at 2026-03-01 10:03 UTC; no lease overdue');

    // A day later the helper events are no longer "flowing", and the gate window still holds the checks.
    const later = await getOverview(ctxAt(database, supervisorActor, at(200 + 25 * 3600)));
    expect(item(later, 'D7', 'evidence_flowing')).toMatchObject({ done: false, detail: 'no helper event received in the last 24 h' });
    expect(later.gate.checks).toBe(2);

    // an acknowledged incident stays open but no longer counts as unacknowledged (the tab title's count)
    const [first] = (await listIncidents(database.db, { status: 'open' })).incidents;
    await acknowledgeIncident(ctxAt(database, supervisorActor, at(201)), first!.id);
    const acked = await getOverview(ctxAt(database, supervisorActor, at(202)));
    expect(acked.incidents).toMatchObject({ open_total: 5, unacknowledged: 4 });
  });

  it('marks D1 once an owner saves the rules, and risk levels follow the new thresholds', async () => {
    const owner = ctxAt(database, ownerActor, T);
    const saved = await updateRules(owner, [{ signal: 'lease_near_expiry', threshold: 60 }]);
    const o = await getOverview(ctxAt(database, supervisorActor, T));
    expect(item(o, 'D1', 'rules_confirmed')).toMatchObject({ done: true });
    expect(item(o, 'D1', 'rules_confirmed').detail).toContain(`rules v${saved.version} saved by owner:owner@example.test`);
    expect(item(o, 'D1', 'rules_confirmed').detail_message).toMatchObject({ key: 'rulesConfirmed', values: { version: saved.version, by: 'owner:owner@example.test' } });
    expectDetailMessages(o);
    // job-near has 100 s left: outside the new 60 s window
    expect(o.leases.by_risk).toMatchObject({ normal: 2, near_expiry: 0 });
  });

  it('marks D30 once a decision is recorded', async () => {
    await database.db.insert(d30Decisions).values({ id: randomUUID(), decision: 'continue', note: null, metrics: {}, decidedBy: 'owner:owner@example.test', decidedAt: at(300) });
    const o = await getOverview(ctxAt(database, supervisorActor, at(400)));
    expect(milestone(o, 'D30')).toMatchObject({ done: true, missing: [] });
    expect(item(o, 'D30', 'decision').detail).toBe('continue — recorded by owner:owner@example.test on 2026-03-01 10:05 UTC');
    expect(item(o, 'D30', 'decision').detail_message).toEqual({ key: 'decision', values: { decision: 'continue', by: 'owner:owner@example.test', at: at(300).toISOString() } });
    expectDetailMessages(o);
  });

  it('D14 counts each kind and its first from the rollup the incident triggers keep: a bulk insert, a delete of the first, a move', async () => {
    const shown = async () => Object.fromEntries(milestone(await getOverview(ctxAt(database, supervisorActor, T)), 'D14').items.map((i) => [i.key, i.detail]));
    const counted = async () => {
      const rows = rowsOf<{ signal: string; n: number; first: string }>(
        await database.db.execute(sql`
          select signal, count(*)::int as n, to_char(min(detected_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as first
          from incidents where signal in ('fetch_failed', 'lease_expired', 'artifact_gate_fail') group by signal`),
      );
      return Object.fromEntries(
        ['fetch_failed', 'lease_expired', 'artifact_gate_fail'].map((signal) => {
          const r = rows.find((x) => x.signal === signal);
          return [signal, r ? `${r.n} incident${r.n === 1 ? '' : 's'} recorded, the first at ${r.first} UTC` : 'no incident of this kind recorded yet'];
        }),
      );
    };
    expect(await shown()).toEqual(await counted());
    expect((await shown()).fetch_failed).toMatch(/^1 incident recorded/);
    // three older ones in one statement (resolved, so the open-incident figures are untouched)
    await database.db.execute(sql`
      insert into incidents (id, job_id, signal, status, first_failure_at, detected_at, resolved_at, rule_version)
      select gen_random_uuid(), 'd14-' || g, 'fetch_failed', 'resolved', timestamptz '2026-02-01T07:00:00Z', timestamptz '2026-02-01T08:00:00Z' + g * interval '1 hour', timestamptz '2026-02-01T12:00:00Z', 1
      from generate_series(1, 3) g`);
    expect((await shown()).fetch_failed).toBe('4 incidents recorded, the first at 2026-02-01 09:00 UTC');
    expect(await shown()).toEqual(await counted());
    // the first of its kind deleted: the next one is the first
    await database.db.execute(sql`delete from incidents where job_id = 'd14-1'`);
    expect((await shown()).fetch_failed).toBe('3 incidents recorded, the first at 2026-02-01 10:00 UTC');
    // one moved to another kind and an earlier time
    await database.db.execute(sql`update incidents set signal = 'artifact_gate_fail', detected_at = timestamptz '2026-01-15T00:00:00Z' where job_id = 'd14-2'`);
    expect(await shown()).toEqual(await counted());
    expect((await shown()).artifact_gate_fail).toBe('2 incidents recorded, the first at 2026-01-15 00:00 UTC');
    expect((await shown()).fetch_failed).toBe('2 incidents recorded, the first at 2026-02-01 11:00 UTC');
  });
});

describe.each(testServers())('GET /api/watchdog/overview on $name', (server) => {
  it('answers supervisors and owners, refuses workers and anonymous callers', async () => {
    const sup = await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/overview');
    expect(sup.status).toBe(200);
    expect(sup.body.rollout.map((m: { key: string }) => m.key)).toEqual(['D1', 'D7', 'D14', 'D30']);
    expect(Object.keys(sup.body.leases.by_risk)).toEqual(['normal', 'near_expiry', 'expired', 'stale']);
    // the detail lines' messages reach the page through the HTTP answer (the response schema keeps them)
    expectDetailMessages(sup.body);
    expect((await api(server, server.tokens.owner, 'GET', '/api/watchdog/overview')).status).toBe(200);
    const worker = await api(server, server.tokens.worker, 'GET', '/api/watchdog/overview');
    expect(worker.status).toBe(403);
    expect(worker.body.error.code).toBe('forbidden');
    expect((await api(server, null, 'GET', '/api/watchdog/overview')).status).toBe(401);
  });
});
