import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, scratch } from './helpers/cli';
import { api, testServers, uniqueJob } from './helpers/http';
import type { TestServer } from './helpers/test-server';

const sh = (name: string, ...args: string[]) => ['sh', fixture(name), ...args];

describe.each(testServers())('the runner hands learnings to helpers on the $name console', (server: TestServer) => {
  it('writes <state_dir>/learnings.json from the classified answer before the retry, and gives helpers WATCHDOG_LEARNINGS_FILE', async () => {
    const check = `check the queue deploy status ${uniqueJob('advice')}`;
    const added = await api(server, server.tokens.supervisor, 'POST', '/api/watchdog/learnings', {
      signal: 'fetch_failed',
      learned: ['the queue 500s after deploys'],
      next_worker_should_check: [check],
    });
    expect(added.status).toBe(201);

    const s = scratch('runner-learn-');
    const config = s.writeConfig({ url: server.url, worker_id: 'w-1', helpers: { touch: sh('touch.sh', s.file('touches.log')) } });
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir };
    const job = uniqueJob('run-learn');
    const seen = s.file('seen.txt');
    const r = await runCli(['run', '--config', config, '--job', job, '--phase', 'context', '--', ...sh('read-learnings.sh', s.file('flaky.state'), seen)], env);
    expect(r.code, r.stderr).toBe(0);

    const file = path.join(s.stateDir, 'learnings.json');
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written).toMatchObject({ signal: 'fetch_failed', job_id: job, phase: 'context', event_id: expect.any(String) });
    expect(written.learnings.length).toBeGreaterThanOrEqual(1);
    expect(written.learnings.length).toBeLessThanOrEqual(3);
    expect(written.learnings.map((l: { id: string }) => l.id)).toContain(added.body.learning.id);

    // the retry (attempt 2) found the variable and read the file the runner wrote before it ran
    const text = fs.readFileSync(seen, 'utf8');
    expect(text).toContain('attempt=2');
    expect(text).toContain(`file=${file}`);
    expect(text).toContain(check);
  });

  it('a healthy command gets the variable too, and no file is written for it', async () => {
    const s = scratch('runner-learn-ok-');
    const config = s.writeConfig({ url: server.url, worker_id: 'w-1', helpers: {} });
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir };
    const out = s.file('env.txt');
    const r = await runCli(['run', '--config', config, '--job', uniqueJob('run-learn-ok'), '--phase', 'build', '--', 'sh', '-c', `echo "$WATCHDOG_LEARNINGS_FILE" > ${out}`], env);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trim()).toBe(path.join(s.stateDir, 'learnings.json'));
    expect(fs.existsSync(path.join(s.stateDir, 'learnings.json'))).toBe(false);
  });
});
