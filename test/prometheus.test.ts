import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, helperEvent, inFuture, testServers, uniqueJob } from './helpers/http';

/** The value of one sample of the exposition, e.g. `watchdog_open_incidents{signal="fetch_failed"}`. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe.each(testServers())('Prometheus exposition on $name', (server) => {
  it('serves the text format to the system and the owner only', async () => {
    for (const token of [server.tokens.system, server.tokens.owner]) {
      const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (const name of [
        'watchdog_helper_events_ingested_total',
        'watchdog_open_incidents',
        'watchdog_pending_approvals',
        'watchdog_sweep_duration_seconds',
        'watchdog_artifact_gate_results_total',
        'watchdog_http_request_duration_seconds',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
    }
    for (const token of [server.tokens.supervisor, server.tokens.worker]) {
      const r = await api(server, token, 'GET', '/api/metrics');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await api(server, null, 'GET', '/api/metrics')).status).toBe(401);
  });

  it('counts what happened: events by signal, open incidents and pending approvals from the database, latency by route', async () => {
    const job = uniqueJob('prom');
    await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
    const ev = await api(server, server.tokens.worker, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, exit_code: 1, output: '500 TypeError: fetch failed' }));
    expect(ev.body.classification.signal).toBe('fetch_failed');
    const req = await api(server, server.tokens.worker, 'POST', '/api/watchdog/repair-actions', { id: randomUUID(), job_id: job, trigger: 'stuck upload', action: 'release', authority: 'worker' });
    expect(req.body.action.result).toBe('pending');
    await api(server, server.tokens.system, 'POST', '/api/watchdog/sweep');

    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${server.tokens.system}` } });
    const text = await res.text();
    expect(sample(text, 'watchdog_helper_events_ingested_total{signal="fetch_failed"}')).toBeGreaterThanOrEqual(1);
    const open = sample(text, 'watchdog_open_incidents{signal="fetch_failed"}');
    expect(open).toBeGreaterThanOrEqual(1);
    // the gauge is read from the database: it matches the incident list (other tests may add more meanwhile)
    const listed = await api(server, server.tokens.supervisor, 'GET', '/api/watchdog/incidents?status=open&signal=fetch_failed&limit=200');
    expect(listed.body.incidents.length).toBeGreaterThanOrEqual(open!);
    expect(sample(text, 'watchdog_open_incidents{signal="queue_stuck"}')).not.toBeNull();
    expect(sample(text, 'watchdog_pending_approvals{action="release"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'watchdog_sweep_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/watchdog_http_request_duration_seconds_count\{route="POST \/helper-events",method="POST",status="201"\} \d+/);
  });
});
