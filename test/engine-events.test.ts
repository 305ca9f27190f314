import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { auditLog, helperEvents, incidents, notifications, repairActions } from '@/db/schema';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent, ingestHelperEventBatch } from '@/lib/watchdog/events';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { decideRepairAction, recordRepairAction } from '@/lib/watchdog/repairs';
import { updateRules } from '@/lib/watchdog/rules';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-03-01T09:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function event(jobId: string, over: Partial<HelperEventInput> & { output?: string } = {}): HelperEventInput {
  const output = over.output ?? '{"ok":true}';
  return {
    id: randomUUID(),
    job_id: jobId,
    worker_id: 'w-1',
    command: `pls context ${jobId}`,
    phase: 'context',
    exit_code: 0,
    duration_ms: 150,
    ...over,
    output,
    output_hash: over.output_hash ?? hashOutput(output),
  };
}
const fetchFail = (jobId: string, over: Partial<HelperEventInput> = {}) => event(jobId, { exit_code: 1, output: '500 TypeError: fetch failed', ...over });
const silentClaim = (jobId: string) => event(jobId, { command: 'pls claim', phase: 'claim', exit_code: 137, output: '', error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30_000 });

describe.each(testDatabaseKinds())('helper events, classification and incidents on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const w1 = () => ctxAt(database, workerActor('w-1'), t0);
  const openIncidents = (jobId: string) =>
    database.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.jobId, jobId), eq(incidents.status, 'open')));

  it('a healthy event: signal null, no incident, rule_version carried', async () => {
    const r = await ingestHelperEvent(w1(), event('ev-healthy'));
    expect(r.status).toBe(201);
    expect(r.body.classification).toEqual({ signal: null, rule_version: 1, suggested_actions: [] });
    expect(r.body.incident_id).toBeNull();
    expect(await openIncidents('ev-healthy')).toHaveLength(0);
  });

  it('fetch failed: touch + retry 3 s, one incident; the second failure escalates to needs_human', async () => {
    const job = 'ev-fetch';
    const first = await ingestHelperEvent(w1(), fetchFail(job));
    expect(first.body.classification).toEqual({
      signal: 'fetch_failed',
      rule_version: 1,
      suggested_actions: [
        { action: 'touch', authority: 'system' },
        { action: 'retry', authority: 'system', delay_s: 3 },
      ],
    });
    expect(first.body.incident_id).toBeTruthy();
    const second = await ingestHelperEvent({ ...w1(), now: at(5) }, fetchFail(job, { created_at: at(5) }));
    expect(second.body.classification.suggested_actions.map((a) => a.action)).toEqual(['notify_owner']);
    expect(second.body.classification.suggested_actions[0]).toMatchObject({ escalation: 'needs_human' });
    expect(second.body.incident_id).toBe(first.body.incident_id);
    const open = await openIncidents(job);
    expect(open).toHaveLength(1);
    expect(open[0].evidenceEventIds).toEqual([first.body.event.id, second.body.event.id]);
    expect(open[0].detectedAt.toISOString()).toBe(t0.toISOString());
    const escalations = await database.db.select().from(repairActions).where(eq(repairActions.jobId, job));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({ action: 'notify_owner', result: 'needs_human', incidentId: first.body.incident_id, outputHash: hashOutput('500 TypeError: fetch failed') });
    const queued = await database.db.select().from(notifications).where(eq(notifications.jobId, job));
    expect(queued.map((n) => n.kind)).toEqual(['needs_human']);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.jobId, job));
    expect(audit.map((a) => a.action)).toEqual(['escalation.needs_human']);
    expect(audit[0].outputHash).toBe(hashOutput('500 TypeError: fetch failed'));
  });

  it('the retry budget is per job, signal and phase', async () => {
    const job = 'ev-phases';
    const a = await ingestHelperEvent(w1(), fetchFail(job, { phase: 'context' }));
    const b = await ingestHelperEvent(w1(), fetchFail(job, { phase: 'upload', command: `pls upload-files ${job}` }));
    const other = await ingestHelperEvent(w1(), fetchFail('ev-phases-other'));
    for (const r of [a, b, other]) expect(r.body.classification.suggested_actions.map((x) => x.action)).toEqual(['touch', 'retry']);
    const again = await ingestHelperEvent(w1(), fetchFail(job, { phase: 'upload', command: `pls upload-files ${job}` }));
    expect(again.body.classification.suggested_actions.map((x) => x.action)).toEqual(['notify_owner']);
  });

  it('a silent claim: touch + retry, then notify_owner; a healthy claim resolves the incident', async () => {
    const job = 'ev-claim';
    const first = await ingestHelperEvent(w1(), silentClaim(job));
    expect(first.body.classification).toMatchObject({ signal: 'claim_no_output', suggested_actions: [{ action: 'touch' }, { action: 'retry' }] });
    const second = await ingestHelperEvent({ ...w1(), now: at(40) }, silentClaim(job));
    expect(second.body.classification.suggested_actions).toEqual([{ action: 'notify_owner', authority: 'system', escalation: 'notify_owner' }]);
    const [esc] = await database.db.select().from(repairActions).where(eq(repairActions.jobId, job));
    expect(esc).toMatchObject({ action: 'notify_owner', result: 'success' });
    expect((await database.db.select().from(notifications).where(eq(notifications.jobId, job))).map((n) => n.kind)).toEqual(['notify_owner']);
    const healthy = await ingestHelperEvent({ ...w1(), now: at(60) }, event(job, { command: 'pls claim', phase: 'claim', output: '{"job_id":"ev-claim"}', duration_ms: 900 }));
    expect(healthy.body.classification.signal).toBeNull();
    expect(await openIncidents(job)).toHaveLength(0);
    const [resolved] = await database.db.select().from(incidents).where(eq(incidents.id, first.body.incident_id!));
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolvedAt?.toISOString()).toBe(at(60).toISOString());
    expect(resolved.resolution).toContain(healthy.body.event.id);
  });

  it('a healthy event of another phase does not resolve a fetch failure', async () => {
    const job = 'ev-other-phase';
    await ingestHelperEvent(w1(), fetchFail(job, { phase: 'upload', command: `pls upload-files ${job}` }));
    await ingestHelperEvent(w1(), event(job, { phase: 'progress', command: `pls progress ${job}` }));
    expect(await openIncidents(job)).toHaveLength(1);
    await ingestHelperEvent(w1(), event(job, { phase: 'upload', command: `pls upload-files ${job}`, output: 'uploaded 500 files' }));
    expect(await openIncidents(job)).toHaveLength(0);
  });

  it('idempotent by id: same body → 200 with the stored answer; another body → idempotency_conflict; nothing doubles', async () => {
    const job = 'ev-idem';
    const e = fetchFail(job);
    const first = await ingestHelperEvent(w1(), e);
    const replay = await ingestHelperEvent({ ...w1(), now: at(99) }, { ...e });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    await expect(ingestHelperEvent(w1(), { ...e, exit_code: 2 })).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(await database.db.select().from(helperEvents).where(eq(helperEvents.jobId, job))).toHaveLength(1);
    const [inc] = await openIncidents(job);
    expect(inc.evidenceEventIds).toEqual([e.id]);
    // the replay did not use up the retry: the next new failure is the escalation
    const next = await ingestHelperEvent(w1(), fetchFail(job));
    expect(next.body.classification.suggested_actions[0].action).toBe('notify_owner');
  });

  it('refuses a wrong output hash and another worker_id, storing nothing', async () => {
    const bad = { ...event('ev-bad'), output_hash: hashOutput('something else') };
    await expect(ingestHelperEvent(w1(), bad)).rejects.toMatchObject({ code: 'output_hash_mismatch' });
    await expect(ingestHelperEvent(w1(), event('ev-bad', { worker_id: 'w-2' }))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await database.db.select().from(helperEvents).where(eq(helperEvents.jobId, 'ev-bad'))).toHaveLength(0);
  });

  it('classification follows the current rule version (lower claim timeout)', async () => {
    const slow = () => event('ev-rules', { command: 'pls claim', phase: 'claim', output: 'still waiting', duration_ms: 12_000 });
    const before = await ingestHelperEvent(w1(), slow());
    expect(before.body.classification.signal).toBeNull();
    const v = await updateRules(ctxAt(database, ownerActor, t0), [{ signal: 'claim_no_output', threshold: 10 }]);
    const after = await ingestHelperEvent(w1(), slow());
    expect(after.body.classification).toMatchObject({ signal: 'claim_no_output', rule_version: v.version });
    expect(after.body.event.rule_version).toBe(v.version);
    await updateRules(ctxAt(database, ownerActor, t0), [{ signal: 'claim_no_output', threshold: 30 }]);
  });

  it("the runner's touch and retry are recorded; the retry's audit entry keeps the failing output's hash", async () => {
    const job = 'ev-retry-audit';
    await heartbeatLease(w1(), job, { worker_id: 'w-1', lease_expires_at: at(900) });
    const failing = fetchFail(job, { output: 'TypeError: fetch failed (context)' });
    const r = await ingestHelperEvent(w1(), failing);
    const system = ctxAt(database, systemTestActor, at(3));
    const touch = await recordRepairAction(system, { job_id: job, trigger: 'fetch_failed', action: 'touch', authority: 'system', evidence_event_ids: [failing.id] });
    expect(touch).toMatchObject({ status: 201, action: { action: 'touch', result: 'success', output_hash: failing.output_hash } });
    const retry = await recordRepairAction(system, { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'system', evidence_event_ids: [failing.id], phase: 'context' });
    // without evidence ids the hash of the job's latest event of that signal is used
    const bare = await recordRepairAction(system, { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'system' });
    expect(bare.action.output_hash).toBe(failing.output_hash);
    const audit = (await database.db.select().from(auditLog).where(eq(auditLog.jobId, job))).filter((a) => a.action !== 'lease.acquire');
    expect(audit.map((a) => [a.action, a.target, a.outputHash])).toEqual([
      ['repair.retry', retry.action.id, failing.output_hash],
      ['repair.retry', bare.action.id, failing.output_hash],
    ]);
    expect(audit[0].details).toMatchObject({ trigger: 'fetch_failed', authority: 'system', evidence_event_ids: [failing.id] });
    expect(r.body.classification.suggested_actions.map((a) => a.action)).toEqual(['touch', 'retry']);
    // a worker's own retry is a suggestion, and the authority must be the caller's role
    const suggestion = await recordRepairAction(w1(), { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'worker' });
    expect(suggestion.action).toMatchObject({ suggestion: true, result: null });
    await expect(recordRepairAction(w1(), { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'system' })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('text PostgreSQL cannot store (NUL) is stored replaced, never a failed write; the hash stays the worker’s', async () => {
    const job = 'ev-nul';
    await heartbeatLease(w1(), job, { worker_id: 'w-1', lease_expires_at: at(900) });
    const output = 'binary\u0000garbage then 500 TypeError: fetch failed';
    const e = fetchFail(job, { output, output_hash: hashOutput(output), command: `pls context ${job} \u0000`, error_code: 'E\u0000' });
    const r = await ingestHelperEvent(w1(), e);
    expect(r.status).toBe(201);
    expect(r.body.event.output).toBe('binary\uFFFDgarbage then 500 TypeError: fetch failed');
    expect(r.body.event.output_hash).toBe(hashOutput(output));
    expect((await ingestHelperEvent(w1(), { ...e })).status).toBe(200);
    const second = await ingestHelperEvent(w1(), fetchFail(job));
    expect(second.body.classification.suggested_actions[0].action).toBe('notify_owner');
    const system = ctxAt(database, systemTestActor, at(1));
    const note = await recordRepairAction(system, { job_id: job, trigger: 'fetch\u0000failed', action: 'notify_owner', authority: 'system', note: 'see \u0000 here' });
    expect(note.action).toMatchObject({ trigger: 'fetch\uFFFDfailed', note: 'see \uFFFD here' });
    const req = await recordRepairAction(system, { job_id: job, trigger: 'x', action: 'release', authority: 'system', note: 'n\u0000' });
    const decided = await decideRepairAction(ctxAt(database, supervisorActor, at(2)), req.action.id, { decision: 'reject', note: 'no\u0000' });
    expect(decided.action.decision_note).toBe('no\uFFFD');
    const rules = await updateRules(ctxAt(database, ownerActor, at(3)), [{ signal: 'queue_stuck', threshold: 300, auto_repair: 'ask\u0000' }], 'n\u0000');
    expect(rules.rules.find((x) => x.signal === 'queue_stuck')?.auto_repair).toBe('ask\uFFFD');
  });

  it('batch: each event judged alone', async () => {
    const good = fetchFail('ev-batch');
    const results = await ingestHelperEventBatch(ctxAt(database, systemTestActor, t0), [good, { id: 'nope' }, { ...event('ev-batch'), output_hash: hashOutput('x') }], () => 'details');
    expect(results.map((r) => r.status)).toEqual([201, 400, 422]);
    expect(results[0].classification?.signal).toBe('fetch_failed');
  });

  if (kind.name === 'postgres') {
    it.each([1, 2, 3])('concurrent failures of one job: one incident, exactly one retry handed out (round %s)', async (n) => {
      const job = 'ev-race' + n;
      const results = await Promise.all(Array.from({ length: 8 }, () => ingestHelperEvent(w1(), fetchFail(job))));
      const retries = results.filter((r) => r.body.classification.suggested_actions.some((a) => a.action === 'retry'));
      expect(retries).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.incident_id)).size).toBe(1);
      const all = await database.db.select().from(incidents).where(eq(incidents.jobId, job));
      expect(all).toHaveLength(1);
      expect(all[0].evidenceEventIds).toHaveLength(8);
      expect(await database.db.select().from(repairActions).where(eq(repairActions.jobId, job))).toHaveLength(7);
    });

    it('the same event sent concurrently is stored once', async () => {
      const e = fetchFail('ev-dup-race');
      const results = await Promise.all(Array.from({ length: 6 }, () => ingestHelperEvent(w1(), { ...e })));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      const [inc] = await openIncidents('ev-dup-race');
      expect(inc.evidenceEventIds).toEqual([e.id]);
    });
  }
});
