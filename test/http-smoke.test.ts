import { describe, expect, it } from 'vitest';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

describe.each(testServers())('HTTP smoke on $name', (server) => {
  it('answers health and refuses anonymous calls', async () => {
    const h = await api(server, null, 'GET', '/api/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', database: server.name });
    const r = await api(server, null, 'GET', '/api/watchdog/rules');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthenticated');
  });

  it('classifies a fetch failure end to end', async () => {
    const job = uniqueJob();
    const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    expect(lease.status).toBe(200);
    const ev = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }));
    expect(ev.status).toBe(201);
    expect(ev.body.classification.signal).toBe('fetch_failed');
    expect(ev.body.incident_id).toBeTruthy();
  });
});
