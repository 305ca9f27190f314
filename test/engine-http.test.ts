import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOutput } from '@/lib/watchdog/hash';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** A local artifact host for the server's own checks (the test servers allow private hosts). */
let artifacts: http.Server;
let artifactBase = '';
beforeAll(async () => {
  artifacts = http.createServer((req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: '/build.zip' });
    else res.writeHead(req.url === '/build.zip' || req.url === '/a.txt' ? 200 : 404);
    res.end();
  });
  await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', () => r()));
  artifactBase = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => artifacts?.close(r));
});

describe.each(testServers())('engine over HTTP on $name', (server) => {
  const t = server.tokens;
  const lease = (job: string, token = t.worker, worker = 'w-1', expires = inFuture(900), fencing_token?: number) =>
    api(server, token, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: worker, lease_expires_at: expires, ...(fencing_token !== undefined ? { fencing_token } : {}) });
  const event = (body: Record<string, unknown>, token = t.worker) => api(server, token, 'POST', '/api/watchdog/helper-events', body);
  const incidentsOf = async (job: string, status = 'all') =>
    (await api(server, t.supervisor, 'GET', `/api/watchdog/incidents?status=${status}&job_id=${job}`)).body.incidents as {
      id: string;
      signal: string;
      status: string;
      evidence_event_ids: string[];
      resolved_at: string | null;
    }[];

  describe('classification', () => {
    it('fetch failed → touch + retry(3 s); the second failure escalates needs_human; healthy → null', async () => {
      const job = uniqueJob('h-fetch');
      const first = await event(helperEvent({ job_id: job, exit_code: 1, output: '{"error":{"code":"INTERNAL_ERROR"}}' }));
      expect(first.status).toBe(201);
      expect(first.body.classification).toEqual({
        signal: 'fetch_failed',
        rule_version: expect.any(Number),
        suggested_actions: [
          { action: 'touch', authority: 'system' },
          { action: 'retry', authority: 'system', delay_s: 3 },
        ],
      });
      const second = await event(helperEvent({ job_id: job, exit_code: 1, output: 'HTTP/1.1 500 Internal Server Error' }));
      expect(second.body.classification.suggested_actions).toEqual([{ action: 'notify_owner', authority: 'system', escalation: 'needs_human' }]);
      expect(second.body.incident_id).toBe(first.body.incident_id);
      const trap = await event(helperEvent({ job_id: job, command: `pls upload-files ${job}`, phase: 'upload', output: 'uploaded 500 files' }));
      expect(trap.body).toMatchObject({ classification: { signal: null, suggested_actions: [] }, incident_id: null });
      const healthy = await event(helperEvent({ job_id: job }));
      expect(healthy.body.classification.signal).toBeNull();
      const [inc] = await incidentsOf(job);
      expect(inc).toMatchObject({ signal: 'fetch_failed', status: 'resolved' });
      expect(inc.evidence_event_ids).toEqual([first.body.event.id, second.body.event.id]);
      const timeline = await api(server, t.supervisor, 'GET', `/api/watchdog/jobs/${job}`);
      expect(timeline.body.actions.map((a: { action: string; result: string }) => `${a.action}:${a.result}`)).toEqual(['notify_owner:needs_human']);
    });

    it('silent claim → touch + retry, then notify_owner', async () => {
      const job = uniqueJob('h-claim');
      const claim = () => helperEvent({ job_id: job, command: 'pls claim', phase: 'claim', exit_code: 137, output: '', error_code: 'NO_OUTPUT_TIMEOUT', duration_ms: 30_000 });
      const a = await event(claim());
      expect(a.body.classification).toMatchObject({ signal: 'claim_no_output', suggested_actions: [{ action: 'touch' }, { action: 'retry' }] });
      expect(a.body.classification.suggested_actions[1].delay_s).toBeUndefined();
      const b = await event(claim());
      expect(b.body.classification.suggested_actions).toEqual([{ action: 'notify_owner', authority: 'system', escalation: 'notify_owner' }]);
    });

    it('bad input: 422 hash mismatch, 400 validation, 409 idempotency conflict — nothing stored', async () => {
      const job = uniqueJob('h-bad');
      const e = helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' });
      const mismatch = await event({ ...e, output_hash: hashOutput('other') });
      expect(mismatch.status).toBe(422);
      expect(mismatch.body.error.code).toBe('output_hash_mismatch');
      const invalid = await event({ ...e, exit_code: 'one' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('validation_failed');
      expect((await event(e)).status).toBe(201);
      expect((await event(e)).status).toBe(200);
      const conflict = await event({ ...e, exit_code: 2 });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('idempotency_conflict');
      expect((await incidentsOf(job))[0].evidence_event_ids).toEqual([e.id]);
      const forOther = await event(helperEvent({ job_id: job, worker_id: 'w-2' }));
      expect(forOther.status).toBe(403);
      const nul = await event(helperEvent({ job_id: job, output: 'bytes\u0000from a binary' }));
      expect(nul.status).toBe(201);
      expect(nul.body.event.output).toBe('bytes\uFFFDfrom a binary');
    });

    it('batch: each event on its own', async () => {
      const job = uniqueJob('h-batch');
      const r = await api(server, t.system, 'POST', '/api/watchdog/helper-events/batch', {
        events: [helperEvent({ job_id: job, exit_code: 1, output: 'TypeError: fetch failed' }), { nope: true }, helperEvent({ job_id: job })],
      });
      expect(r.status).toBe(200);
      expect(r.body.results.map((x: { status: number }) => x.status)).toEqual([201, 400, 201]);
    });

    if (server.name === 'postgres') {
      it('concurrent failures of one job over HTTP: one open incident, one retry', async () => {
        const job = uniqueJob('h-conc');
        const answers = await Promise.all(Array.from({ length: 10 }, () => event(helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }))));
        expect(answers.every((a) => a.status === 201)).toBe(true);
        expect(new Set(answers.map((a) => a.body.incident_id)).size).toBe(1);
        expect(answers.filter((a) => a.body.classification.suggested_actions.some((x: { action: string }) => x.action === 'retry'))).toHaveLength(1);
        const incs = await incidentsOf(job);
        expect(incs).toHaveLength(1);
        expect(incs[0].evidence_event_ids).toHaveLength(10);
      });
    }
  });

  describe('sweep', () => {
    it('only system and supervisor may sweep', async () => {
      expect((await api(server, t.worker, 'POST', '/api/watchdog/sweep')).status).toBe(403);
      expect((await api(server, t.owner, 'POST', '/api/watchdog/sweep')).status).toBe(403);
      const r = await api(server, t.supervisor, 'POST', '/api/watchdog/sweep');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ swept_at: expect.any(String), findings: expect.any(Array) });
    });

    it('an expired lease: lease_expired + mark_stuck; > 300 s: queue_stuck + one pending reclaim — never twice', async () => {
      const job = uniqueJob('h-stuck');
      expect((await lease(job, t.worker, 'w-1', ago(400))).status).toBe(200);
      const sweeps = await Promise.all([1, 2, 3, 4].map((i) => api(server, i % 2 ? t.system : t.supervisor, 'POST', '/api/watchdog/sweep')));
      expect(sweeps.every((s) => s.status === 200)).toBe(true);
      // the server's own scheduler may have swept first: judge by what is stored
      const incs = await incidentsOf(job, 'open');
      expect(incs.map((i) => i.signal).sort()).toEqual(['lease_expired', 'queue_stuck']);
      const found = sweeps.flatMap((s) => s.body.findings).filter((f: { job_id: string }) => f.job_id === job);
      expect(found.length).toBeLessThanOrEqual(2);
      const pending = (await api(server, t.supervisor, 'GET', `/api/watchdog/repair-actions?status=pending&job_id=${job}`)).body.actions;
      expect(pending).toHaveLength(1);
      expect(pending[0]).toMatchObject({ action: 'reclaim', result: 'pending', trigger: 'queue_stuck' });
      const got = await api(server, t.worker, 'GET', `/api/watchdog/job-leases/${job}`);
      expect(got.body.lease).toMatchObject({ state: 'expired', risk_level: 'stale' });
      expect(got.body.directives.map((d: { action: string }) => d.action)).toContain('await_supervisor');
      // the holder comes back: a new acquisition (token 2) resolves the incidents and closes the request
      const back = await lease(job, t.worker, 'w-1', inFuture(900), 1);
      expect(back.body.lease).toMatchObject({ fencing_token: 2, state: 'active' });
      expect(await incidentsOf(job, 'open')).toEqual([]);
      expect((await api(server, t.supervisor, 'GET', `/api/watchdog/repair-actions?status=pending&job_id=${job}`)).body.actions).toEqual([]);
    });
  });

  describe('complete gate', () => {
    it('409 artifact_gate_failed without a passing check (recorded), 200 after one, 200 again', async () => {
      const job = uniqueJob('h-gate');
      const l = await lease(job);
      const token = l.body.lease.fencing_token;
      const refused = await api(server, t.worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'artifact_gate_failed', message: expect.any(String) });
      const failedCheck = await api(server, t.worker, 'POST', '/api/watchdog/artifact-checks', {
        job_id: job,
        primary_url: `${artifactBase}/build.zip`,
        files: [{ name: 'gone', url: `${artifactBase}/gone` }],
      });
      expect(failedCheck.status).toBe(201);
      expect(failedCheck.body.check).toMatchObject({ passed: false, file_count: 0, expected_file_count: 1, http_status: 200 });
      expect((await api(server, t.worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token })).status).toBe(409);
      const timeline = await api(server, t.supervisor, 'GET', `/api/watchdog/jobs/${job}`);
      expect(timeline.body.actions.filter((a: { action: string }) => a.action === 'block_complete')).toHaveLength(2);
      expect(timeline.body.incidents.map((i: { signal: string; status: string }) => `${i.signal}:${i.status}`)).toEqual(['artifact_gate_fail:open']);
      const check = await api(server, t.worker, 'POST', '/api/watchdog/artifact-checks', {
        job_id: job,
        primary_url: `${artifactBase}/moved`,
        files: [{ name: 'a.txt', url: `${artifactBase}/a.txt` }],
        expected_file_count: 1,
      });
      expect(check.body.check).toMatchObject({ passed: true, http_status: 200, file_count: 1, failure_reason: null });
      const other = await api(server, t.worker2, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-2', fencing_token: token });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('lease_conflict');
      const done = await api(server, t.worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ completed: true, artifact_check_id: check.body.check.id });
      const again = await api(server, t.worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: token });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(done.body);
      expect((await api(server, t.worker, 'GET', `/api/watchdog/job-leases/${job}`)).body.lease.state).toBe('completed');
      expect(await incidentsOf(job, 'open')).toEqual([]);
    });

    it('a private artifact host is refused when the switch is off is covered by the domain tests; a bad URL is a failed check, not a 500', async () => {
      const job = uniqueJob('h-badurl');
      await lease(job);
      const r = await api(server, t.worker, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: 'ftp://example.com/x', files: [{ name: 'x' }] });
      expect(r.status).toBe(201);
      expect(r.body.check).toMatchObject({ passed: false, http_status: null });
      expect(r.body.check.failure_reason).toMatch(/only http and https/);
    });
  });

  describe('supervisor decisions', () => {
    it('approve release: old holder fenced off, a new worker acquires; second decision already_decided', async () => {
      const job = uniqueJob('h-decide');
      const l = await lease(job);
      const old = l.body.lease.fencing_token;
      const req = await api(server, t.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'system' });
      expect(req.status).toBe(201);
      expect(req.body.action.result).toBe('pending');
      expect((await api(server, t.worker, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'approve' })).status).toBe(403);
      expect((await api(server, t.owner, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'approve' })).status).toBe(403);
      const d = await api(server, t.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'approve', note: 'ok' });
      expect(d.status).toBe(200);
      expect(d.body.action).toMatchObject({ decision: 'approve', result: 'success' });
      expect(d.body.lease).toMatchObject({ state: 'released', fencing_token: old + 1 });
      const twice = await api(server, t.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'reject' });
      expect(twice.status).toBe(409);
      expect(twice.body.error.code).toBe('already_decided');
      const hb = await lease(job, t.worker, 'w-1', inFuture(900), old);
      expect(hb.status).toBe(409);
      expect(hb.body.error.code).toBe('stale_fencing_token');
      const comp = await api(server, t.worker, 'POST', `/api/watchdog/jobs/${job}/complete`, { worker_id: 'w-1', fencing_token: old });
      expect(comp.status).toBe(409);
      expect(comp.body.error.code).toBe('stale_fencing_token');
      const taken = await lease(job, t.worker2, 'w-2');
      expect(taken.status).toBe(200);
      expect(taken.body.lease).toMatchObject({ worker_id: 'w-2', fencing_token: old + 2, state: 'active' });
    });

    it('a decision on an unknown action is 404, also when its id cannot exist', async () => {
      expect((await api(server, t.supervisor, 'POST', `/api/watchdog/repair-actions/${crypto.randomUUID()}/decision`, { decision: 'approve' })).status).toBe(404);
      expect((await api(server, t.supervisor, 'POST', '/api/watchdog/repair-actions/not-a-uuid/decision', { decision: 'approve' })).status).toBe(404);
    });

    if (server.name === 'postgres') {
      it('concurrent decisions: exactly one 200, the rest 409 already_decided', async () => {
        const job = uniqueJob('h-decide-race');
        await lease(job);
        const req = await api(server, t.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'x', action: 'reclaim', authority: 'system' });
        const answers = await Promise.all(
          ['approve', 'reject', 'approve', 'reject'].map((decision) => api(server, t.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision })),
        );
        expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
        expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'already_decided')).toBe(true);
        expect(answers.filter((a) => a.status === 409)).toHaveLength(3);
      });
    }
  });

  describe('rules', () => {
    it('owner PUT makes a new version (audited); others are refused; invalid input changes nothing', async () => {
      const current = (await api(server, t.worker, 'GET', '/api/watchdog/rules')).body;
      const quiet = current.rules.find((r: { signal: string }) => r.signal === 'no_progress');
      const put = await api(server, t.owner, 'PUT', '/api/watchdog/rules', {
        rules: [{ signal: 'no_progress', threshold: quiet.threshold + 60, params: { quiet_s: quiet.threshold + 60 } }],
        note: 'tune',
      });
      expect(put.status).toBe(200);
      expect(put.body.version).toBeGreaterThan(current.version);
      expect(put.body.rules).toHaveLength(9);
      expect((await api(server, t.supervisor, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'lease_near_expiry', threshold: 60 }] })).status).toBe(403);
      const bad = await api(server, t.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'claim_no_output', threshold: 0 }] });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'rules.0.threshold', message: expect.any(String) }] });
      const unknown = await api(server, t.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'solar_flare', threshold: 1 }] });
      expect(unknown.status).toBe(400);
      const after = (await api(server, t.worker, 'GET', '/api/watchdog/rules')).body;
      expect(after.version).toBeGreaterThanOrEqual(put.body.version);
      const audit = await api(server, t.owner, 'GET', '/api/watchdog/audit?limit=200');
      expect(audit.body.entries.some((e: { action: string; target: string }) => e.action === 'rules.update' && e.target === `rules:v${put.body.version}`)).toBe(true);
    });
  });

  describe('audit', () => {
    it('GET /audit pages by cursor and filters by job; verify answers ok; refused calls are audited', async () => {
      const job = uniqueJob('h-audit');
      await lease(job);
      const req = await api(server, t.system, 'POST', '/api/watchdog/repair-actions', { job_id: job, trigger: 'x', action: 'reclaim', authority: 'system' });
      await api(server, t.supervisor, 'POST', `/api/watchdog/repair-actions/${req.body.action.id}/decision`, { decision: 'reject' });
      const byJob = await api(server, t.supervisor, 'GET', `/api/watchdog/audit?job_id=${job}&limit=2`);
      expect(byJob.status).toBe(200);
      expect(byJob.body.entries.map((e: { action: string }) => e.action)).toEqual(['decision.reject', 'repair.reclaim.requested']);
      expect(byJob.body.entries.every((e: { job_id: string }) => e.job_id === job)).toBe(true);
      const rest = await api(server, t.supervisor, 'GET', `/api/watchdog/audit?job_id=${job}&limit=2&cursor=${byJob.body.next_cursor}`);
      expect(rest.body.entries.map((e: { action: string }) => e.action)).toEqual(['lease.acquire']);
      expect(rest.body.next_cursor).toBeNull();
      const denied = await api(server, t.worker, 'GET', '/api/watchdog/audit');
      expect(denied.status).toBe(403);
      const recent = await api(server, t.owner, 'GET', '/api/watchdog/audit?limit=50');
      expect(recent.body.entries.some((e: { action: string; details: { path?: string } }) => e.action === 'access.forbidden' && e.details.path === '/api/watchdog/audit')).toBe(true);
      const verify = await api(server, t.owner, 'GET', '/api/watchdog/audit/verify');
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, checked: expect.any(Number) });
      expect(verify.body.first_bad_id).toBeUndefined();
    });
  });
});
