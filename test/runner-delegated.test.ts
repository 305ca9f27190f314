import { describe, expect, it } from 'vitest';
import { fixture, lines, runCli, scratch } from './helpers/cli';
import { api, inFuture, testServers, uniqueJob } from './helpers/http';
import { freePort, type TestServer } from './helpers/test-server';

const sh = (name: string, ...args: string[]) => ['sh', fixture(name), ...args];

/**
 * The runner normally holds a worker token. Its touches and retries are the system's low-risk repairs
 * (delegated: backed by its own helper events), so the job story shows them with authority `system`,
 * `requested_by: "worker:w-1"` — with or without a lease, sent at once or from the spool.
 */
describe.each(testServers())('the runner with a worker token records its repairs as delegated system repairs on $name', (server: TestServer) => {
  const cases = [
    { leased: true, spooled: false },
    { leased: false, spooled: false },
    { leased: true, spooled: true },
    { leased: false, spooled: true },
  ];

  it.each(cases)('lease $leased, through the spool $spooled', async ({ leased, spooled }) => {
    const s = scratch('delegated-');
    const touchLog = s.file('touches.log');
    const job = uniqueJob(`deleg-${leased ? 'l' : 'n'}${spooled ? 's' : 'o'}`);
    const url = spooled ? `http://127.0.0.1:${await freePort()}` : server.url;
    const config = s.writeConfig({ url, worker_id: 'w-1', helpers: { touch: sh('touch.sh', touchLog) } });
    const env = { WATCHDOG_TOKEN: server.tokens.worker, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir };
    if (leased) {
      const lease = await api(server, server.tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(600) });
      expect(lease.status).toBe(200);
    }
    const r = await runCli(['run', '--config', config, '--job', job, '--phase', 'context', '--', ...sh('flaky-fetch.sh', s.file('flaky.state'))], env);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(touchLog)).toHaveLength(1);
    expect(r.stderr).not.toContain('worker suggestion');
    if (spooled) {
      expect(r.stderr).toContain('spooled');
      const flush = await runCli(['spool', 'flush', '--config', config], { ...env, WATCHDOG_URL: server.url });
      expect(flush.code, flush.stdout + flush.stderr).toBe(0);
      expect(flush.stdout).toMatch(/rejected 0, quarantined 0, left 0/);
    } else expect(r.stderr).not.toContain('refused');

    const tl = (await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`)).body;
    const [failure, retried] = tl.events.filter((e: any) => e.phase === 'context');
    expect(failure).toMatchObject({ worker_id: 'w-1', signal: 'fetch_failed' });
    expect(failure.suggested_actions.map((a: any) => a.action)).toEqual(['touch', 'retry']);
    expect(retried).toMatchObject({ exit_code: 0, signal: null });
    const repairs = tl.actions.filter((a: any) => a.action === 'touch' || a.action === 'retry');
    expect(repairs.map((a: any) => a.action).sort()).toEqual(['retry', 'touch']);
    for (const a of repairs) {
      expect(a).toMatchObject({ authority: 'system', requested_by: 'worker:w-1', suggestion: false, trigger: 'fetch_failed', result: 'success' });
      expect(a.evidence_event_ids).toContain(failure.id);
    }
    // the audit entry of the retry names who carried it out
    expect(tl.audit.find((e: any) => e.action === 'repair.retry')?.details).toMatchObject({ requested_by: 'worker:w-1', authority: 'system' });
  });
});
