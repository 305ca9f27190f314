import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_RATES, parseFaultSpec, planJobs } from '@/cli/simulate/faults';
import { runCli } from './helpers/cli';
import { api, testServers } from './helpers/http';
import type { TestServer } from './helpers/test-server';

describe('simulate: the fleet plan comes from the seed', () => {
  it('same seed, same jobs and faults; another seed, another plan', () => {
    const a = planJobs(7, 40, DEFAULT_FAULT_RATES);
    expect(planJobs(7, 40, DEFAULT_FAULT_RATES)).toEqual(a);
    expect(planJobs(8, 40, DEFAULT_FAULT_RATES)).not.toEqual(a);
    expect(new Set(a.map((p) => p.jobId)).size).toBe(40);
    // every kind with a rate shows up at least once
    const kinds = new Set(a.map((p) => p.fault).filter(Boolean));
    expect(kinds.size).toBe(Object.keys(DEFAULT_FAULT_RATES).length);
  });

  it('reads a fault spec and refuses a bad one', () => {
    expect(parseFaultSpec('fetch_failed=0.2,silent_claim=0.1')).toMatchObject({ fetch_failed: 0.2, silent_claim: 0.1, queue_stuck: DEFAULT_FAULT_RATES.queue_stuck });
    expect(Object.values(parseFaultSpec('none')).every((r) => r === 0)).toBe(true);
    expect(() => parseFaultSpec('meteor=0.1')).toThrow(/unknown fault/);
    expect(() => parseFaultSpec('fetch_failed=2')).toThrow(/between 0 and 1/);
    expect(() => parseFaultSpec('fetch_failed=0.9,silent_claim=0.9')).toThrow(/add up/);
  });
});

describe.each(testServers())('watchdog simulate against the $name console', (server: TestServer) => {
  it('drives 4 workers over 40 jobs: incidents of at least four signals, no completion without a passing artifact check', async () => {
    const r = await runCli(['simulate', '--workers', '4', '--jobs', '40', '--seed', '7', '--json'], { WATCHDOG_URL: server.url, WATCHDOG_TOKEN: server.tokens.system }, { timeoutMs: 170_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const summary = JSON.parse(r.stdout);
    const plan = planJobs(7, 40, DEFAULT_FAULT_RATES);
    expect(summary.job_prefix).toBe(plan[0].jobId.replace(/-\d+$/, ''));
    expect(summary.jobs).toBe(40);
    expect(summary.refused_reports).toBe(0);

    const sweep = await api(server, server.tokens.system, 'POST', '/api/watchdog/sweep', {});
    expect(sweep.status).toBe(200);

    // every incident of the run, page by page (newest first, 200 a page)
    const all: { job_id: string | null; signal: string }[] = [];
    for (let cursor: string | null = null, page = 0; page < 50; page++) {
      const incidents: { status: number; body: { incidents: { job_id: string | null; signal: string }[]; next_cursor: string | null } } = await api(
        server,
        server.tokens.owner,
        'GET',
        `/api/watchdog/incidents?status=all&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(incidents.status).toBe(200);
      all.push(...incidents.body.incidents);
      cursor = incidents.body.next_cursor;
      if (!cursor) break;
    }
    const ours = all.filter((i) => i.job_id?.startsWith(summary.job_prefix + '-'));
    const signals = new Set(ours.map((i) => i.signal));
    expect([...signals].sort()).toEqual(expect.arrayContaining(['artifact_gate_fail', 'claim_no_output', 'fetch_failed', 'lease_expired']));
    expect(signals.size).toBeGreaterThanOrEqual(4);
    expect(summary.coverage).toBeGreaterThanOrEqual(0.8);

    let completed = 0;
    let refusedAtGate = 0;
    for (const p of plan) {
      const res = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${p.jobId}`);
      expect(res.status, p.jobId).toBe(200);
      const tl = res.body;
      if (tl.lease?.state === 'completed') {
        completed++;
        const check = tl.checks.find((c: { id: string }) => c.id === tl.lease.completed_artifact_check_id);
        expect(check, `${p.jobId} completed without its check`).toBeDefined();
        expect(check.passed).toBe(true);
      }
      if (p.fault === 'artifact_404' || p.fault === 'artifact_empty') {
        expect(tl.lease.state, p.jobId).not.toBe('completed');
        refusedAtGate += tl.actions.filter((a: { action: string }) => a.action === 'block_complete').length > 0 ? 1 : 0;
      }
    }
    expect(completed).toBe(summary.completed);
    expect(completed).toBeGreaterThan(0);
    expect(refusedAtGate).toBe(plan.filter((p) => p.fault === 'artifact_404' || p.fault === 'artifact_empty').length);
    expect(summary.false_green).toBe(0);
  }, 180_000);

  it('refuses bad arguments with exit 2', async () => {
    const env = { WATCHDOG_URL: server.url, WATCHDOG_TOKEN: server.tokens.system };
    const noJobs = await runCli(['simulate', '--workers', '2'], env);
    expect(noJobs.code).toBe(2);
    const badFaults = await runCli(['simulate', '--workers', '2', '--jobs', '3', '--faults', 'meteor=1'], env);
    expect(badFaults.code).toBe(2);
    expect(badFaults.stderr).toContain('unknown fault');
    const noToken = await runCli(['simulate', '--workers', '2', '--jobs', '3'], { WATCHDOG_URL: server.url });
    expect(noToken.code).toBe(2);
  });
});
