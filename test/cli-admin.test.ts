import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, testServers } from './helpers/http';
import { root, startNextServer, tempDir } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';
import { signInSession } from './helpers/session';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run -s watchdog -- ARGS`, exactly as a user or a script runs it. */
function cli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'watchdog', '--', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', WATCHDOG_LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

/** stderr without npm's own configuration warnings, which are not the CLI's output. */
const cliLines = (stderr: string) => stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'));

/** Signs in with the password and reads the audit log with the session: its status (401 when refused). */
async function signIn(url: string, email: string, password: string): Promise<number> {
  const session = await signInSession(url, email, password);
  if (!session) return 401;
  const me = await fetch(`${url}/api/watchdog/audit?limit=1`, { headers: { cookie: session } });
  return me.status;
}

const kinds = testServers().map((s) => s.name);

describe.each(kinds)('watchdog CLI administration on %s', (kind) => {
  const dataDir = tempDir(`watchdog-cli-${kind}-`);
  let databaseUrl = '';
  let env: Record<string, string>;
  let server: { url: string; child: ChildProcess } | null = null;
  const offline: { system?: string; worker?: string; revokedId?: string; revoked?: string } = {};

  beforeAll(() => {
    if (kind === 'postgres') databaseUrl = createDatabase(inject('postgresAdminUrl'), `cli_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
    env = { WATCHDOG_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
  });

  async function stopServer() {
    if (!server) return;
    const { child } = server;
    server = null;
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  afterAll(async () => {
    await stopServer();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a worker token without --worker-id: exit 2, one line', async () => {
    const r = await cli(['token', 'create', '--role', 'worker'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(cliLines(r.stderr)).toEqual(['watchdog: --worker-id is required for the worker role']);
    for (const args of [
      ['token', 'create', '--role', 'root'],
      ['token', 'create', '--role', 'system', '--worker_id', 'w-1'],
      ['token', 'revoke', 'not-an-id'],
      ['user', 'create', '--email', 'a@b.test', '--role', 'owner', '--password', 'short'],
    ]) {
      const bad = await cli(args, env);
      expect({ args, code: bad.code, lines: cliLines(bad.stderr).length }).toEqual({ args, code: 2, lines: 1 });
    }
  });

  it('works while no server is running: migrate, token create/list/revoke, user create (--password and stdin)', async () => {
    const migrate = await cli(['migrate'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/^migrations applied \((pglite|postgres)/);

    const system = await cli(['token', 'create', '--role', 'system', '--name', 'cli-system'], env);
    expect(system.code).toBe(0);
    expect(system.stdout).toMatch(/^wdt_[A-Za-z0-9_-]+\n$/);
    offline.system = system.stdout.trim();
    const worker = await cli(['token', 'create', '--role', 'worker', '--worker-id', 'w-cli'], env);
    offline.worker = worker.stdout.trim();
    const doomed = await cli(['token', 'create', '--role', 'supervisor', '--name', 'cli-doomed'], env);
    offline.revoked = doomed.stdout.trim();

    const list = await cli(['token', 'list', '--json'], env);
    expect(list.code).toBe(0);
    const tokens = JSON.parse(list.stdout) as { id: string; name: string; role: string; worker_id: string | null }[];
    expect(tokens.map((t) => [t.name, t.role, t.worker_id]).sort()).toEqual(
      [
        ['cli-doomed', 'supervisor', null],
        ['cli-system', 'system', null],
        ['worker-w-cli', 'worker', 'w-cli'],
      ].sort(),
    );
    for (const secret of [offline.system, offline.worker, offline.revoked]) expect(list.stdout).not.toContain(secret!.slice(10));
    const table = await cli(['token', 'list'], env);
    expect(table.stdout.split('\n')[0]).toBe('ID\tROLE\tWORKER\tNAME\tPREFIX\tSTATE\tCREATED');
    expect(table.stdout).toContain('cli-system');

    offline.revokedId = tokens.find((t) => t.name === 'cli-doomed')!.id;
    const revoke = await cli(['token', 'revoke', offline.revokedId], env);
    expect(revoke.code).toBe(0);
    expect(JSON.parse((await cli(['token', 'list', '--json'], env)).stdout).find((t: { id: string }) => t.id === offline.revokedId).revoked_at).toEqual(expect.any(String));

    const withFlag = await cli(['user', 'create', '--email', 'cli-owner@example.test', '--role', 'owner', '--password', 'cli-owner-password'], env);
    expect(withFlag.code).toBe(0);
    expect(withFlag.stdout).toMatch(/^created owner cli-owner@example\.test/);
    const fromStdin = await cli(['user', 'create', '--email', 'cli-sup@example.test', '--role', 'supervisor'], env, 'cli-supervisor-password\n');
    expect(fromStdin.code).toBe(0);
    const again = await cli(['user', 'create', '--email', 'cli-sup@example.test', '--role', 'supervisor', '--password', 'whatever-password'], env);
    expect(again.code).toBe(1);
    expect(cliLines(again.stderr)).toEqual([expect.stringContaining('--email: already taken')]);
  }, 180_000);

  it('the server started afterwards accepts what the CLI made offline', async () => {
    server = await startNextServer({ databaseUrl: databaseUrl || null, dataDir });
    if (kind === 'pglite') expect(fs.existsSync(path.join(dataDir, 'server.json'))).toBe(true);
    expect((await api(server, offline.system!, 'GET', '/api/watchdog/rules')).status).toBe(200);
    const run = await api(server, offline.worker!, 'POST', '/api/watchdog/worker-runs', {
      id: randomUUID(),
      worker_id: 'w-cli',
      job_id: 'cli-job-1',
      phase: 'doctor',
      status: 'ok',
      started_at: new Date().toISOString(),
    });
    expect(run.status).toBe(201);
    expect((await api(server, offline.revoked!, 'GET', '/api/watchdog/rules')).status).toBe(401);
    expect(await signIn(server.url, 'cli-owner@example.test', 'cli-owner-password')).toBe(200);
    expect(await signIn(server.url, 'cli-sup@example.test', 'cli-supervisor-password')).toBe(200);
  }, 120_000);

  it('works while the server is running (through server.json on the embedded database): tokens usable and revocable at once', async () => {
    const live = server!;
    const migrate = await cli(['migrate'], env);
    expect(migrate.code).toBe(0);
    if (kind === 'pglite') expect(migrate.stdout).toContain('running server');

    const owner = await cli(['token', 'create', '--role', 'owner', '--name', 'cli-live-owner'], env);
    expect(owner.code).toBe(0);
    const secret = owner.stdout.trim();
    expect(secret).toMatch(/^wdt_/);
    const tokens = await api(live, secret, 'GET', '/api/watchdog/tokens');
    expect(tokens.status).toBe(200);
    const row = tokens.body.tokens.find((t: { name: string }) => t.name === 'cli-live-owner');
    expect(row).toMatchObject({ role: 'owner', created_by: 'cli', revoked_at: null });

    const listed = await cli(['token', 'list'], env);
    expect(listed.stdout).toContain(row.id);
    const revoke = await cli(['token', 'revoke', row.id], env);
    expect(revoke.code).toBe(0);
    expect((await api(live, secret, 'GET', '/api/watchdog/tokens')).status).toBe(401);

    const user = await cli(['user', 'create', '--email', 'cli-live@example.test', '--role', 'supervisor'], env, 'cli-live-password\n');
    expect(user.code).toBe(0);
    expect(await signIn(live.url, 'cli-live@example.test', 'cli-live-password')).toBe(200);

    const sweep = await cli(['sweep'], env);
    expect(sweep.code).toBe(0);
    expect(JSON.parse(sweep.stdout)).toMatchObject({ swept_at: expect.any(String), findings: expect.any(Array) });
    const verify = await cli(['audit', 'verify'], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: expect.any(Number) });
  }, 180_000);

  it('works again once the server has stopped', async () => {
    await stopServer();
    const worker = await cli(['token', 'create', '--role', 'worker', '--worker-id', 'w-after', '--name', 'cli-after'], env);
    expect(worker.code).toBe(0);
    const list = JSON.parse((await cli(['token', 'list', '--json'], env)).stdout) as { name: string }[];
    expect(list.map((t) => t.name)).toContain('cli-after');
    expect(list.map((t) => t.name)).toContain('cli-live-owner');
  }, 120_000);
});
