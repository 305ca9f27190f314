import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

const DOC_ID = 'https://watchdog.invalid/openapi.json';

/** JSON pointer segments → an escaped pointer. */
const pointer = (parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Holds every answer of a server against the OpenAPI document that server serves, with a real
 * JSON Schema 2020-12 validator: the status must be documented for the operation, and a JSON body
 * must match the schema documented for that status.
 */
class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly seen: string[] = [];

  constructor(private readonly doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> }) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
  }

  check(method: string, template: string, res: ApiResponse): void {
    const where = `${method.toUpperCase()} ${template} → ${res.status}`;
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${where}: operation not documented`).toBeTruthy();
    const answer = op!.responses[String(res.status)];
    expect(answer, `${where}: status not documented (${JSON.stringify(res.body).slice(0, 200)})`).toBeTruthy();
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.includes('application/json')) {
      expect(
        Object.keys(answer!.content ?? {}).some((t) => contentType.startsWith(t.split(';')[0])),
        `${where}: ${contentType} not documented`,
      ).toBe(true);
      this.seen.push(where);
      return;
    }
    expect(answer!.content?.['application/json']?.schema, `${where}: no JSON schema documented`).toBeTruthy();
    const ref = `${DOC_ID}#/${pointer(['paths', template, method.toLowerCase(), 'responses', String(res.status), 'content', 'application/json', 'schema'])}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    const ok = validate(res.body);
    expect(ok ? null : { body: JSON.stringify(res.body).slice(0, 600), errors: validate.errors }, where).toBeNull();
    this.seen.push(where);
  }
}

describe.each(testServers())('every answer of a worker flow matches the served OpenAPI document on $name', (server) => {
  const { worker, worker2, system, supervisor, owner } = server.tokens;
  let artifacts: http.Server;
  let artifactUrl = '';
  beforeAll(async () => {
    artifacts = http.createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/ok') ? 200 : 404);
      res.end('artifact');
    });
    await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', r));
    artifactUrl = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => artifacts.close(() => r())));

  it('a worker flow with its errors, a supervisor and an owner: each status documented, each body valid', async () => {
    const served = await api(server, null, 'GET', '/api/openapi.json');
    expect(served.status).toBe(200);
    const contract = new ContractChecker(served.body);
    const call = async (token: string | null, method: string, template: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const res = await api(server, token, method, path, body, headers);
      contract.check(method, template, res);
      return res;
    };
    const job = uniqueJob('oaflow');
    const leasePath = `/api/watchdog/job-leases/${job}`;
    const L = '/api/watchdog/job-leases/{job_id}';
    const E = '/api/watchdog/helper-events';
    const A = '/api/watchdog/repair-actions';

    contract.check('get', '/api/openapi.json', served);
    await call(null, 'GET', '/api/health', '/api/health');
    await call(worker, 'GET', '/api/watchdog/rules', '/api/watchdog/rules');
    // the lease: acquire, renew, conflicts, read
    const lease = await call(worker, 'PATCH', L, leasePath, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    expect(lease.status).toBe(200);
    const token = lease.body.lease.fencing_token as number;
    await call(worker, 'PATCH', L, leasePath, { worker_id: 'w-1', lease_expires_at: inFuture(900), fencing_token: token });
    expect((await call(worker2, 'PATCH', L, leasePath, { worker_id: 'w-2', lease_expires_at: inFuture(900) })).status).toBe(409);
    expect((await call(worker, 'PATCH', L, leasePath, { worker_id: 'w-1', lease_expires_at: inFuture(900), fencing_token: token + 3 })).status).toBe(409);
    await call(worker, 'GET', L, leasePath);
    expect((await call(worker, 'GET', L, `/api/watchdog/job-leases/${uniqueJob('none')}`)).status).toBe(404);
    // runs and events, including the errors
    const run = { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'context', status: 'ok', started_at: new Date().toISOString() };
    expect((await call(worker, 'POST', '/api/watchdog/worker-runs', '/api/watchdog/worker-runs', run)).status).toBe(201);
    expect((await call(worker, 'POST', '/api/watchdog/worker-runs', '/api/watchdog/worker-runs', { ...run, status: 'retried' })).status).toBe(200);
    const healthy = helperEvent({ job_id: job });
    expect((await call(worker, 'POST', E, E, healthy)).status).toBe(201);
    expect((await call(worker, 'POST', E, E, healthy)).status).toBe(200);
    expect((await call(worker, 'POST', E, E, { ...healthy, duration_ms: 7 })).status).toBe(409);
    const failing = helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' });
    expect((await call(worker, 'POST', E, E, failing)).status).toBe(201);
    expect((await call(worker, 'POST', E, E, helperEvent({ job_id: job, command: 'pls claim', phase: 'claim', exit_code: null, output: '', error_code: 'NO_OUTPUT_TIMEOUT' }))).status).toBe(201);
    expect((await call(worker, 'POST', E, E, { ...helperEvent({ job_id: job }), output_hash: `sha256:${'0'.repeat(64)}` })).status).toBe(422);
    expect((await call(worker, 'POST', E, E, '{')).status).toBe(400);
    expect((await call(worker, 'POST', E, E, { id: 'nope' })).status).toBe(400);
    expect((await call(worker, 'POST', E, E, helperEvent({ job_id: job, worker_id: 'w-2' }))).status).toBe(403);
    expect((await call(worker2, 'POST', E, E, helperEvent({ job_id: job, worker_id: 'w-2' }))).status).toBe(403);
    expect((await call(null, 'POST', E, E, helperEvent({ job_id: job }))).status).toBe(401);
    expect((await call(worker, 'POST', E, E, 'x'.repeat(1024 * 1024 + 10))).status).toBe(413);
    const batch = await call(worker, 'POST', `${E}/batch`, `${E}/batch`, { events: [helperEvent({ job_id: job }), { id: 'bad' }, helperEvent({ job_id: job, worker_id: 'w-2' })] });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400, 403]);
    // repairs: the runner's delegated touch, a suggestion, refusals
    expect((await call(worker, 'POST', A, A, { job_id: job, trigger: 'fetch_failed', action: 'touch', authority: 'system', result: 'success', evidence_event_ids: [failing.id] })).status).toBe(201);
    expect((await call(worker, 'POST', A, A, { job_id: job, trigger: 'fetch_failed', action: 'retry', authority: 'worker' })).status).toBe(201);
    expect((await call(worker, 'POST', A, A, { job_id: job, trigger: 'x', action: 'mark_stuck', authority: 'system' })).status).toBe(403);
    const actionId = randomUUID();
    expect((await call(system, 'POST', A, A, { id: actionId, job_id: job, trigger: 'x', action: 'mark_stuck', authority: 'system' })).status).toBe(201);
    expect((await call(system, 'POST', A, A, { id: actionId, job_id: job, trigger: 'y', action: 'mark_stuck', authority: 'system' })).status).toBe(409);
    const reclaim = await call(system, 'POST', A, A, { job_id: job, trigger: 'queue_stuck', action: 'reclaim', authority: 'system' });
    expect(reclaim.status).toBe(201);
    expect((await call(system, 'POST', A, A, { job_id: job, trigger: 'queue_stuck', action: 'reclaim', authority: 'system' })).status).toBe(200);
    await call(supervisor, 'GET', A, `${A}?status=pending&limit=20`);
    expect((await call(supervisor, 'GET', A, `${A}?status=nope`)).status).toBe(400);
    // the gate: a failing check, a refused complete, a passing check, complete, complete again
    const C = '/api/watchdog/artifact-checks';
    expect((await call(worker, 'POST', C, C, { job_id: job, primary_url: `${artifactUrl}/missing` })).body.check.passed).toBe(false);
    const complete = `/api/watchdog/jobs/${job}/complete`;
    const CT = '/api/watchdog/jobs/{job_id}/complete';
    expect((await call(worker, 'POST', CT, complete, { worker_id: 'w-1', fencing_token: token })).status).toBe(409);
    expect((await call(worker, 'POST', C, C, { job_id: job, primary_url: `${artifactUrl}/ok`, files: [{ name: 'out.zip' }] })).body.check.passed).toBe(true);
    expect((await call(worker, 'POST', CT, complete, { worker_id: 'w-1', fencing_token: token - 1 })).status).toBe(409);
    expect((await call(worker, 'POST', CT, complete, { worker_id: 'w-1', fencing_token: token })).status).toBe(200);
    expect((await call(worker, 'POST', CT, complete, { worker_id: 'w-1', fencing_token: token })).status).toBe(200);
    expect((await call(worker, 'POST', CT, `/api/watchdog/jobs/${uniqueJob('none')}/complete`, { worker_id: 'w-1', fencing_token: 1 })).status).toBe(404);
    // after completion: the request is obsolete, a new one job_finished, a decision already_decided
    expect((await call(system, 'POST', A, A, { job_id: job, trigger: 'queue_stuck', action: 'release', authority: 'system' })).status).toBe(409);
    const D = '/api/watchdog/repair-actions/{id}/decision';
    expect((await call(supervisor, 'POST', D, `${A}/${reclaim.body.action.id}/decision`, { decision: 'approve' })).status).toBe(409);
    expect((await call(supervisor, 'POST', D, `${A}/${randomUUID()}/decision`, { decision: 'approve' })).status).toBe(404);
    expect((await call(worker, 'POST', D, `${A}/${randomUUID()}/decision`, { decision: 'approve' })).status).toBe(403);
    // reading it all back
    const J = '/api/watchdog/jobs/{job_id}';
    const story = await call(worker, 'GET', J, `/api/watchdog/jobs/${job}`);
    expect(story.body.actions.find((a: { id: string }) => a.id === reclaim.body.action.id).result).toBe('obsolete');
    expect((await call(worker2, 'GET', J, `/api/watchdog/jobs/${job}`)).status).toBe(403);
    expect((await call(supervisor, 'GET', J, `/api/watchdog/jobs/${uniqueJob('none')}`)).status).toBe(404);
    await call(supervisor, 'GET', '/api/watchdog/jobs', '/api/watchdog/jobs?limit=5');
    await call(supervisor, 'GET', '/api/watchdog/incidents', '/api/watchdog/incidents?status=all&limit=5');
    await call(system, 'POST', '/api/watchdog/sweep', '/api/watchdog/sweep');
    expect((await call(worker, 'POST', '/api/watchdog/sweep', '/api/watchdog/sweep')).status).toBe(403);
    await call(owner, 'GET', '/api/watchdog/metrics/d30', '/api/watchdog/metrics/d30');
    expect((await call(owner, 'GET', '/api/watchdog/metrics/d30', '/api/watchdog/metrics/d30?from=yesterday')).status).toBe(400);
    await call(owner, 'GET', '/api/watchdog/audit', '/api/watchdog/audit?limit=5');
    await call(owner, 'GET', '/api/watchdog/audit/verify', '/api/watchdog/audit/verify');
    await call(owner, 'GET', '/api/watchdog/overview', '/api/watchdog/overview');
    await call(owner, 'GET', '/api/watchdog/rules/versions', '/api/watchdog/rules/versions');
    await call(owner, 'GET', '/api/watchdog/tokens', '/api/watchdog/tokens');
    await call(owner, 'GET', '/api/metrics', '/api/metrics');
    expect((await call(supervisor, 'GET', '/api/metrics', '/api/metrics')).status).toBe(403);
    expect(contract.seen.length).toBeGreaterThanOrEqual(60);
  });
});
