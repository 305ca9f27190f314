import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';
import { root, type TestServer } from './helpers/test-server';

const MiB = 1024 * 1024;

/** A request through node:http, so the test controls Content-Length and chunking itself. */
function rawRequest(
  url: string,
  opts: { method: string; path: string; headers: Record<string, string | number>; chunks: (string | Buffer)[]; endAfterChunks?: boolean },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method, path: opts.path, headers: opts.headers, agent: false }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    // the server may answer (and stop reading) before the whole body is sent: that is the point
    req.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (!(answered && (code === 'EPIPE' || code === 'ECONNRESET'))) reject(e);
    });
    (async () => {
      for (const c of opts.chunks) {
        if (req.destroyed) return;
        if (!req.write(c)) await new Promise((r) => req.once('drain', r).once('close', r));
      }
      if (opts.endAfterChunks !== false) req.end();
    })().catch(() => {});
  });
}

/** Sends raw bytes as a JSON body (the `api` helper encodes its body as JSON). */
async function sendBytes(server: TestServer, token: string, method: string, p: string, bytes: Buffer) {
  const res = await fetch(server.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: new Uint8Array(bytes) });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** What a job looks like through the API (the whole timeline), to prove a refused call changed nothing. */
/** The job's evidence. Audit entries that record the refusal itself are not a change of the evidence. */
async function jobSnapshot(server: TestServer, jobId: string) {
  const r = await api(server, server.tokens.system, 'GET', `/api/watchdog/jobs/${jobId}`);
  expect(r.status).toBe(200);
  return { ...r.body, audit: (r.body.audit as { action: string }[]).filter((a) => !a.action.endsWith('.refused') && !a.action.startsWith('access.')) };
}

describe.each(testServers())('API.md error codes on $name', (server) => {
  let job: string;
  let storedEvent: ReturnType<typeof helperEvent>;

  beforeAll(async () => {
    job = uniqueJob('err');
    const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(7200) });
    expect(lease.status).toBe(200);
    storedEvent = helperEvent({ job_id: job, output: 'all good' });
    expect((await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', storedEvent)).status).toBe(201);
    const run = { id: randomUUID(), worker_id: 'w-1', job_id: job, phase: 'context', status: 'ok', started_at: new Date().toISOString() };
    expect((await api(server, server.tokens.worker, 'POST', '/api/watchdog/worker-runs', run)).status).toBe(201);
  });

  /** Bad input: the answer has the API.md shape and the job's whole timeline is the same afterwards. */
  const badInput: {
    name: string;
    token: keyof TestServer['tokens'];
    method: string;
    path: (job: string) => string;
    body: (job: string) => unknown;
    headers?: Record<string, string>;
    status: number;
    code: string;
    fields?: string[];
  }[] = [
    { name: 'not JSON', token: 'worker', method: 'POST', path: () => '/api/watchdog/helper-events', body: () => '{"id": "oops"', status: 400, code: 'invalid_json' },
    { name: 'an empty body', token: 'worker', method: 'POST', path: () => '/api/watchdog/worker-runs', body: () => '', status: 400, code: 'invalid_json' },
    {
      name: 'JSON that is not UTF-8',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/worker-runs',
      body: () => Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'an event missing fields',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: (j) => ({ id: 'not-a-uuid', job_id: j, worker_id: 'w-1', exit_code: 'zero', output_hash: 'md5:1' }),
      status: 400,
      code: 'validation_failed',
      fields: ['id', 'command', 'exit_code', 'output_hash'],
    },
    {
      name: 'a run with an unknown phase and status',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/worker-runs',
      body: (j) => ({ id: randomUUID(), worker_id: 'w-1', job_id: j, phase: 'dance', status: 'great', started_at: 'yesterday' }),
      status: 400,
      code: 'validation_failed',
      fields: ['phase', 'status', 'started_at'],
    },
    {
      name: 'a time PostgreSQL cannot store (year 0)',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/worker-runs',
      body: (j) => ({ id: randomUUID(), worker_id: 'w-1', job_id: j, phase: 'build', status: 'ok', started_at: '0000-01-01T00:00:00Z' }),
      status: 400,
      code: 'validation_failed',
      fields: ['started_at'],
    },
    {
      name: 'numbers out of range',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: (j) => ({ ...helperEvent({ job_id: j }), exit_code: 1e12, duration_ms: -1 }),
      status: 400,
      code: 'validation_failed',
      fields: ['exit_code', 'duration_ms'],
    },
    {
      name: 'text with a NUL character',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: (j) => helperEvent({ job_id: j, command: 'pls\u0000context' }),
      status: 400,
      code: 'validation_failed',
      fields: ['command'],
    },
    {
      name: 'an output whose hash is not its sha256',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: (j) => ({ ...helperEvent({ job_id: j, output: 'one' }), output_hash: helperEvent({ job_id: j, output: 'two' }).output_hash }),
      status: 422,
      code: 'output_hash_mismatch',
    },
    {
      name: 'a stored event id with another body',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: () => ({ ...storedEvent, exit_code: 1 }),
      status: 409,
      code: 'idempotency_conflict',
    },
    {
      name: 'another worker taking the active lease',
      token: 'worker2',
      method: 'PATCH',
      path: (j) => `/api/watchdog/job-leases/${j}`,
      body: () => ({ worker_id: 'w-2', lease_expires_at: inFuture(600) }),
      status: 409,
      code: 'lease_conflict',
    },
    {
      name: "a fencing token older than the lease's",
      token: 'worker',
      method: 'PATCH',
      path: (j) => `/api/watchdog/job-leases/${j}`,
      body: () => ({ worker_id: 'w-1', lease_expires_at: inFuture(600), fencing_token: 0 }),
      status: 409,
      code: 'stale_fencing_token',
    },
    {
      name: 'a repair action whose authority is not the caller',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/repair-actions',
      body: (j) => ({ job_id: j, trigger: 'x', action: 'touch', authority: 'system' }),
      status: 403,
      code: 'forbidden',
    },
    {
      name: 'a repair action that does not exist',
      token: 'system',
      method: 'POST',
      path: () => '/api/watchdog/repair-actions',
      body: (j) => ({ job_id: j, trigger: 'x', action: 'reboot', authority: 'system' }),
      status: 400,
      code: 'validation_failed',
      fields: ['action'],
    },
    {
      name: 'an artifact check with too many files',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/artifact-checks',
      body: (j) => ({ job_id: j, primary_url: 'http://127.0.0.1/x', files: Array.from({ length: 51 }, (_, i) => ({ name: `f${i}` })) }),
      status: 400,
      code: 'validation_failed',
      fields: ['files'],
    },
    {
      name: 'a body over 1 MiB',
      token: 'worker',
      method: 'POST',
      path: () => '/api/watchdog/helper-events',
      body: (j) => ({ ...helperEvent({ job_id: j }), note: 'x'.repeat(MiB + 1) }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'a path id that cannot exist',
      token: 'worker',
      method: 'PATCH',
      path: () => `/api/watchdog/job-leases/${encodeURIComponent('no spaces allowed')}`,
      body: () => ({ worker_id: 'w-1', lease_expires_at: inFuture(600) }),
      status: 404,
      code: 'not_found',
    },
  ];

  it.each(badInput)('$name → $status $code, and nothing changes', async (c) => {
    const before = await jobSnapshot(server, job);
    const body = c.body(job);
    const r = Buffer.isBuffer(body) ? await sendBytes(server, server.tokens[c.token], c.method, c.path(job), body) : await api(server, server.tokens[c.token], c.method, c.path(job), body, c.headers);
    expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(typeof r.body.error.message).toBe('string');
    expect(Object.keys(r.body)).toEqual(['error']);
    if (c.fields) {
      const paths = (r.body.error.details as { path: string }[]).map((d) => d.path.split('.')[0]);
      for (const f of c.fields) expect(paths).toContain(f);
    }
    expect(await jobSnapshot(server, job)).toEqual(before);
  });

  it('answers validation_failed with the query fields, also for a key given twice', async () => {
    const bad = await api(server, server.tokens.owner, 'GET', '/api/watchdog/incidents?status=sometimes&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'status']);
    const twice = await api(server, server.tokens.owner, 'GET', '/api/watchdog/incidents?status=open&status=all');
    expect(twice.status).toBe(400);
    expect(twice.body.error.details).toEqual([expect.objectContaining({ path: 'status', message: expect.stringContaining('more than once') })]);
    const once = await api(server, server.tokens.owner, 'GET', '/api/watchdog/incidents?status=all&limit=5');
    expect(once.status).toBe(200);
  });

  it('answers 401 unauthenticated for no, malformed, unknown and revoked credentials', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer wdt_not-a-real-token' },
      { authorization: `Bearer ${'wdt_' + 'x'.repeat(500)}` },
    ];
    for (const headers of cases) {
      const r = await api(server, null, 'GET', '/api/watchdog/rules', undefined, headers);
      expect({ headers, status: r.status, code: r.body.error.code }).toEqual({ headers, status: 401, code: 'unauthenticated' });
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('answers 404 not_found for an unknown job, action, token and /api path', async () => {
    const unknownJob = uniqueJob('nobody-knows');
    const cases: [string, string, string, unknown?][] = [
      ['system', 'GET', `/api/watchdog/jobs/${unknownJob}`],
      ['system', 'GET', `/api/watchdog/job-leases/${unknownJob}`],
      ['system', 'POST', `/api/watchdog/jobs/${unknownJob}/complete`, { worker_id: 'w-1', fencing_token: 1 }],
      ['supervisor', 'POST', `/api/watchdog/repair-actions/${randomUUID()}/decision`, { decision: 'approve' }],
      ['owner', 'DELETE', `/api/watchdog/tokens/${randomUUID()}`],
      ['owner', 'DELETE', '/api/watchdog/tokens/not-a-token-id'],
      ['owner', 'GET', '/api/watchdog/no-such-thing'],
      ['owner', 'POST', '/api/watchdog/jobs/x/complete/again', {}],
      ['owner', 'GET', '/api/v2/anything'],
    ];
    for (const [who, method, p, body] of cases) {
      const r = await api(server, server.tokens[who as keyof TestServer['tokens']], method, p, body);
      expect({ p, method, status: r.status, code: r.body?.error?.code }).toEqual({ p, method, status: 404, code: 'not_found' });
    }
    const anonymous = await api(server, null, 'DELETE', '/api/not/here');
    expect(anonymous.status).toBe(404);
    expect(anonymous.headers.get('content-type')).toContain('application/json');
  });

  it('answers 409 stale_fencing_token to the old holder after a supervisor release, and 409 artifact_gate_failed without a passing check', async () => {
    const j = uniqueJob('err-fence');
    const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${j}`, { worker_id: 'w-1', lease_expires_at: inFuture(3600) });
    expect(lease.body.lease.fencing_token).toBe(1);
    const gate = await api(server, server.tokens.worker, 'POST', `/api/watchdog/jobs/${j}/complete`, { worker_id: 'w-1', fencing_token: 1 });
    expect(gate.status).toBe(409);
    expect(gate.body.error.code).toBe('artifact_gate_failed');
    const release = await api(server, server.tokens.supervisor, 'POST', '/api/watchdog/repair-actions', { job_id: j, trigger: 'test', action: 'release', authority: 'supervisor' });
    expect(release.status).toBe(201);
    const heartbeat = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${j}`, { worker_id: 'w-1', lease_expires_at: inFuture(3600), fencing_token: 1 });
    expect(heartbeat.status).toBe(409);
    expect(heartbeat.body.error).toMatchObject({ code: 'stale_fencing_token', details: { current_fencing_token: 2 } });
    const complete = await api(server, server.tokens.worker, 'POST', `/api/watchdog/jobs/${j}/complete`, { worker_id: 'w-1', fencing_token: 1 });
    expect(complete.status).toBe(409);
    expect(complete.body.error.code).toBe('stale_fencing_token');
  });

  it('answers 409 idempotency_conflict for a repair action id reused with another body, and 409 already_decided', async () => {
    const j = uniqueJob('err-idem');
    await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${j}`, { worker_id: 'w-1', lease_expires_at: inFuture(3600) });
    const id = randomUUID();
    const action = { id, job_id: j, trigger: 'fetch_failed', action: 'retry', authority: 'system', result: 'success' };
    expect((await api(server, server.tokens.system, 'POST', '/api/watchdog/repair-actions', action)).status).toBe(201);
    expect((await api(server, server.tokens.system, 'POST', '/api/watchdog/repair-actions', action)).status).toBe(200);
    const other = await api(server, server.tokens.system, 'POST', '/api/watchdog/repair-actions', { ...action, result: 'failed' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_conflict');

    const request = await api(server, server.tokens.worker, 'POST', '/api/watchdog/repair-actions', { job_id: j, trigger: 'queue_stuck', action: 'release', authority: 'worker' });
    expect(request.body.action.result).toBe('pending');
    const first = await api(server, server.tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${request.body.action.id}/decision`, { decision: 'reject' });
    expect(first.status).toBe(200);
    const second = await api(server, server.tokens.supervisor, 'POST', `/api/watchdog/repair-actions/${request.body.action.id}/decision`, { decision: 'approve' });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'already_decided', details: { decision: 'reject' } });
    const lease = await api(server, server.tokens.worker, 'GET', `/api/watchdog/job-leases/${j}`);
    expect(lease.body.lease).toMatchObject({ state: 'active', fencing_token: 1 });
  });

  describe('413 payload_too_large', () => {
    const event = () => JSON.stringify({ ...helperEvent({ job_id: uniqueJob('err-413') }), padding: 'p'.repeat(2 * MiB) });

    it('refuses a declared Content-Length over 1 MiB', async () => {
      const body = event();
      const r = await rawRequest(server.url, {
        method: 'POST',
        path: '/api/watchdog/helper-events',
        headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        chunks: [body],
      });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
    });

    it('refuses a chunked body without Content-Length once it passes 1 MiB', async () => {
      const body = event();
      const chunks: string[] = [];
      for (let i = 0; i < body.length; i += 64 * 1024) chunks.push(body.slice(i, i + 64 * 1024));
      const r = await rawRequest(server.url, {
        method: 'POST',
        path: '/api/watchdog/helper-events',
        headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks,
      });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
    });

    it('refuses a Content-Length that claims more than 1 MiB without waiting for the bytes', async () => {
      const r = await rawRequest(server.url, {
        method: 'POST',
        path: '/api/watchdog/worker-runs',
        headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json', 'content-length': 5 * MiB },
        chunks: ['{"id":'],
        endAfterChunks: false,
      });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
    });

    it('takes a body of exactly 1 MiB to the schema, and refuses one byte more', async () => {
      const base = JSON.stringify({ events: [], pad: '' });
      const exact = JSON.stringify({ events: [], pad: 'x'.repeat(MiB - Buffer.byteLength(base)) });
      expect(Buffer.byteLength(exact)).toBe(MiB);
      const atLimit = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events/batch', exact);
      expect(atLimit.status).toBe(400);
      expect(atLimit.body.error.code).toBe('validation_failed');
      const over = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events/batch', exact.replace('"pad":"', '"pad":"x'));
      expect(over.status).toBe(413);
    });

    it('refuses an oversized body on a route that takes none', async () => {
      const r = await rawRequest(server.url, {
        method: 'POST',
        path: '/api/watchdog/sweep',
        headers: { authorization: `Bearer ${server.tokens.system}`, 'content-type': 'application/json', 'content-length': 2 * MiB },
        chunks: ['{}'],
        endAfterChunks: false,
      });
      expect(r.status).toBe(413);
    });
  });

  describe('405 method_not_allowed in the API.md shape', () => {
    const id = randomUUID();
    const routes: [string, string[]][] = [
      ['/api/health', ['GET']],
      ['/api/watchdog/worker-runs', ['POST']],
      ['/api/watchdog/job-leases/j-405', ['GET', 'PATCH']],
      ['/api/watchdog/helper-events', ['POST']],
      ['/api/watchdog/helper-events/batch', ['POST']],
      ['/api/watchdog/repair-actions', ['GET', 'POST']],
      [`/api/watchdog/repair-actions/${id}/decision`, ['POST']],
      ['/api/watchdog/artifact-checks', ['POST']],
      ['/api/watchdog/jobs/j-405/complete', ['POST']],
      ['/api/watchdog/jobs/j-405', ['GET']],
      ['/api/watchdog/jobs', ['GET']],
      ['/api/watchdog/rules', ['GET', 'PUT']],
      ['/api/watchdog/rules/versions', ['GET']],
      ['/api/watchdog/sweep', ['POST']],
      ['/api/watchdog/tokens', ['GET', 'POST']],
      [`/api/watchdog/tokens/${id}`, ['DELETE']],
      ['/api/watchdog/incidents', ['GET']],
      ['/api/watchdog/audit', ['GET']],
      ['/api/watchdog/audit/verify', ['GET']],
      ['/api/auth/session', ['GET', 'POST']],
      ['/api/internal/admin', ['POST']],
    ];
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

    it.each(routes)('%s answers every other method with 405 JSON and the true Allow header', async (p, implemented) => {
      const allow = [...implemented, ...(implemented.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort().join(', ');
      for (const m of methods.filter((x) => !implemented.includes(x))) {
        const r = await api(server, server.tokens.owner, m, p, m === 'GET' ? undefined : {});
        expect({ m, status: r.status, code: r.body?.error?.code }).toEqual({ m, status: 405, code: 'method_not_allowed' });
        expect(r.headers.get('allow')).toBe(allow);
      }
      const options = await api(server, null, 'OPTIONS', p);
      expect(options.status).toBe(204);
      expect(options.headers.get('allow')).toBe(allow);
    });

    // routeHandlers (lib/http/route-table.ts) adds methodNotAllowed for the methods the table does not serve
    it('every route file under app/api answers unsupported methods in the API.md shape', () => {
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.name === 'route.ts') files.push(p);
        }
      };
      walk(path.join(root, 'app', 'api'));
      expect(files.length).toBeGreaterThan(20);
      const without = files.filter((f) => !/methodNotAllowed\(|unknownApiPath\(|routeHandlers\(/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
      expect(without).toEqual([]);
    });
  });
});
