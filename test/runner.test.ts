import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashOutput } from '@/lib/watchdog/hash';
import { fixture, lines, runCli, scratch, startCli, useArtifactHost } from './helpers/cli';
import { api, inFuture, testServers, uniqueJob } from './helpers/http';
import type { TestServer } from './helpers/test-server';

const sh = (name: string, ...args: string[]) => ['sh', fixture(name), ...args];

/** Alive and not a zombie (a killed orphan may wait to be reaped by a PID 1 that never does). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.each(testServers())('watchdog run against the $name console', (server: TestServer) => {
  /** A runner environment: system token acting for w-1, its own spool and state. */
  function setup(extraHelpers: Record<string, string[]> = {}) {
    const s = scratch();
    const touchLog = s.file('touches.log');
    const config = s.writeConfig({ url: server.url, worker_id: 'w-1', helpers: { touch: sh('touch.sh', touchLog), ...extraHelpers } });
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir };
    const run = (job: string, phase: string, cmd: string[], more: string[] = []) => runCli(['run', '--config', config, '--job', job, '--phase', phase, ...more, '--', ...cmd], env);
    return { ...s, touchLog, config, env, run };
  }

  const timeline = async (job: string) => {
    const res = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('reports a healthy command once, passes its exit code and output through', async () => {
    const t = setup();
    const job = uniqueJob('run-ok');
    const r = await t.run(job, 'context', sh('ok.sh', 'hello'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"ok":true');
    const tl = await timeline(job);
    expect(tl.events).toHaveLength(1);
    const [ev] = tl.events;
    expect(ev).toMatchObject({ phase: 'context', exit_code: 0, worker_id: 'w-1', signal: null });
    expect(ev.output_hash).toBe(hashOutput(ev.output));
    expect(ev.command).toContain('ok.sh hello');
    expect(tl.actions).toHaveLength(0);
    expect(tl.runs).toMatchObject([{ phase: 'context', status: 'ok' }]);
    expect(lines(t.touchLog)).toHaveLength(0);

    const failed = await t.run(uniqueJob('run-fail'), 'build', sh('fail-plain.sh'));
    expect(failed.code).toBe(139);
  });

  it('bounds a huge output to 64 KiB (head and tail kept) and reports a command that cannot start', async () => {
    const t = setup();
    const job = uniqueJob('run-big');
    // 300 000 bytes that are not UTF-8 (each decodes to a 3-byte U+FFFD): still at most 64 KiB
    const r = await t.run(job, 'build', ['sh', '-c', 'echo FIRST; head -c 300000 /dev/zero | tr "\\0" "\\303"; echo; echo LAST']);
    expect(r.code).toBe(0);
    const [ev] = (await timeline(job)).events;
    expect(Buffer.byteLength(ev.output, 'utf8')).toBeLessThanOrEqual(64 * 1024);
    expect(ev.output.startsWith('FIRST')).toBe(true);
    expect(ev.output.trimEnd().endsWith('LAST')).toBe(true);
    expect(ev.output).toMatch(/bytes of output, the middle dropped to fit 64 KiB/);
    expect(ev.output_hash).toBe(hashOutput(ev.output));

    // valid multi-byte text is cut at character boundaries
    const utf = uniqueJob('run-utf8');
    expect((await t.run(utf, 'build', ['sh', '-c', 'yes "é—ü" | head -n 60000'])).code).toBe(0);
    const [big] = (await timeline(utf)).events;
    expect(Buffer.byteLength(big.output, 'utf8')).toBeLessThanOrEqual(64 * 1024);
    expect(big.output).not.toContain('\uFFFD');
    expect(big.output_hash).toBe(hashOutput(big.output));

    const missing = uniqueJob('run-missing');
    const m = await t.run(missing, 'build', ['/nonexistent/helper-binary', 'x']);
    expect(m.code).toBe(127);
    expect((await timeline(missing)).events).toMatchObject([{ exit_code: 127, error_code: 'SPAWN_FAILED' }]);
  });

  it('fetch failed then ok: one touch, a 3 s wait, a retry that works, exit 0', async () => {
    const t = setup();
    const job = uniqueJob('run-flaky');
    const r = await t.run(job, 'context', sh('flaky-fetch.sh', t.file('flaky.state')));
    expect(r.code, r.stderr).toBe(0);
    expect(lines(t.touchLog)).toHaveLength(1);

    const tl = await timeline(job);
    const attempts = tl.events.filter((e: any) => e.phase === 'context');
    expect(attempts).toHaveLength(2);
    for (const e of attempts) expect(e.output_hash).toBe(hashOutput(e.output));
    expect(attempts[0]).toMatchObject({ exit_code: 1, signal: 'fetch_failed' });
    expect(attempts[1]).toMatchObject({ exit_code: 0, signal: null });
    // the retry waited retry_delay_s (3 s) after the failure was reported
    expect(Date.parse(attempts[1].created_at) - Date.parse(attempts[0].created_at)).toBeGreaterThanOrEqual(3000);
    expect(tl.events.filter((e: any) => e.phase === 'touch')).toHaveLength(1);

    const retries = tl.actions.filter((a: any) => a.action === 'retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ authority: 'system', trigger: 'fetch_failed', result: 'success', suggestion: false });
    expect(retries[0].evidence_event_ids).toEqual([attempts[0].id, attempts[1].id]);
    const touches = tl.actions.filter((a: any) => a.action === 'touch');
    expect(touches).toMatchObject([{ authority: 'system', trigger: 'fetch_failed', result: 'success' }]);
    expect(tl.actions.filter((a: any) => a.action === 'notify_owner')).toHaveLength(0);
    expect(tl.runs).toMatchObject([{ phase: 'context', status: 'retried' }]);
  });

  it('fetch failed twice: exactly two attempts, exit non-zero, escalated', async () => {
    const t = setup();
    const job = uniqueJob('run-2x');
    const r = await t.run(job, 'upload', sh('always-fetch-failed.sh'));
    expect(r.code).toBe(1);
    expect(lines(t.touchLog)).toHaveLength(1);
    const tl = await timeline(job);
    const attempts = tl.events.filter((e: any) => e.phase === 'upload');
    expect(attempts).toHaveLength(2);
    expect(attempts.every((e: any) => e.signal === 'fetch_failed' && e.output_hash === hashOutput(e.output))).toBe(true);
    expect(tl.actions.filter((a: any) => a.action === 'retry')).toMatchObject([{ authority: 'system', result: 'failed' }]);
    // the console escalates the second failure; the runner does not add a duplicate
    const escalations = tl.actions.filter((a: any) => a.action === 'notify_owner');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({ result: 'needs_human', authority: 'system' });
    expect(tl.runs).toMatchObject([{ phase: 'upload', status: 'failed' }]);
  });

  it('a silent claim is killed (whole process group), touched, retried once, then the owner is notified', async () => {
    const set = await api(server, server.tokens.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'claim_no_output', threshold: 2 }], note: 'runner test: short claim timeout' });
    expect(set.status).toBe(200);
    try {
      const t = setup();
      const job = uniqueJob('run-silent');
      const pids = t.file('grandchildren.pids');
      const r = await t.run(job, 'claim', sh('silent-claim.sh', pids));
      expect(r.code).toBe(124);
      expect(r.stdout).toBe('');
      expect(lines(t.touchLog)).toHaveLength(1);
      const grandchildren = lines(pids).map(Number);
      expect(grandchildren).toHaveLength(2);
      for (const pid of grandchildren) expect(isAlive(pid)).toBe(false);

      const tl = await timeline(job);
      const claims = tl.events.filter((e: any) => e.phase === 'claim');
      expect(claims).toHaveLength(2);
      expect(claims.every((e: any) => e.error_code === 'NO_OUTPUT_TIMEOUT' && e.signal === 'claim_no_output' && e.exit_code === null)).toBe(true);
      expect(tl.actions.filter((a: any) => a.action === 'touch')).toHaveLength(1);
      expect(tl.actions.filter((a: any) => a.action === 'retry')).toMatchObject([{ trigger: 'claim_no_output', result: 'failed', authority: 'system' }]);
      expect(tl.actions.filter((a: any) => a.action === 'notify_owner')).toMatchObject([{ trigger: 'claim_no_output', authority: 'system' }]);
      expect(tl.runs).toMatchObject([{ phase: 'claim', status: 'stuck' }]);
    } finally {
      const restore = await api(server, server.tokens.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'claim_no_output', threshold: 30 }], note: 'runner test: restore' });
      expect(restore.status).toBe(200);
    }
  });

  describe('the complete gate', () => {
    const artifactHost = useArtifactHost();

    const lease = async (job: string) => {
      const res = await api(server, server.tokens.system, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(600) });
      expect(res.status).toBe(200);
      return res.body.lease.fencing_token as number;
    };

    it('refused: the complete command never runs, exit 3', async () => {
      const t = setup();
      const job = uniqueJob('run-gate-no');
      await lease(job);
      const check = await api(server, server.tokens.system, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${artifactHost()}/missing/${job}` });
      expect(check.body.check.passed).toBe(false);
      const marker = t.file('completed.marker');
      const r = await t.run(job, 'complete', sh('complete.sh', marker));
      expect(r.code).toBe(3);
      expect(fs.existsSync(marker)).toBe(false);
      expect(r.stderr).toContain('artifact_gate_failed');
      const tl = await timeline(job);
      expect(tl.events).toHaveLength(0);
      expect(tl.actions.filter((a: any) => a.action === 'block_complete')).toHaveLength(1);
      expect(tl.lease.state).toBe('active');
      expect(tl.runs).toMatchObject([{ phase: 'complete', status: 'failed' }]);
    });

    it('passed: the command runs after the gate, with the fencing token read from the lease', async () => {
      const t = setup();
      const job = uniqueJob('run-gate-ok');
      await lease(job);
      const check = await api(server, server.tokens.system, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${artifactHost()}/ok/${job}`, files: [{ name: 'out.zip' }] });
      expect(check.body.check.passed).toBe(true);
      const marker = t.file('completed.marker');
      const r = await t.run(job, 'complete', sh('complete.sh', marker));
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(marker, 'utf8')).toContain(job);
      const tl = await timeline(job);
      expect(tl.lease.state).toBe('completed');
      expect(tl.events).toMatchObject([{ phase: 'complete', exit_code: 0 }]);
    });

    it('a stale fencing token is refused too (exit 3)', async () => {
      const t = setup();
      const job = uniqueJob('run-gate-stale');
      const token = await lease(job);
      await api(server, server.tokens.system, 'POST', '/api/watchdog/artifact-checks', { job_id: job, primary_url: `${artifactHost()}/ok/${job}`, files: [{ name: 'a' }] });
      const marker = t.file('completed.marker');
      const r = await t.run(job, 'complete', sh('complete.sh', marker), ['--fencing-token', String(token + 5)]);
      expect(r.code).toBe(3);
      expect(fs.existsSync(marker)).toBe(false);
    });
  });
});

describe.each(testServers())('watchdog worker against the $name console', (server: TestServer) => {
  const artifactHost = useArtifactHost();

  function setup(jobs: string[], buildSeconds: number, extra: Record<string, unknown> = {}) {
    const s = scratch('worker-');
    const queue = s.file('queue.txt');
    fs.writeFileSync(queue, jobs.map((j) => j + '\n').join(''));
    const log = s.file('helpers.log');
    const marker = s.file('complete.marker');
    const config = s.writeConfig({
      url: server.url,
      worker_id: 'w-1',
      lease_s: 10,
      progress_interval_s: 0.5,
      idle_s: 0.2,
      helpers: {
        doctor: sh('record.sh', log, 'doctor'),
        touch: sh('record.sh', log, 'touch'),
        claim: sh('claim-queue.sh', queue),
        context: sh('record.sh', log, 'context'),
        progress: sh('record.sh', log, 'progress'),
        build: sh('build.sh', String(buildSeconds)),
        upload: sh('upload.sh', artifactHost()),
        complete: sh('complete.sh', marker),
      },
      ...extra,
    });
    const env = { WATCHDOG_TOKEN: server.tokens.worker, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir };
    return { ...s, queue, log, marker, config, env };
  }

  const timeline = async (job: string) => (await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`)).body;

  it('runs whole jobs: claim, lease, context, build with heartbeats, upload, artifact check, gated complete', async () => {
    const good = uniqueJob('wk-good');
    const bad = uniqueJob('wk-bad');
    const t = setup([good, bad], 1.5);
    const r = await runCli(['worker', '--config', t.config, '--max-jobs', '2'], t.env);
    expect(r.code, r.stderr).toBe(0);

    const a = await timeline(good);
    // the worker exits 0 when a job ends refused by the gate: its log says why
    expect(a.lease, r.stderr).toMatchObject({ state: 'completed', worker_id: 'w-1' });
    // the lease (10 s, inside within_s) was renewed by the heartbeats
    expect(Date.parse(a.lease.last_heartbeat_at)).toBeGreaterThan(Date.parse(a.lease.acquired_at));
    const phases = a.events.map((e: any) => e.phase);
    expect(phases[0]).toBe('claim');
    expect(phases).toEqual(expect.arrayContaining(['context', 'progress', 'build', 'upload', 'complete']));
    expect(phases.filter((p: string) => p === 'progress').length).toBeGreaterThanOrEqual(2);
    expect(a.checks).toMatchObject([{ passed: true }]);
    expect(a.runs.map((x: any) => x.phase)).toEqual(expect.arrayContaining(['claim', 'context', 'progress', 'build', 'upload', 'complete']));
    expect(a.runs.every((x: any) => x.status === 'ok')).toBe(true);

    const b = await timeline(bad);
    expect(b.lease.state).toBe('active');
    expect(b.checks).toMatchObject([{ passed: false }]);
    expect(b.actions.filter((x: any) => x.action === 'block_complete')).toHaveLength(1);
    expect(b.events.map((e: any) => e.phase)).not.toContain('complete');
    expect(fs.readFileSync(t.marker, 'utf8')).toContain(good);
    expect(fs.readFileSync(t.marker, 'utf8')).not.toContain(bad);
    expect(lines(t.log).filter((l) => l.startsWith('doctor'))).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM: the running build is stopped, nothing more starts, exit 0', async () => {
    const job = uniqueJob('wk-term');
    const t = setup([job], 60);
    const { child, result } = startCli(['worker', '--config', t.config], t.env);
    const deadline = Date.now() + 30_000;
    while (!lines(t.log).some((l) => l.startsWith('progress')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const r = await result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('SIGTERM');
    const tl = await timeline(job);
    expect(tl.runs.find((x: any) => x.phase === 'build')).toMatchObject({ status: 'failed' });
    expect(tl.events.map((e: any) => e.phase)).not.toContain('upload');
    expect(fs.existsSync(t.marker)).toBe(false);
  });

  it('waits when there is no job and stops after --once', async () => {
    const t = setup([], 1);
    const r = await runCli(['worker', '--config', t.config, '--once'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(t.log)).toEqual(['doctor ']);
  });

  it('refuses a config without a claim helper (exit 2, one line)', async () => {
    const s = scratch('worker-cfg-');
    const config = s.writeConfig({ url: server.url, worker_id: 'w-1', helpers: { doctor: ['true'] } });
    const r = await runCli(['worker', '--config', config], { WATCHDOG_TOKEN: server.tokens.worker, WATCHDOG_SPOOL_DIR: s.spoolDir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('"claim" is required');
  });
});

describe('watchdog run: config errors are one line and exit 2', () => {
  const cases: [string, (s: ReturnType<typeof scratch>) => { args: string[]; env: Record<string, string> }, RegExp][] = [
    ['a missing config file', (s) => ({ args: ['--config', s.file('nope.json')], env: { WATCHDOG_TOKEN: 't' } }), /not found/],
    ['a config that is not JSON', (s) => ({ args: ['--config', s.writeConfig('{ "url": ')], env: { WATCHDOG_TOKEN: 't' } }), /not valid JSON/],
    [
      'an unknown helper',
      (s) => ({ args: ['--config', s.writeConfig({ url: 'http://127.0.0.1:9', worker_id: 'w-1', helpers: { deploy: ['x'] } })], env: { WATCHDOG_TOKEN: 't' } }),
      /unknown helper "deploy"/,
    ],
    ['no token', (s) => ({ args: ['--config', s.writeConfig({ url: 'http://127.0.0.1:9', worker_id: 'w-1', helpers: {} })], env: {} }), /WATCHDOG_TOKEN/],
    ['no config and no WATCHDOG_URL', () => ({ args: [], env: { WATCHDOG_TOKEN: 't', WATCHDOG_WORKER_ID: 'w-1' } }), /not found/],
    [
      'a helper that is not a list',
      (s) => ({ args: ['--config', s.writeConfig({ url: 'http://127.0.0.1:9', worker_id: 'w-1', helpers: { touch: 'pls touch' } })], env: { WATCHDOG_TOKEN: 't' } }),
      /non-empty array/,
    ],
  ];
  it.each(cases)('%s', async (_name, make, message) => {
    const s = scratch('cfg-');
    const { args, env } = make(s);
    const r = await runCli(['run', ...args, '--job', 'j-1', '--phase', 'context', '--', 'true'], { ...env, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir }, { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(s.spoolDir)).toBe(false);
  });

  it('runs without a config file when WATCHDOG_URL and a worker id are given', async () => {
    const s = scratch('cfg-');
    // nothing listens on port 9: the command still runs and its exit code stands
    const r = await runCli(
      ['run', '--worker-id', 'w-9', '--job', 'j-env', '--phase', 'build', '--', 'sh', '-c', 'exit 7'],
      { WATCHDOG_URL: 'http://127.0.0.1:9', WATCHDOG_TOKEN: 't', WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir },
      { cwd: s.dir },
    );
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('spooled');
  });
});
