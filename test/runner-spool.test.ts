import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, runCli, scratch } from './helpers/cli';
import { api, helperEvent, testServers, uniqueJob } from './helpers/http';
import { freePort, type TestServer } from './helpers/test-server';

const sh = (name: string, ...args: string[]) => ['sh', fixture(name), ...args];

function spoolFiles(dir: string, sub = 'pending'): string[] {
  try {
    return fs
      .readdirSync(path.join(dir, sub))
      .filter((n) => n.endsWith('.json') && !n.endsWith('.why.json'))
      .sort();
  } catch {
    return [];
  }
}

function spooled(dir: string): { kind: string; id: string; body: any }[] {
  return spoolFiles(dir).map((n) => JSON.parse(fs.readFileSync(path.join(dir, 'pending', n), 'utf8')));
}

describe.each(testServers())('the runner spool with the $name console', (server: TestServer) => {
  let downUrl = '';
  /** answers every request with 503, like a console whose database is away */
  let unavailable: http.Server;
  let unavailableUrl = '';
  /** accepts connections and never answers */
  let hung: http.Server;
  let hungUrl = '';
  beforeAll(async () => {
    downUrl = `http://127.0.0.1:${await freePort()}`;
    unavailable = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'database down' } }));
    });
    hung = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => unavailable.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    unavailableUrl = `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}`;
    hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise<void>((r) => unavailable.close(() => r()));
    await new Promise<void>((r) => hung.close(() => r()));
  });

  function setup() {
    const s = scratch('spool-');
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: s.spoolDir, WATCHDOG_STATE_DIR: s.stateDir, WATCHDOG_WORKER_ID: 'w-1' };
    const runAt = (url: string, job: string, phase: string, cmd: string[], extraEnv: Record<string, string> = {}) =>
      runCli(['run', '--job', job, '--phase', phase, '--', ...cmd], { ...env, WATCHDOG_URL: url, ...extraEnv }, { cwd: s.dir });
    const flush = (url = server.url) => runCli(['spool', 'flush'], { ...env, WATCHDOG_URL: url }, { cwd: s.dir });
    return { ...s, env, runAt, flush };
  }

  const events = async (job: string) => {
    const res = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
    return res.status === 404 ? [] : (res.body.events as any[]);
  };

  it('a run while the console is down still runs and exits 0; one flush delivers it exactly once, a second flush duplicates nothing', async () => {
    const t = setup();
    const job = uniqueJob('spool-down');
    const r = await t.runAt(downUrl, job, 'context', sh('ok.sh', job));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"ok":true');
    expect(r.stderr).toContain('spooled');
    const records = spooled(t.spoolDir);
    expect(records.map((x) => x.kind).sort()).toEqual(['event', 'run']);
    const eventId = records.find((x) => x.kind === 'event')!.id;
    expect(await events(job)).toHaveLength(0);

    const first = await t.flush();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/sent 2, rejected 0, quarantined 0, left 0/);
    const after = await events(job);
    expect(after.map((e) => e.id)).toEqual([eventId]);
    expect(spoolFiles(t.spoolDir)).toHaveLength(0);

    const second = await t.flush();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/sent 0/);
    expect((await events(job)).map((e) => e.id)).toEqual([eventId]);
  });

  it('the policy works offline (touch, wait, retry) and every spooled report is sent by the next run', async () => {
    const t = setup();
    const job = uniqueJob('spool-offline');
    const config = t.writeConfig({ url: downUrl, worker_id: 'w-1', helpers: { touch: sh('touch.sh', t.file('touches.log')) } });
    const r = await runCli(['run', '--config', config, '--job', job, '--phase', 'context', '--', ...sh('flaky-fetch.sh', t.file('flaky.state'))], t.env, { cwd: t.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(spooled(t.spoolDir).map((x) => x.kind)).toEqual(['event', 'event', 'action', 'event', 'action', 'run']);

    // the next run, with the console back, sends the spool before its own report
    const next = await t.runAt(server.url, job, 'build', sh('ok.sh'));
    expect(next.code).toBe(0);
    expect(spoolFiles(t.spoolDir)).toHaveLength(0);
    const tl = (await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`)).body;
    expect(tl.events.map((e: any) => e.phase)).toEqual(['context', 'touch', 'context', 'build']);
    expect(tl.events[0].signal).toBe('fetch_failed');
    expect(tl.actions.map((a: any) => [a.action, a.authority]).sort()).toEqual([
      ['retry', 'system'],
      ['touch', 'system'],
    ]);
  });

  it('spools on 5xx and on a timeout too', async () => {
    const t = setup();
    const job = uniqueJob('spool-5xx');
    const a = await t.runAt(unavailableUrl, job, 'progress', sh('ok.sh'));
    expect(a.code).toBe(0);
    const b = await t.runAt(hungUrl, job, 'progress', sh('ok.sh'), { WATCHDOG_HTTP_TIMEOUT_MS: '300' });
    expect(b.code).toBe(0);
    expect(spooled(t.spoolDir).filter((x) => x.kind === 'event')).toHaveLength(2);
    const f = await t.flush();
    expect(f.code).toBe(0);
    expect(await events(job)).toHaveLength(2);
  });

  it('a corrupt spool file is quarantined and reported; the rest still goes', async () => {
    const t = setup();
    const job = uniqueJob('spool-corrupt');
    await t.runAt(downUrl, job, 'context', sh('ok.sh'));
    fs.writeFileSync(path.join(t.spoolDir, 'pending', '00000000000000-0000000-000000-event-broken.json'), '{"v":1,"kind":"event","id":');
    const f = await t.flush();
    expect(f.code).toBe(1);
    expect(f.stdout).toMatch(/sent 2, rejected 0, quarantined 1, left 0/);
    expect(f.stderr).toMatch(/corrupt/);
    expect(spoolFiles(t.spoolDir, 'quarantine')).toEqual(['00000000000000-0000000-000000-event-broken.json']);
    expect(await events(job)).toHaveLength(1);
    // the quarantined file is not tried again
    const again = await t.flush();
    expect(again.code).toBe(0);
  });

  it('an id the console already holds with another body (409 idempotency_conflict) is moved aside, not retried forever', async () => {
    const t = setup();
    const job = uniqueJob('spool-conflict');
    await t.runAt(downUrl, job, 'context', sh('ok.sh'));
    const ev = spooled(t.spoolDir).find((x) => x.kind === 'event')!;
    // someone stored the same id with a different body meanwhile
    const clash = await api(server, server.tokens.system, 'POST', '/api/watchdog/helper-events', helperEvent({ id: ev.id, job_id: job, output: 'something else' }));
    expect(clash.status).toBe(201);
    const f = await t.flush();
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('idempotency_conflict');
    expect(spoolFiles(t.spoolDir, 'rejected')).toHaveLength(1);
    const why = JSON.parse(fs.readFileSync(path.join(t.spoolDir, 'rejected', spoolFiles(t.spoolDir, 'rejected')[0] + '.why.json'), 'utf8'));
    expect(why.why).toMatchObject({ status: 409, code: 'idempotency_conflict' });
    const again = await t.flush();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/sent 0, rejected 0/);
    expect((await events(job)).map((e) => e.output)).toEqual(['something else']);
  });

  it('a flush while the console is still down keeps everything and says so', async () => {
    const t = setup();
    const job = uniqueJob('spool-still-down');
    await t.runAt(downUrl, job, 'context', sh('ok.sh'));
    const f = await t.flush(downUrl);
    expect(f.code).toBe(1);
    expect(f.stdout).toMatch(/left 2 \(stopped: /);
    expect(spoolFiles(t.spoolDir)).toHaveLength(2);
  });
});
