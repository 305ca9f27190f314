import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findAuditByRequestIds } from './helpers/audit-search';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

describe.each(testServers())('trust boundaries over HTTP on $name', (server) => {
  const { worker, worker2, system, supervisor } = server.tokens;

  it("w-2's token cannot write into w-1's active job for its own worker_id: 403 on every evidence route (fast path too), audited, nothing stored, w-1 keeps its retry", async () => {
    const job = uniqueJob('trust-cross');
    expect((await api(server, worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) })).status).toBe(200);
    // w-2's token authenticates once first, so its healthy events take the one-statement path
    expect((await api(server, worker2, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: uniqueJob('trust-warm'), worker_id: 'w-2' }))).status).toBe(201);
    const failing = helperEvent({ job_id: job, worker_id: 'w-2', exit_code: 1, output: '500 TypeError: fetch failed' });
    const attempts: { path: string; body: unknown }[] = [
      { path: '/api/watchdog/helper-events', body: failing },
      { path: '/api/watchdog/helper-events', body: helperEvent({ job_id: job, worker_id: 'w-2' }) },
      { path: '/api/watchdog/helper-events', body: helperEvent({ job_id: job, worker_id: 'w-2' }) },
      { path: '/api/watchdog/worker-runs', body: { id: randomUUID(), worker_id: 'w-2', job_id: job, phase: 'context', status: 'ok', started_at: new Date().toISOString() } },
      { path: '/api/watchdog/artifact-checks', body: { job_id: job, primary_url: `${server.url}/api/health` } },
      { path: '/api/watchdog/repair-actions', body: { job_id: job, trigger: 'fetch_failed', action: 'notify_owner', authority: 'worker' } },
      { path: '/api/watchdog/repair-actions', body: { job_id: job, trigger: 'fetch_failed', action: 'touch', authority: 'system', evidence_event_ids: [failing.id] } },
    ];
    const ids: string[] = [];
    for (const a of attempts) {
      const requestId = `trust-${randomUUID()}`;
      ids.push(requestId);
      const r = await api(server, worker2, 'POST', a.path, a.body, { 'x-request-id': requestId });
      expect({ path: a.path, status: r.status, code: r.body?.error?.code }).toEqual({ path: a.path, status: 403, code: 'forbidden' });
    }
    const batchId = `trust-batch-${randomUUID()}`;
    const own = helperEvent({ job_id: uniqueJob('trust-own'), worker_id: 'w-2' });
    const batch = await api(server, worker2, 'POST', '/api/watchdog/helper-events/batch', { events: [helperEvent({ job_id: job, worker_id: 'w-2' }), failing, own] }, { 'x-request-id': batchId });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([403, 403, 201]);

    const found = await findAuditByRequestIds(server, [...ids, batchId]);
    for (const id of ids) expect(found.get(id), id).toMatchObject({ actor: 'worker:test-w2', action: 'access.forbidden' });
    expect(found.get(batchId)).toMatchObject({ action: 'access.forbidden', details: { refused_count: 2 } });

    const tl = (await api(server, system, 'GET', `/api/watchdog/jobs/${job}`)).body;
    expect({ runs: tl.runs, events: tl.events, actions: tl.actions, checks: tl.checks, incidents: tl.incidents }).toEqual({ runs: [], events: [], actions: [], checks: [], incidents: [] });
    // the holder's own failure still gets the one automatic retry
    const mine = await api(server, worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }));
    expect(mine.status).toBe(201);
    expect(mine.body.classification.suggested_actions.map((a: { action: string }) => a.action)).toEqual(['touch', 'retry']);
  });

  it('a killed claim reports exit_code null: 201, a claim_no_output failure', async () => {
    const job = uniqueJob('trust-null');
    const claim = helperEvent({ job_id: job, command: 'pls claim', phase: 'claim', exit_code: null, output: '', duration_ms: 30_000, error_code: 'NO_OUTPUT_TIMEOUT' });
    const r = await api(server, worker, 'POST', '/api/watchdog/helper-events', claim);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.event.exit_code).toBeNull();
    expect(r.body.classification.signal).toBe('claim_no_output');
  });

  it("the runner's case: a worker records its touch as a system repair with its own evidence, with no lease", async () => {
    const job = uniqueJob('trust-deleg');
    const failing = helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' });
    expect((await api(server, worker, 'POST', '/api/watchdog/helper-events', failing)).status).toBe(201);
    const touch = await api(server, worker, 'POST', '/api/watchdog/repair-actions', {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'touch',
      authority: 'system',
      result: 'success',
      evidence_event_ids: [failing.id],
    });
    expect(touch.status, JSON.stringify(touch.body)).toBe(201);
    expect(touch.body.action).toMatchObject({ authority: 'system', requested_by: 'worker:w-1', suggestion: false });
    const stuck = await api(server, worker, 'POST', '/api/watchdog/repair-actions', {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'mark_stuck',
      authority: 'system',
      evidence_event_ids: [failing.id],
    });
    expect(stuck.status).toBe(403);
  });

  it('obsolete requests and job_finished over HTTP', async () => {
    const job = uniqueJob('trust-obs');
    const lease = await api(server, worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const req = await api(server, system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'queue_stuck', action: 'reclaim', authority: 'system' });
    expect(req.status).toBe(201);
    const again = await api(server, system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'queue_stuck', action: 'reclaim', authority: 'system' });
    expect(again).toMatchObject({ status: 200, body: { action: { id: req.body.action.id, result: 'pending' } } });
    expect((await api(server, worker, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${server.url}/api/health`, files: [{ name: 'out' }] })).body.check.passed).toBe(true);
    expect((await api(server, worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: lease.body.lease.fencing_token })).status).toBe(200);
    const pending = await api(server, supervisor, 'GET', '/api/watchdog/repair-actions?status=pending&limit=500');
    expect(pending.body.actions.map((a: { id: string }) => a.id)).not.toContain(req.body.action.id);
    const tl = (await api(server, system, 'GET', `/api/watchdog/jobs/${job}`)).body;
    expect(tl.actions.find((a: { id: string }) => a.id === req.body.action.id)).toMatchObject({ result: 'obsolete', decided_by: 'system', decision: null });
    const late = await api(server, system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'system' });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'job_finished' } } });
    const decide = await api(server, supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'approve' });
    expect(decide).toMatchObject({ status: 409, body: { error: { code: 'already_decided' } } });
  });
});
