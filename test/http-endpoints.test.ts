import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashOutput } from '@/lib/watchdog/hash';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

const inPast = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

describe.each(testServers())('endpoint behaviour over HTTP on $name', (server) => {
  const { worker, worker2, system, supervisor, owner } = server.tokens;
  const lease = (token: string, job: string, body: Record<string, unknown>) => api(server, token, 'PATCH', `/api/watchdog/job-leases/${job}`, body);

  it('worker-runs: upsert by id answers 201 when new, 200 when updated', async () => {
    const job = uniqueJob('ep-run');
    const run = { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'build', status: 'ok', started_at: inPast(60) };
    const created = await api(server, worker, 'POST', '/api/watchdog/worker-runs', run);
    expect(created.status).toBe(201);
    expect(created.body.run).toMatchObject({ id: run.id, worker_id: 'w-1', job_id: job, phase: 'build', status: 'ok', ended_at: null });
    const ended = new Date().toISOString();
    const updated = await api(server, worker, 'POST', '/api/watchdog/worker-runs', { ...run, status: 'failed', ended_at: ended });
    expect(updated.status).toBe(200);
    expect(updated.body.run).toMatchObject({ id: run.id, status: 'failed', ended_at: ended, created_at: created.body.run.created_at });
    // the system may report for any worker; a run never changes worker
    const bySystem = await api(server, system, 'POST', '/api/watchdog/worker-runs', { ...run, id: randomUUID(), worker_id: 'w-9' });
    expect(bySystem.status).toBe(201);
    const steal = await api(server, system, 'POST', '/api/watchdog/worker-runs', { ...run, worker_id: 'w-9' });
    expect(steal.status).toBe(403);
  });

  it('job-leases: token 1 for a new job, renewal keeps it, +1 on each new acquisition, conflicts and stale tokens refused', async () => {
    const job = uniqueJob('ep-lease');
    const first = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    expect(first.status).toBe(200);
    expect(first.body.lease).toMatchObject({ job_id: job, worker_id: 'w-1', fencing_token: 1, state: 'active', risk_level: 'normal' });
    expect(first.body.directives).toEqual([]);

    const renewed = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(1200), fencing_token: 1 });
    expect(renewed.body.lease.fencing_token).toBe(1);
    expect(Date.parse(renewed.body.lease.last_heartbeat_at)).toBeGreaterThanOrEqual(Date.parse(first.body.lease.last_heartbeat_at));
    expect(renewed.body.lease.lease_expires_at).not.toBe(first.body.lease.lease_expires_at);

    const conflict = await lease(worker2, job, { worker_id: 'w-2', lease_expires_at: inFuture(900) });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('lease_conflict');

    // w-1 lets it run out (an expiry in the past), so w-2 acquires it with the next token
    await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inPast(1), fencing_token: 1 });
    const taken = await lease(worker2, job, { worker_id: 'w-2', lease_expires_at: inFuture(900) });
    expect(taken.status).toBe(200);
    expect(taken.body.lease).toMatchObject({ worker_id: 'w-2', fencing_token: 2, state: 'active' });
    const stale = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900), fencing_token: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_fencing_token');

    // a supervisor release bumps the token; the next acquisition gets the one after
    const release = await api(server, supervisor, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'test', action: 'release', authority: 'supervisor' });
    expect(release.status).toBe(201);
    const afterRelease = await api(server, system, 'GET', `/api/watchdog/job-leases/${job}`);
    expect(afterRelease.body.lease).toMatchObject({ state: 'released', fencing_token: 3 });
    const again = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    expect(again.body.lease).toMatchObject({ worker_id: 'w-1', fencing_token: 4, state: 'active' });

    // GET: the holder and any other role read it; another worker may not
    expect((await api(server, worker, 'GET', `/api/watchdog/job-leases/${job}`)).body.lease.fencing_token).toBe(4);
    expect((await api(server, supervisor, 'GET', `/api/watchdog/job-leases/${job}`)).status).toBe(200);
    expect((await api(server, worker2, 'GET', `/api/watchdog/job-leases/${job}`)).status).toBe(403);
  });

  it('job-leases: directives ask for a heartbeat near expiry and tell the holder a release awaits a supervisor', async () => {
    const job = uniqueJob('ep-dir');
    const near = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(60) });
    expect(near.body.lease.risk_level).toBe('near_expiry');
    expect(near.body.directives).toEqual([expect.objectContaining({ action: 'heartbeat', reason: expect.any(String) })]);
    const request = await api(server, worker, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'worker' });
    expect(request.body.action.result).toBe('pending');
    const renewed = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900), fencing_token: 1 });
    expect(renewed.body.lease.risk_level).toBe('normal');
    expect(renewed.body.directives.map((d: { action: string }) => d.action)).toEqual(['await_supervisor']);
  });

  it('helper-events: sha256 checked (422), replay answers 200 with the stored event, another body 409', async () => {
    const job = uniqueJob('ep-ev');
    await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const event = helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed', error_code: 'INTERNAL_ERROR' });
    const mismatch = await api(server, worker, 'POST', '/api/watchdog/helper-events', { ...event, output_hash: hashOutput('something else') });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('output_hash_mismatch');

    const created = await api(server, worker, 'POST', '/api/watchdog/helper-events', event);
    expect(created.status).toBe(201);
    expect(created.body.event).toMatchObject({ id: event.id, job_id: job, worker_id: 'w-1', output_hash: event.output_hash, exit_code: 1 });
    expect(created.body.classification).toMatchObject({ signal: 'fetch_failed', rule_version: expect.any(Number) });
    expect(created.body.classification.suggested_actions.length).toBeGreaterThan(0);
    for (const a of created.body.classification.suggested_actions) expect(a).toMatchObject({ action: expect.any(String), authority: expect.any(String) });
    expect(created.body.incident_id).toEqual(expect.any(String));

    const replay = await api(server, worker, 'POST', '/api/watchdog/helper-events', event);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(created.body);

    const other = await api(server, worker, 'POST', '/api/watchdog/helper-events', { ...event, exit_code: 2 });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_conflict');

    const healthy = await api(server, system, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, phase: 'build', command: 'make' }));
    expect(healthy.status).toBe(201);
    expect(healthy.body.classification.signal).toBeNull();
    expect(healthy.body.incident_id).toBeNull();
  });

  it('helper-events/batch: each event judged alone, 1..500', async () => {
    const job = uniqueJob('ep-batch');
    const stored = helperEvent({ job_id: job, output: 'stored before' });
    expect((await api(server, worker, 'POST', '/api/watchdog/helper-events', stored)).status).toBe(201);
    const good = helperEvent({ job_id: job });
    const invalid = { ...helperEvent({ job_id: job }), exit_code: 'nope' };
    const mismatch = { ...helperEvent({ job_id: job, output: 'a' }), output_hash: hashOutput('b') };
    const conflicting = { ...stored, exit_code: 7 };
    const nul = helperEvent({ job_id: job, command: 'pls\u0000context' });
    const other = helperEvent({ job_id: job, worker_id: 'w-2' });
    const r = await api(server, worker, 'POST', '/api/watchdog/helper-events/batch', { events: [good, invalid, mismatch, stored, conflicting, nul, other, 42] });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { id: string | null; status: number; error?: { code: string } }) => [x.id, x.status, x.error?.code ?? null])).toEqual([
      [good.id, 201, null],
      [invalid.id, 400, 'validation_failed'],
      [mismatch.id, 422, 'output_hash_mismatch'],
      [stored.id, 200, null],
      [stored.id, 409, 'idempotency_conflict'],
      [nul.id, 400, 'validation_failed'],
      [other.id, 403, 'forbidden'],
      [null, 400, 'validation_failed'],
    ]);
    expect(r.body.results[1].error.details.map((d: { path: string }) => d.path)).toEqual(['exit_code']);
    const timeline = await api(server, system, 'GET', `/api/watchdog/jobs/${job}`);
    expect(timeline.body.events.map((e: { id: string }) => e.id).sort()).toEqual([stored.id, good.id].sort());

    for (const events of [[], Array.from({ length: 501 }, () => helperEvent({ job_id: job }))]) {
      const bad = await api(server, worker, 'POST', '/api/watchdog/helper-events/batch', { events });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'events' })] });
    }
    const full = await api(server, system, 'POST', '/api/watchdog/helper-events/batch', { events: Array.from({ length: 500 }, () => helperEvent({ job_id: job, output: 'ok' })) });
    expect(full.status).toBe(200);
    expect(full.body.results).toHaveLength(500);
    expect(full.body.results.every((x: { status: number }) => x.status === 201)).toBe(true);
  });

  it("repair-actions: authority must be the caller's role; release/reclaim from worker or system become pending; GET ?status=pending", async () => {
    const job = uniqueJob('ep-ra');
    await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const post = (token: string, body: Record<string, unknown>) => api(server, token, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'test', ...body });

    for (const [token, authority] of [
      [worker, 'system'],
      [system, 'supervisor'],
      [system, 'worker'],
      [supervisor, 'system'],
    ] as const) {
      const r = await post(token, { action: 'touch', authority });
      expect({ authority, status: r.status, code: r.body.error?.code }).toEqual({ authority, status: 403, code: 'forbidden' });
    }

    const suggestion = await post(worker, { action: 'touch', authority: 'worker' });
    expect(suggestion.status).toBe(201);
    expect(suggestion.body.action).toMatchObject({ action: 'touch', authority: 'worker', suggestion: true });
    const executed = await post(system, { action: 'retry', authority: 'system', result: 'success' });
    expect(executed.body.action).toMatchObject({ authority: 'system', result: 'success', suggestion: false });

    const release = await post(worker, { action: 'release', authority: 'worker', result: 'success' });
    expect(release.status).toBe(201);
    expect(release.body.action).toMatchObject({ action: 'release', result: 'pending', decision: null });
    const reclaim = await post(system, { action: 'reclaim', authority: 'system' });
    expect(reclaim.body.action).toMatchObject({ action: 'reclaim', result: 'pending' });
    // still held: a pending request changes nothing yet
    expect((await api(server, worker, 'GET', `/api/watchdog/job-leases/${job}`)).body.lease).toMatchObject({ state: 'active', fencing_token: 1 });

    const pending = await api(server, supervisor, 'GET', `/api/watchdog/repair-actions?status=pending&job_id=${job}`);
    expect(pending.status).toBe(200);
    expect(pending.body.actions.map((a: { id: string }) => a.id).sort()).toEqual([release.body.action.id, reclaim.body.action.id].sort());
    const all = await api(server, system, 'GET', `/api/watchdog/repair-actions?status=all&job_id=${job}`);
    expect(all.body.actions).toHaveLength(4);

    const decided = await api(server, supervisor, 'POST', `/api/watchdog/repair-actions/${reclaim.body.action.id}/decision`, { decision: 'approve', note: 'worker is gone' });
    expect(decided.status).toBe(200);
    expect(decided.body.action).toMatchObject({ decision: 'approve', result: 'success', decided_by: 'supervisor:test-supervisor' });
    expect(decided.body.lease).toMatchObject({ state: 'released', fencing_token: 2, ready_for_reclaim: true });
    const stale = await api(server, worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: 1 });
    expect(stale.body.error.code).toBe('stale_fencing_token');
  });

  it('artifact-checks and complete: the gate opens only after a passing check, and complete is repeatable', async () => {
    const job = uniqueJob('ep-gate');
    const held = await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const token = held.body.lease.fencing_token;
    const refused = await api(server, worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token });
    expect(refused.body.error.code).toBe('artifact_gate_failed');
    const failing = await api(server, worker, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${server.url}/api/does-not-exist` });
    expect(failing.status).toBe(201);
    expect(failing.body.check).toMatchObject({ job_id: job, http_status: 404, passed: false, failure_reason: expect.any(String) });
    const check = await api(server, worker, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${server.url}/api/health`, files: [{ name: 'out.zip' }], expected_file_count: 1 });
    expect(check.body.check).toMatchObject({ http_status: 200, file_count: 1, expected_file_count: 1, passed: true, failure_reason: null });
    const done = await api(server, worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token, output_hash: hashOutput('built') });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ completed: true, artifact_check_id: check.body.check.id });
    const again = await api(server, worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token });
    expect(again.status).toBe(200);
    expect((await api(server, worker, 'GET', `/api/watchdog/job-leases/${job}`)).body.lease.state).toBe('completed');
  });

  it('GET jobs/:job_id: the whole evidence timeline', async () => {
    const job = uniqueJob('ep-tl');
    await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const run = { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'claim', status: 'ok', started_at: inPast(30) };
    await api(server, worker, 'POST', '/api/watchdog/worker-runs', run);
    const event = helperEvent({ job_id: job, phase: 'upload', exit_code: 1, output: 'TypeError: fetch failed' });
    await api(server, worker, 'POST', '/api/watchdog/helper-events', event);
    await api(server, system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'fetch_failed', action: 'touch', authority: 'system', evidence_event_ids: [event.id] });
    await api(server, worker, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${server.url}/api/health`, files: [{ name: 'out.zip' }] });

    const t = await api(server, worker, 'GET', `/api/watchdog/jobs/${job}`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ job_id: job, lease: { job_id: job, worker_id: 'w-1', fencing_token: 1 } });
    expect(t.body.runs.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expect(t.body.events.map((e: { id: string }) => e.id)).toEqual([event.id]);
    expect(t.body.actions).toEqual([expect.objectContaining({ action: 'touch', evidence_event_ids: [event.id], output_hash: event.output_hash })]);
    expect(t.body.checks).toEqual([expect.objectContaining({ passed: true })]);
    expect(t.body.incidents).toEqual([expect.objectContaining({ signal: 'fetch_failed', job_id: job })]);
    expect((await api(server, worker2, 'GET', `/api/watchdog/jobs/${job}`)).status).toBe(403);
  });

  it("audit: GET ?job_id keeps one job's entries, pages with the cursor, and verify checks the chain", async () => {
    const job = uniqueJob('ep-audit');
    await lease(worker, job, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    for (const action of ['retry', 'retry'] as const) {
      const r = await api(server, system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'fetch_failed', action, authority: 'system', output_hash: hashOutput('x') });
      expect(r.status).toBe(201);
    }
    const page1 = await api(server, supervisor, 'GET', `/api/watchdog/audit?job_id=${job}&limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.entries).toHaveLength(1);
    expect(page1.body.entries[0]).toMatchObject({ job_id: job, action: 'repair.retry', output_hash: hashOutput('x') });
    const page2 = await api(server, supervisor, 'GET', `/api/watchdog/audit?job_id=${job}&limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.entries).toEqual([expect.objectContaining({ job_id: job })]);
    expect(page2.body.entries[0].id).toBeLessThan(page1.body.entries[0].id);
    expect(page2.body.entries[0].action).toBe('repair.retry');
    // the lease acquisition is the job's first entry: the pages end after it
    const page3 = await api(server, supervisor, 'GET', `/api/watchdog/audit?job_id=${job}&limit=5&cursor=${page2.body.next_cursor}`);
    expect(page3.body.entries.map((e: { action: string }) => e.action)).toEqual(['lease.acquire']);
    expect(page3.body.next_cursor).toBeNull();
    const verify = await api(server, owner, 'GET', '/api/watchdog/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, checked: expect.any(Number) });
  });

  it('rules: v1 of a new database holds the nine default signals; an owner PUT makes a new version', async () => {
    const versions = await api(server, worker, 'GET', '/api/watchdog/rules/versions');
    const v1 = versions.body.versions.find((v: { version: number }) => v.version === 1);
    expect(v1.rules.map((r: { signal: string }) => r.signal).sort()).toEqual(
      ['artifact_gate_fail', 'claim_no_output', 'fetch_failed', 'lease_expired', 'lease_near_expiry', 'queue_stuck', 'no_progress', 'loop_detected', 'worker_silent'].sort(),
    );
    const byS = Object.fromEntries(v1.rules.map((r: { signal: string; params: unknown }) => [r.signal, r.params]));
    expect(byS).toMatchObject({
      claim_no_output: { timeout_s: 30, max_retries: 1 },
      fetch_failed: { retry_delay_s: 3, max_retries: 1 },
      lease_near_expiry: { within_s: 180 },
      lease_expired: { grace_s: 0 },
      queue_stuck: { grace_s: 300 },
      artifact_gate_fail: { expected_status: 200, min_files: 1 },
    });
    for (const r of v1.rules) expect(r).toMatchObject({ threshold: expect.any(Number), auto_repair: expect.any(String), escalate: expect.any(String) });

    const current = await api(server, supervisor, 'GET', '/api/watchdog/rules');
    expect(current.body).toMatchObject({ version: expect.any(Number), updated_at: expect.any(String), updated_by: expect.any(String) });
    // the same rules again: 200 with the version in force, and no new version (API.md part 2)
    const same = await api(server, owner, 'PUT', '/api/watchdog/rules', { rules: current.body.rules, note: 'endpoint test: same rules' });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(current.body.version);
    // a real change (a threshold no other test on this server depends on): a new version
    const put = await api(server, owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'no_progress', threshold: 1200, params: { quiet_s: 1200 } }], note: 'endpoint test' });
    expect(put.status).toBe(200);
    expect(put.body.version).toBeGreaterThan(current.body.version);
    expect(put.body.updated_by).toBe('owner:test-owner');
    expect((await api(server, system, 'GET', '/api/watchdog/rules')).body.version).toBeGreaterThanOrEqual(put.body.version);
    const outOfRange = await api(server, owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'claim_no_output', threshold: 0 }] });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error.details[0].path).toBe('rules.0.threshold');
  });

  it('tokens: created with a wdt_ secret shown once, listed without secrets, revoked → 401 at once', async () => {
    const created = await api(server, owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: 'w-tok', name: 'endpoint-test' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['id', 'token']);
    expect(created.body.token).toMatch(/^wdt_[A-Za-z0-9_-]{40,}$/);
    const secret: string = created.body.token;

    const list = await api(server, owner, 'GET', '/api/watchdog/tokens');
    const row = list.body.tokens.find((t: { id: string }) => t.id === created.body.id);
    expect(row).toMatchObject({ role: 'worker', worker_id: 'w-tok', name: 'endpoint-test', revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(12));
    expect(row).not.toHaveProperty('token');
    expect(row).not.toHaveProperty('token_hash');

    const use = await api(server, secret, 'POST', '/api/watchdog/worker-runs', {
      id: randomUUID(),
      worker_id: 'w-tok',
      job_id: uniqueJob('tok'),
      phase: 'doctor',
      status: 'ok',
      started_at: inPast(1),
    });
    expect(use.status).toBe(201);
    const revoked = await api(server, owner, 'DELETE', `/api/watchdog/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.token.revoked_at).toEqual(expect.any(String));
    const after = await api(server, secret, 'GET', '/api/watchdog/rules');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');

    for (const body of [
      { role: 'worker', name: 'no worker id' },
      { role: 'system', worker_id: 'w-1', name: 'system with worker id' },
      { role: 'root', name: 'x' },
    ]) {
      const bad = await api(server, owner, 'POST', '/api/watchdog/tokens', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
    const names = (await api(server, owner, 'GET', '/api/watchdog/tokens')).body.tokens.map((t: { name: string }) => t.name);
    expect(names).not.toContain('no worker id');
    expect(names).not.toContain('system with worker id');
  });
});
