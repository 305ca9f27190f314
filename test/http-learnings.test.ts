import { describe, expect, it } from 'vitest';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

const FETCH_500 = 'HTTP 500 Internal Server Error from queue';

describe.each(testServers())('learning memory over HTTP on $name', (server) => {
  const { worker, worker2, system, supervisor, owner } = server.tokens;
  const lease = (token: string, job: string, workerId: string) => api(server, token, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: workerId, lease_expires_at: inFuture(900) });
  const fail = (job: string, over: Record<string, unknown> = {}) => api(server, worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: FETCH_500, ...over }));

  it('a resolved incident leaves a system learning in sentences: signal, repairs tried and their results, what resolved it, time to recover', async () => {
    const job = uniqueJob('learn-sys');
    expect((await lease(worker, job, 'w-1')).status).toBe(200);
    const failed = await fail(job);
    expect(failed.status).toBe(201);
    expect(failed.body.classification.signal).toBe('fetch_failed');
    const incidentId = failed.body.incident_id;
    expect(incidentId).toBeTruthy();
    const retry = await api(server, system, 'POST', '/api/watchdog/repair-actions', {
      job_id: job,
      trigger: 'fetch_failed',
      action: 'retry',
      authority: 'system',
      result: 'success',
      evidence_event_ids: [failed.body.event.id],
    });
    expect(retry.status).toBe(201);
    // nothing learned while the incident is open
    expect((await api(server, supervisor, 'GET', `/api/watchdog/learnings?job_id=${job}`)).body.learnings).toEqual([]);
    // the healthy retry resolves it (the single-statement fast path)
    const healthy = await api(server, worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job }));
    expect(healthy.status).toBe(201);
    expect(healthy.body.learnings).toBeUndefined();

    const list = await api(server, supervisor, 'GET', `/api/watchdog/learnings?job_id=${job}`);
    expect(list.status).toBe(200);
    expect(list.body.learnings).toHaveLength(1);
    const l = list.body.learnings[0];
    expect(l).toMatchObject({ job_id: job, incident_id: incidentId, worker_id: 'w-1', signal: 'fetch_failed', source: 'system', created_by: 'system' });
    const text = l.learned.join('\n');
    expect(text).toMatch(/failed \(HTTP 500/);
    expect(text).toMatch(/context phase/);
    expect(text).toMatch(/retry by system:test-system \(success\)/);
    expect(text).toMatch(/What resolved it: recovered: healthy context event/);
    expect(text).toMatch(/resolved \d+ s after it/);
    expect(text).not.toMatch(/[{}]/);
    expect(l.next_worker_should_check.join(' ')).toMatch(/One retry of the context step was enough/);
    expect(l.assumptions_to_test[0]).toMatch(/recover with one retry\. Here it held/);
  });

  it('people add learnings (supervisor, owner; audited); workers may not (403); bad input is 400/404 and stores nothing', async () => {
    const job = uniqueJob('learn-person');
    await lease(worker, job, 'w-1');
    const body = { job_id: job, signal: 'fetch_failed', learned: ['The queue 500s after deploys.'], next_worker_should_check: ['Check the deploy status first.'] };
    const created = await api(server, supervisor, 'POST', '/api/watchdog/learnings', body);
    expect(created.status).toBe(201);
    expect(created.body.learning).toMatchObject({
      job_id: job,
      worker_id: 'w-1',
      signal: 'fetch_failed',
      source: 'person',
      created_by: 'supervisor:test-supervisor',
      learned: body.learned,
      next_worker_should_check: body.next_worker_should_check,
      assumptions_to_test: [],
    });
    const audit = await api(server, owner, 'GET', '/api/watchdog/audit?limit=500');
    const entry = audit.body.entries.find((e: { action: string; target: string }) => e.action === 'learning.create' && e.target === created.body.learning.id);
    expect(entry).toMatchObject({ actor: 'supervisor:test-supervisor', job_id: job, details: expect.objectContaining({ signal: 'fetch_failed' }) });
    expect((await api(server, owner, 'POST', '/api/watchdog/learnings', { learned: ['job-less note'] })).status).toBe(201);

    const refused = await api(server, worker, 'POST', '/api/watchdog/learnings', body);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await api(server, system, 'POST', '/api/watchdog/learnings', body)).status).toBe(403);

    const bad: [unknown, number, string][] = [
      [{ ...body, learned: [] }, 400, 'validation_failed'],
      [{ ...body, learned: ['   '] }, 400, 'validation_failed'],
      [{ ...body, learned: ['x'.repeat(501)] }, 400, 'validation_failed'],
      [{ ...body, next_worker_should_check: Array.from({ length: 21 }, (_, i) => `check ${i}`) }, 400, 'validation_failed'],
      [{ ...body, signal: 'not_a_signal' }, 400, 'validation_failed'],
      [{ ...body, job_id: uniqueJob('never-seen') }, 404, 'not_found'],
      [{ ...body, incident_id: '00000000-0000-4000-8000-000000000000' }, 404, 'not_found'],
    ];
    for (const [b, status, code] of bad) {
      const r = await api(server, supervisor, 'POST', '/api/watchdog/learnings', b);
      expect(r.status, JSON.stringify(b).slice(0, 80)).toBe(status);
      expect(r.body.error.code).toBe(code);
    }
    const mine = await api(server, supervisor, 'GET', `/api/watchdog/learnings?job_id=${job}`);
    expect(mine.body.learnings.map((x: { id: string }) => x.id)).toEqual([created.body.learning.id]);
  });

  it('an incident gives the learning its job and signal; a mismatching signal is 400', async () => {
    const job = uniqueJob('learn-inc');
    await lease(worker, job, 'w-1');
    const failed = await fail(job);
    const incidentId = failed.body.incident_id;
    const wrong = await api(server, owner, 'POST', '/api/watchdog/learnings', { incident_id: incidentId, signal: 'queue_stuck', learned: ['x'] });
    expect(wrong.status).toBe(400);
    const ok = await api(server, owner, 'POST', '/api/watchdog/learnings', { incident_id: incidentId, learned: ['seen during the outage'] });
    expect(ok.status).toBe(201);
    expect(ok.body.learning).toMatchObject({ incident_id: incidentId, job_id: job, signal: 'fetch_failed' });
  });

  it('GET: newest first with a cursor; filters by signal, job and worker; a worker sees its own jobs and job-less ones', async () => {
    const mineJob = uniqueJob('learn-w1');
    const otherJob = uniqueJob('learn-w2');
    await lease(worker, mineJob, 'w-1');
    await lease(worker2, otherJob, 'w-2');
    const ids: string[] = [];
    for (const [job, n] of [
      [mineJob, 1],
      [mineJob, 2],
      [otherJob, 3],
    ] as const) {
      const r = await api(server, supervisor, 'POST', '/api/watchdog/learnings', { job_id: job, signal: 'claim_no_output', learned: [`note ${n}`] });
      ids.push(r.body.learning.id);
    }
    const page1 = await api(server, owner, 'GET', `/api/watchdog/learnings?job_id=${mineJob}&limit=1`);
    expect(page1.body.learnings.map((l: { id: string }) => l.id)).toEqual([ids[1]]);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await api(server, owner, 'GET', `/api/watchdog/learnings?job_id=${mineJob}&limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    expect(page2.body.learnings.map((l: { id: string }) => l.id)).toEqual([ids[0]]);
    expect(page2.body.next_cursor).toBeNull();

    const byWorker = await api(server, supervisor, 'GET', '/api/watchdog/learnings?worker_id=w-2&signal=claim_no_output&limit=200');
    expect(byWorker.body.learnings.map((l: { id: string }) => l.id)).toContain(ids[2]);
    expect(byWorker.body.learnings.every((l: { worker_id: string; signal: string }) => l.worker_id === 'w-2' && l.signal === 'claim_no_output')).toBe(true);

    const asWorker = await api(server, worker, 'GET', '/api/watchdog/learnings?limit=200');
    expect(asWorker.status).toBe(200);
    const seen = asWorker.body.learnings as { id: string; job_id: string | null; worker_id: string | null }[];
    expect(seen.map((l) => l.id)).toEqual(expect.arrayContaining([ids[0], ids[1]]));
    expect(seen.map((l) => l.id)).not.toContain(ids[2]);
    expect(seen.every((l) => l.job_id === null || l.worker_id === 'w-1')).toBe(true);
    expect((await api(server, worker, 'GET', `/api/watchdog/learnings?job_id=${otherJob}`)).body.learnings).toEqual([]);

    expect((await api(server, owner, 'GET', '/api/watchdog/learnings?limit=0')).status).toBe(400);
    expect((await api(server, owner, 'GET', '/api/watchdog/learnings?cursor=nope')).status).toBe(400);
    expect((await api(server, null, 'GET', '/api/watchdog/learnings')).status).toBe(401);
  });

  it('a classified helper event answers with the three newest learnings of its signal that say what to check; healthy events carry none', async () => {
    const job = uniqueJob('learn-back');
    await lease(worker, job, 'w-1');
    const noCheck = await api(server, supervisor, 'POST', '/api/watchdog/learnings', { signal: 'fetch_failed', learned: ['no advice here'] });
    const withChecks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await api(server, supervisor, 'POST', '/api/watchdog/learnings', { signal: 'fetch_failed', learned: [`lesson ${i}`], next_worker_should_check: [`check ${i}`] });
      withChecks.push(r.body.learning.id);
    }
    const failed = await fail(job);
    expect(failed.status).toBe(201);
    type Answered = { id: string; signal: string; next_worker_should_check: string[]; created_at: string };
    const got = failed.body.learnings as Answered[];
    expect(got).toHaveLength(3);
    // the console is shared with the other test files, whose resolved incidents write fetch_failed learnings
    // of their own: the answer is the three newest with checks in the store when the event was judged
    const stored = (await api(server, supervisor, 'GET', '/api/watchdog/learnings?signal=fetch_failed&limit=200')).body.learnings as Answered[];
    const newestAt = Date.parse(got[0].created_at);
    const expected = stored.filter((l) => l.next_worker_should_check.length > 0 && Date.parse(l.created_at) <= newestAt).slice(0, 3);
    expect(got.map((l) => l.id)).toEqual(expected.map((l) => l.id));
    // ours among them come newest first, and the newest of ours is always there (no other test adds three in between)
    const ours = got.map((l) => l.id).filter((id) => withChecks.includes(id));
    expect(ours).toEqual(withChecks.filter((id) => ours.includes(id)).reverse());
    expect(ours[0]).toBe(withChecks[3]);
    expect(got.map((l) => l.id)).not.toContain(noCheck.body.learning.id);
    expect(got.every((l) => l.signal === 'fetch_failed' && l.next_worker_should_check.length > 0)).toBe(true);

    const batch = await api(server, worker, 'POST', '/api/watchdog/helper-events/batch', {
      events: [helperEvent({ job_id: job, exit_code: 1, output: FETCH_500, phase: 'progress', command: 'pls progress' }), helperEvent({ job_id: job, phase: 'build', command: 'make' })],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results[0].learnings.map((l: { id: string }) => l.id)).toEqual([withChecks[3], withChecks[2], withChecks[1]]);
    expect(batch.body.results[1].learnings).toBeUndefined();
  });
});

describe.each(testServers())('learning memory through the on-call resolve on $name', (server) => {
  const { worker, supervisor } = server.tokens;

  it('a person resolving writes the system learning and, with the three lists, their own; a bad list is 400 and resolves nothing', async () => {
    const job = uniqueJob('learn-resolve');
    expect((await api(server, worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) })).status).toBe(200);
    const failed = await api(server, worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: FETCH_500 }));
    const incidentId = failed.body.incident_id as string;
    expect(incidentId).toBeTruthy();

    // next_worker_should_check without learned: 400 naming learned, the incident stays open
    const bad = await api(server, supervisor, 'POST', `/api/watchdog/incidents/${incidentId}/resolve`, { note: 'queue redeployed', next_worker_should_check: ['check the deploy'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(bad.body.error)).toContain('learned');
    const tooLong = await api(server, supervisor, 'POST', `/api/watchdog/incidents/${incidentId}/resolve`, { note: 'x', learned: ['y'.repeat(501)] });
    expect(tooLong.status).toBe(400);
    expect((await api(server, supervisor, 'GET', `/api/watchdog/incidents/${incidentId}`)).body.incident.status).toBe('open');
    expect((await api(server, supervisor, 'GET', `/api/watchdog/learnings?job_id=${job}`)).body.learnings).toEqual([]);

    const ok = await api(server, supervisor, 'POST', `/api/watchdog/incidents/${incidentId}/resolve`, {
      note: 'queue redeployed',
      learned: ['The queue was mid-deploy.'],
      next_worker_should_check: ['Check the deploy status before retrying context.'],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.incident.status).toBe('resolved');
    const list = (await api(server, supervisor, 'GET', `/api/watchdog/learnings?job_id=${job}`)).body.learnings as { source: string; incident_id: string; learned: string[]; created_by: string }[];
    expect(list.map((l) => l.source).sort()).toEqual(['person', 'system']);
    expect(list.every((l) => l.incident_id === incidentId)).toBe(true);
    const system = list.find((l) => l.source === 'system')!;
    expect(system.learned.join(' ')).toMatch(/What resolved it: queue redeployed/);
    const person = list.find((l) => l.source === 'person')!;
    expect(person.learned).toEqual(['The queue was mid-deploy.']);
    expect(person.created_by).toMatch(/supervisor/);
  });
});
