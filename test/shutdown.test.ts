import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, inFuture, uniqueJob } from './helpers/http';
import { type OwnServer, ownServer, sleep, stressKinds } from './stress/stress-kit';

/**
 * Graceful shutdown: SIGTERM while slow requests are in flight lets them finish with a 2xx, refuses
 * new connections, stops the sweeper and exits promptly (143); a restart resumes the schedule on
 * its own — a lease that falls due while the console is down gets its incident without a manual sweep.
 */
describe.each(stressKinds())('graceful shutdown on %s', (kind) => {
  let server: OwnServer;
  let slow: http.Server;
  let slowUrl = '';
  beforeAll(async () => {
    // an artifact host that answers after 2.5 s: an artifact check through it is a slow request
    slow = http.createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('artifact'), 2500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    server = await ownServer(kind, { WATCHDOG_LOG_LEVEL: 'info', WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS: '1' });
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
    slow?.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  });

  it('SIGTERM drains in-flight requests (all 2xx), refuses new ones, stops the sweeper and exits 143; a restart resumes the schedule', async () => {
    const jobs = Array.from({ length: 4 }, () => uniqueJob('drain'));
    // a lease that falls due while the console is down
    const dueJob = uniqueJob('due');
    const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${dueJob}`, { worker_id: 'w-1', lease_expires_at: inFuture(4) });
    expect(lease.status).toBe(200);

    const inFlight = jobs.map((job) => api(server, server.tokens.system, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${slowUrl}/${job}.zip`, files: [{ name: 'a.zip' }] }));
    await sleep(700); // the checks are waiting on the slow host
    const exited = server.kill('SIGTERM');
    const startedAt = Date.now();
    await sleep(200);
    // during the drain, a NEW connection is refused (the listener is closed; in-flight ones go on)
    const fresh = await new Promise<string>((resolve) => {
      const u = new URL(server.url);
      http
        .get({ host: u.hostname, port: u.port, path: '/api/health', agent: false, timeout: 5000 }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        })
        .on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
    });
    expect(fresh).toBe('ECONNREFUSED');
    const answers = await Promise.all(inFlight);
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      expect(a.body.check.passed).toBe(true);
    }
    const code = await exited;
    expect(code).toBe(143);
    expect(Date.now() - startedAt).toBeLessThan(15_000); // promptly: not the 20 s grace deadline
    expect(server.output()).toMatch(/shutting down: stopping the sweeper/);
    expect(server.output()).toMatch(/sweeper stopped/);
    expect(server.output()).not.toMatch(/did not drain in time|unhandled error|"level":50/);

    // the lease falls due while the console is down; after the restart the scheduler finds it itself
    await sleep(Math.max(0, new Date(lease.body.lease.lease_expires_at).getTime() - Date.now() + 500));
    await server.start();
    for (const job of jobs) {
      const t = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
      expect(t.status).toBe(200);
      expect(t.body.checks).toHaveLength(1);
    }
    let incident: any = null;
    for (let i = 0; i < 60 && !incident; i++) {
      const r = await api(server, server.tokens.owner, 'GET', `/api/watchdog/incidents?status=open&job_id=${dueJob}`);
      incident = (r.body.incidents as any[]).find((x) => x.signal === 'lease_expired') ?? null;
      if (!incident) await sleep(500);
    }
    expect(incident, 'the restarted scheduler opened lease_expired without a manual sweep').not.toBeNull();
  });
});
