import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '@/package.json';
import { HELPER_NAMES } from '@/cli/runner/config';
import { fixture, lines, runCli, useArtifactHost } from './helpers/cli';
import { api, testServers, uniqueJob } from './helpers/http';
import { root, type TestServer } from './helpers/test-server';

// @ts-expect-error plain .mjs script (npm run build:runner)
import { buildRunner, MAX_RUNNER_BYTES } from '../scripts/build-runner.mjs';

/** Built by the global setup from the sources under test. */
const builtFile = path.join(root, 'dist', 'watchdog-runner.mjs');
const sh = (name: string, ...args: string[]) => ['sh', fixture(name), ...args];
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const CONFIG_KEYS = ['url', 'worker_id', 'helpers', 'lease_s', 'progress_interval_s', 'idle_s', 'authority', 'spool_dir', 'state_dir'];

/** An empty folder under the OS temp dir with no node_modules in it or in any folder above it. */
function emptyFolderWithoutNodeModules(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-runner-alone-'));
  expect(fs.readdirSync(dir)).toEqual([]);
  for (let d = dir; ; d = path.dirname(d)) {
    expect(fs.existsSync(path.join(d, 'node_modules')), `${d} holds a node_modules`).toBe(false);
    if (path.dirname(d) === d) break;
  }
  return dir;
}

/** The runner file copied alone into an empty folder; runs it there. */
function aloneCopy(body: Buffer = fs.readFileSync(builtFile)) {
  const dir = emptyFolderWithoutNodeModules();
  const script = path.join(dir, 'watchdog-runner.mjs');
  fs.writeFileSync(script, body, { mode: 0o755 });
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    script,
    file,
    run: (args: string[], env: Record<string, string> = {}, cwd = dir) => runCli(args, env, { script, cwd }),
  };
}

/** The same command through the `watchdog` CLI of this repository. */
const viaCli = (args: string[], env: Record<string, string> = {}, cwd?: string) => runCli(args, env, { cwd });

describe('the runner file (dist/watchdog-runner.mjs)', () => {
  it('is one file under 300 KB that loads nothing but Node built-ins (esbuild metafile)', async () => {
    const body = fs.readFileSync(builtFile);
    expect(body.length).toBeLessThan(300 * 1024);
    expect(MAX_RUNNER_BYTES).toBe(300 * 1024);
    const text = body.toString('utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text.split('\n')[1]).toContain(`watchdog-runner ${pkg.version}`);
    // every module the file loads at run time is a node: built-in
    const specifiers = [...text.matchAll(/(?:^|[;\n]\s*)import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g)].map(
      (m) => m[1] ?? m[2] ?? m[3],
    );
    expect(specifiers.length).toBeGreaterThan(3);
    expect(specifiers.filter((s) => !s.startsWith('node:'))).toEqual([]);
    // the build itself checks the metafile: no input from node_modules (but zod/mini) or the database layer
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-runner-build-')), 'runner.mjs');
    const built = await buildRunner({ outfile: out });
    const inputs = built.inputs.map((i: { name: string }) => i.name);
    expect(inputs).toContain('cli/runner/policy.ts');
    expect(inputs).toContain('cli/commands/run.ts');
    // zod/mini alone is compiled in (the runner's environment check, lib/config-runner.ts); full zod never
    expect(inputs.filter((n: string) => /node_modules\/(?!zod\/)|^db\/|drizzle|pglite|zod\/v4\/classic/.test(n))).toEqual([]);
    // one source: the same build twice is the same bytes
    expect(sha256(fs.readFileSync(out))).toBe(sha256(body));
  });

  it('alone in an empty folder: version, init (commented, every key, never overwritten without --force) as the CLI does', async () => {
    const t = aloneCopy();
    const v = await t.run(['version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`watchdog-runner ${pkg.version} (node ${process.version})\n`);
    expect((await viaCli(['version'])).stdout).toBe(v.stdout);
    const json = await t.run(['version', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ runner_version: pkg.version, node_version: process.version });

    const init = await t.run(['init', '--url', 'http://127.0.0.1:9', '--worker-id', 'w-alone']);
    expect(init.code, init.stderr).toBe(0);
    const written = fs.readFileSync(t.file('watchdog.config.json'), 'utf8');
    for (const key of CONFIG_KEYS) expect(written, key).toMatch(new RegExp(`// ${key}: .+\\n(\\s*//.*\\n)*\\s*"${key}":`));
    for (const helper of HELPER_NAMES) expect(written, helper).toMatch(new RegExp(`// ${helper}: .+\\n\\s*"${helper}": \\[`));
    expect(written).toContain('"url": "http://127.0.0.1:9"');
    expect(written).toContain('"worker_id": "w-alone"');
    expect(written).not.toMatch(/wdt_|"token"/);

    // the CLI writes the same bytes
    const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-init-cli-'));
    expect((await viaCli(['init', '--url', 'http://127.0.0.1:9', '--worker-id', 'w-alone'], {}, cliDir)).code).toBe(0);
    expect(fs.readFileSync(path.join(cliDir, 'watchdog.config.json'), 'utf8')).toBe(written);

    fs.appendFileSync(t.file('watchdog.config.json'), '// edited by hand\n');
    const again = await t.run(['init', '--url', 'http://127.0.0.1:8']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/watchdog\.config\.json exists; --force overwrites it/);
    expect(fs.readFileSync(t.file('watchdog.config.json'), 'utf8')).toBe(written + '// edited by hand\n');
    const forced = await t.run(['init', '--force', '--url', 'http://127.0.0.1:8', '--worker-id', 'w-alone']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readFileSync(t.file('watchdog.config.json'), 'utf8')).toContain('"url": "http://127.0.0.1:8"');

    const bad = await t.run(['init', '--config', t.file('other.json'), '--worker-id', 'bad id']);
    expect(bad.code).toBe(2);
    expect(fs.existsSync(t.file('other.json'))).toBe(false);

    const other = await t.run(['migrate']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('"migrate" is not a runner command');
  });

  it('the console builds the file when it is missing or from another version, and serves it from memory', async () => {
    const { loadRunnerFile } = await import('@/lib/http/runner-file');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-console-')), 'dist', 'watchdog-runner.mjs');
    const first = await loadRunnerFile(file);
    expect(first.version).toBe(pkg.version);
    expect(first.sha256).toBe(sha256(fs.readFileSync(file)));
    expect(first.body.equals(fs.readFileSync(builtFile))).toBe(true);
    expect(await loadRunnerFile(file)).toBe(first);

    fs.writeFileSync(file, '#!/usr/bin/env node\n// watchdog-runner 0.0.1-old\n');
    const rebuilt = await loadRunnerFile(file);
    expect(rebuilt.sha256).toBe(first.sha256);
    expect(fs.readFileSync(file, 'utf8')).toContain(`// watchdog-runner ${pkg.version} `);

    fs.rmSync(file);
    const [a, b] = await Promise.all([loadRunnerFile(file), loadRunnerFile(file)]);
    expect([a.sha256, b.sha256]).toEqual([first.sha256, first.sha256]);
  });

  describe('against a console on 127.0.0.1 that records what it is sent', () => {
    const seen: { method: string; url: string; userAgent: string | undefined }[] = [];
    let consoleVersion = '99.0.0';
    let server: http.Server;
    let url = '';
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', userAgent: req.headers['user-agent'] });
        req.resume();
        req.on('end', () => {
          const headers = { 'content-type': 'application/json', 'x-watchdog-version': consoleVersion };
          if (req.url === '/api/watchdog/helper-events') {
            res.writeHead(201, headers);
            res.end(JSON.stringify({ event: { id: 'e' }, classification: { signal: null, rule_version: 1, suggested_actions: [] }, incident_id: null }));
          } else if (req.url === '/api/health') {
            res.writeHead(200, headers);
            res.end(JSON.stringify({ status: 'ok', database: 'pglite', version: consoleVersion }));
          } else {
            res.writeHead(201, headers);
            res.end('{}');
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('every request says User-Agent watchdog-runner/<version>; another major version is warned about once', async () => {
      const t = aloneCopy();
      const env = { WATCHDOG_URL: url, WATCHDOG_TOKEN: 't', WATCHDOG_WORKER_ID: 'w-ua', WATCHDOG_SPOOL_DIR: t.file('spool'), WATCHDOG_STATE_DIR: t.file('state') };
      seen.length = 0;
      const r = await t.run(['run', '--job', 'j-ua', '--phase', 'build', '--', 'sh', '-c', 'echo built'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(expect.arrayContaining(['POST /api/watchdog/helper-events', 'POST /api/watchdog/worker-runs']));
      expect(seen.every((s) => s.userAgent === `watchdog-runner/${pkg.version}`)).toBe(true);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('major versions differ'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the console runs version 99.0.0, this runner ${pkg.version}`);

      const check = await t.run(['version', '--console'], env);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain(`console 99.0.0 at ${url}`);
      expect(check.stderr.split('\n').filter((l) => l.includes('major versions differ'))).toHaveLength(1);

      consoleVersion = `${pkg.version.split('.')[0]}.99.0`;
      const same = await t.run(['run', '--job', 'j-ua2', '--phase', 'build', '--', 'true'], env);
      expect(same.code, same.stderr).toBe(0);
      expect(same.stderr).not.toContain('major versions differ');
    });
  });
});

/** What a job's timeline says happened, without ids, times and paths: two runs of the same story compare equal. */
function story(tl: any) {
  return {
    lease: tl.lease ? { state: tl.lease.state, worker_id: tl.lease.worker_id } : null,
    // progress heartbeats come as long as the build runs: how many, and where they fall, is timing, not story
    events: tl.events.filter((e: any) => e.phase !== 'progress').map((e: any) => `${e.phase} exit=${e.exit_code} signal=${e.signal} error=${e.error_code ?? null} hash=${e.output_hash}`),
    heartbeats: tl.events.some((e: any) => e.phase === 'progress'),
    actions: tl.actions.map((a: any) => `${a.action} ${a.authority} ${a.trigger} ${a.result} suggestion=${a.suggestion} evidence=${a.evidence_event_ids?.length ?? 0}`),
    runs: [...new Set<string>(tl.runs.map((r: any) => `${r.phase} ${r.status}`))].sort(),
    checks: tl.checks.map((c: any) => c.passed),
  };
}

describe.each(testServers())('the runner file against the $name console', (server: TestServer) => {
  const artifactHost = useArtifactHost();
  const timeline = async (job: string) => {
    const res = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  /** Fetched as a worker machine does: the file and its headers, the checksum checked. */
  async function download(token: string) {
    const res = await fetch(`${server.url}/api/watchdog/runner`, { headers: { authorization: `Bearer ${token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    return { res, body };
  }

  it('GET /api/watchdog/runner: the file, its version and the sha256 of the body; 401 without a token', async () => {
    const { res, body } = await download(server.tokens.worker);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('x-runner-version')).toBe(pkg.version);
    expect(res.headers.get('x-checksum-sha256')).toBe(sha256(body));
    expect(res.headers.get('x-watchdog-version')).toBe(pkg.version);
    expect(body.equals(fs.readFileSync(builtFile))).toBe(true);
    // the same bytes again (cached), and for every other role
    for (const role of ['system', 'supervisor', 'owner'] as const) {
      const again = await download(server.tokens[role]);
      expect(again.res.status, role).toBe(200);
      expect(again.res.headers.get('x-checksum-sha256')).toBe(sha256(body));
    }

    const anonymous = await api(server, null, 'GET', '/api/watchdog/runner');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthenticated');
    const unknown = await api(server, 'wdt_not-a-token', 'GET', '/api/watchdog/runner', undefined, { 'x-forwarded-for': '198.51.100.77' });
    expect(unknown.status).toBe(401);
    expect(typeof unknown.body).toBe('object');
    const post = await api(server, server.tokens.owner, 'POST', '/api/watchdog/runner', {});
    expect(post.status).toBe(405);
  });

  it('fetched alone into an empty folder, `run` repairs a fetch failed with the same story as `watchdog run`', async () => {
    const { res, body } = await download(server.tokens.worker);
    expect(res.headers.get('x-checksum-sha256')).toBe(sha256(body));
    const t = aloneCopy(body);

    // init's own file, as written, drives a run (the loader reads what init writes)
    expect((await t.run(['init', '--url', server.url, '--worker-id', 'w-1'])).code).toBe(0);
    const plain = uniqueJob('file-init');
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_SPOOL_DIR: t.file('spool'), WATCHDOG_STATE_DIR: t.file('state') };
    const first = await t.run(['run', '--job', plain, '--phase', 'build', '--', 'sh', '-c', 'echo built'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('major versions differ');
    expect((await timeline(plain)).events).toMatchObject([{ phase: 'build', exit_code: 0, worker_id: 'w-1', output: 'built\n' }]);

    const touches = t.file('touches.log');
    const config = t.file('flaky.config.json');
    fs.writeFileSync(config, JSON.stringify({ url: server.url, worker_id: 'w-1', helpers: { touch: sh('touch.sh', touches) } }));
    const flaky = (job: string, state: string) => ['run', '--config', config, '--job', job, '--phase', 'context', '--', ...sh('flaky-fetch.sh', state)];
    const viaFile = uniqueJob('file-flaky');
    const viaWatchdog = uniqueJob('cli-flaky');
    const a = await t.run(flaky(viaFile, t.file('flaky-a.state')), env);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('"ok":true');
    expect(lines(touches)).toHaveLength(1);
    const b = await viaCli(flaky(viaWatchdog, t.file('flaky-b.state')), env);
    expect(b.code, b.stderr).toBe(0);
    expect(lines(touches)).toHaveLength(2);

    const fileStory = story(await timeline(viaFile));
    expect(fileStory.events).toEqual([
      expect.stringMatching(/^context exit=1 signal=fetch_failed error=null hash=sha256:/),
      expect.stringMatching(/^touch exit=0 signal=null/),
      expect.stringMatching(/^context exit=0 signal=null error=null hash=sha256:/),
    ]);
    expect(fileStory.actions).toEqual([expect.stringMatching(/^touch system fetch_failed success suggestion=false/), 'retry system fetch_failed success suggestion=false evidence=2']);
    expect(fileStory.runs).toEqual(['context retried']);
    expect(story(await timeline(viaWatchdog))).toEqual(fileStory);
    const events = (await timeline(viaFile)).events.filter((e: any) => e.phase === 'context');
    expect(Date.parse(events[1].created_at) - Date.parse(events[0].created_at)).toBeGreaterThanOrEqual(3000);
  });

  it('`worker --once` runs a whole job with the same story as `watchdog worker --once`', async () => {
    const { body } = await download(server.tokens.worker);
    const t = aloneCopy(body);
    const setup = (name: string, job: string) => {
      const queue = t.file(`${name}.queue`);
      fs.writeFileSync(queue, job + '\n');
      const log = t.file(`${name}.log`);
      const marker = t.file(`${name}.complete`);
      const config = t.file(`${name}.config.json`);
      fs.writeFileSync(
        config,
        JSON.stringify({
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
            build: sh('build.sh', '1.5'),
            upload: sh('upload.sh', artifactHost()),
            complete: sh('complete.sh', marker),
          },
        }),
      );
      const env = { WATCHDOG_TOKEN: server.tokens.worker, WATCHDOG_SPOOL_DIR: t.file(`${name}-spool`), WATCHDOG_STATE_DIR: t.file(`${name}-state`) };
      return { args: ['worker', '--config', config, '--once'], env, marker, log };
    };
    const viaFile = uniqueJob('file-worker');
    const viaWatchdog = uniqueJob('cli-worker');
    const f = setup('file', viaFile);
    const c = setup('cli', viaWatchdog);
    const a = await t.run(f.args, f.env);
    expect(a.code, a.stderr).toBe(0);
    const b = await viaCli(c.args, c.env);
    expect(b.code, b.stderr).toBe(0);

    expect(fs.readFileSync(f.marker, 'utf8')).toContain(viaFile);
    expect(lines(f.log).filter((l) => l.startsWith('progress')).length).toBeGreaterThanOrEqual(2);
    const fileStory = story(await timeline(viaFile));
    expect(fileStory.lease).toEqual({ state: 'completed', worker_id: 'w-1' });
    expect(fileStory.checks).toEqual([true]);
    const phases = fileStory.events.map((e: string) => e.split(' ')[0]);
    expect(phases).toEqual(['claim', 'context', 'build', 'upload', 'complete']);
    expect(fileStory.heartbeats).toBe(true);
    expect(fileStory.runs).toEqual(expect.arrayContaining(['claim ok', 'context ok', 'build ok', 'upload ok', 'complete ok']));
    const cliStory = story(await timeline(viaWatchdog));
    expect({ ...cliStory, events: cliStory.events.map((e: string) => e.replace(/hash=\S+/, '')) }).toEqual({ ...fileStory, events: fileStory.events.map((e: string) => e.replace(/hash=\S+/, '')) });
  });

  it('spools while the console is unreachable; `spool status` and `spool flush` as the CLI has them', async () => {
    const t = aloneCopy();
    const job = uniqueJob('file-spool');
    const env = { WATCHDOG_TOKEN: server.tokens.system, WATCHDOG_WORKER_ID: 'w-1', WATCHDOG_SPOOL_DIR: t.file('spool'), WATCHDOG_STATE_DIR: t.file('state') };
    // nothing listens on port 9
    const down = await t.run(['run', '--job', job, '--phase', 'build', '--', 'sh', '-c', 'echo offline'], { ...env, WATCHDOG_URL: 'http://127.0.0.1:9' });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain('spooled');

    const status = await t.run(['spool', 'status', '--json'], { ...env, WATCHDOG_URL: server.url });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ spool_dir: t.file('spool'), pending: 2, rejected: 0, quarantined: 0, oldest_pending_at: expect.any(String) });
    expect((await viaCli(['spool', 'status', '--json'], { ...env, WATCHDOG_URL: server.url })).stdout).toBe(status.stdout);
    expect((await t.run(['spool', 'status'], { ...env, WATCHDOG_URL: server.url })).stdout).toMatch(/: pending 2 \(oldest spooled .+\), rejected 0, quarantined 0\n$/);

    const flush = await t.run(['spool', 'flush'], { ...env, WATCHDOG_URL: server.url });
    expect(flush.code, flush.stderr).toBe(0);
    expect(flush.stdout).toContain('sent 2, rejected 0, quarantined 0, left 0');
    const tl = await timeline(job);
    expect(tl.events).toMatchObject([{ phase: 'build', exit_code: 0, output: 'offline\n' }]);
    expect(tl.runs).toMatchObject([{ phase: 'build', status: 'ok' }]);
    expect(JSON.parse((await t.run(['spool', 'status', '--json'], { ...env, WATCHDOG_URL: server.url })).stdout).pending).toBe(0);
  });
});
