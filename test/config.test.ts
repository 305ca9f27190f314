import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, launcherVariables, readConfig, variables } from '@/lib/config';
import { readRunnerEnv } from '@/lib/config-runner';
import { runCli, scratch } from './helpers/cli';
import { freePort, root, tempDir } from './helpers/test-server';

/** The one line a bad environment gives, or null when it parses. */
function problem(env: Record<string, string>): string | null {
  try {
    readConfig(env);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('lib/config.ts: every environment variable, parsed once', () => {
  it('gives typed defaults for an empty environment (an empty value counts as unset)', () => {
    const c = readConfig({});
    expect(c).toMatchObject({
      nodeEnv: 'production',
      port: 3000,
      databaseUrl: '',
      dataDir: './.data',
      pgPoolMax: 10,
      nextauthUrl: 'http://localhost:3000',
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      demo: 'auto',
      scheduler: true,
      shutdownGraceMs: 20_000,
      streamHeartbeatMs: 15_000,
      ingestGroups: 1,
      rateLimit: { rps: 100, burst: 400 },
      authFailures: { rps: 0.2, burst: 20 },
      refusalAudit: { burst: 60, perMinute: 6 },
      trustedProxies: [],
      allowPrivateHosts: false,
      allowPrivateArtifactHosts: false,
      webhook: { url: undefined, secret: '' },
      oidc: null,
      runner: { httpTimeoutMs: 5000 },
    });
    expect(readConfig({ PORT: '', WATCHDOG_SHUTDOWN_GRACE_MS: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, shutdownGraceMs: 20_000, databaseUrl: '' });
  });

  it('reads set values into their types', () => {
    const c = readConfig({
      PORT: '8080',
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://u:p@db:5432/watchdog',
      WATCHDOG_DEMO: '0',
      WATCHDOG_SCHEDULER: '0',
      WATCHDOG_RATE_LIMIT_RPS: '0',
      WATCHDOG_AUTH_FAILURE_RPS: '0.5',
      WATCHDOG_INGEST_GROUPS: '99',
      WATCHDOG_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8',
      WATCHDOG_ALLOW_PRIVATE_HOSTS: '1',
      WATCHDOG_PUBLIC_URL: 'https://watchdog.example.com',
      WATCHDOG_OIDC_ISSUER: 'https://id.example.com/realms/ops',
      WATCHDOG_OIDC_CLIENT_ID: 'watchdog',
      WATCHDOG_OIDC_CLIENT_SECRET: 's3cret',
      WATCHDOG_OIDC_ROLE_CLAIM: 'groups',
      WATCHDOG_OIDC_ROLE_MAP: '{"sre":"supervisor","leads":"owner"}',
    });
    expect(c).toMatchObject({
      port: 8080,
      nextauthUrl: 'http://localhost:8080',
      publicUrl: 'https://watchdog.example.com',
      logLevel: 'silent',
      databaseUrl: 'postgres://u:p@db:5432/watchdog',
      demo: false,
      scheduler: false,
      rateLimit: { rps: 0 },
      authFailures: { rps: 0.5 },
      ingestGroups: 32,
      trustedProxies: ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8'],
      allowPrivateHosts: true,
      // WATCHDOG_ALLOW_PRIVATE_HOSTS also opens the artifact checks
      allowPrivateArtifactHosts: true,
      oidc: { issuer: 'https://id.example.com/realms/ops', clientId: 'watchdog', clientSecret: 's3cret', name: 'OIDC', roleClaim: 'groups', roleMap: { sre: 'supervisor', leads: 'owner' } },
    });
  });

  it('a bad value is one line naming the variable and what it must be', () => {
    expect(problem({ WATCHDOG_SHUTDOWN_GRACE_MS: 'abc' })).toBe('WATCHDOG_SHUTDOWN_GRACE_MS must be a positive integer, got "abc"');
    expect(problem({ PORT: '0' })).toBe('PORT must be a positive integer, got "0"');
    expect(problem({ WATCHDOG_PG_POOL_MAX: '2.5' })).toBe('WATCHDOG_PG_POOL_MAX must be a positive integer, got "2.5"');
    expect(problem({ WATCHDOG_RATE_LIMIT_RPS: '-1' })).toBe('WATCHDOG_RATE_LIMIT_RPS must be a number ≥ 0, got "-1"');
    expect(problem({ WATCHDOG_REFUSAL_AUDIT_BURST: '0' })).toBe('WATCHDOG_REFUSAL_AUDIT_BURST must be a positive number, got "0"');
    expect(problem({ WATCHDOG_ALLOW_PRIVATE_HOSTS: 'maybe' })).toBe('WATCHDOG_ALLOW_PRIVATE_HOSTS must be 1 or 0, got "maybe"');
    expect(problem({ WATCHDOG_LOG_LEVEL: 'loud' })).toBe('WATCHDOG_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
    expect(problem({ WATCHDOG_WEBHOOK_URL: 'ftp://x' })).toBe('WATCHDOG_WEBHOOK_URL must be a URL starting with http:// or https://, got "ftp://x"');
    expect(problem({ WATCHDOG_TRUSTED_PROXIES: '10.0.0.1, proxy.local' })).toBe(
      'WATCHDOG_TRUSTED_PROXIES must list IP addresses or CIDR ranges separated by commas ("proxy.local" is neither), got "10.0.0.1, proxy.local"',
    );
    expect(problem({ WATCHDOG_TRUSTED_PROXIES: '10.0.0.0/33' })).toMatch(/^WATCHDOG_TRUSTED_PROXIES must list/);
    expect(problem({ WATCHDOG_OIDC_ROLE_MAP: '{"sre":"admin"}' })).toBe('WATCHDOG_OIDC_ROLE_MAP must map each key to one of supervisor, owner ("sre" does not), got "{\\"sre\\":\\"admin\\"}"');
    expect(problem({ WATCHDOG_OIDC_ROLE_MAP: '[1]' })).toMatch(/^WATCHDOG_OIDC_ROLE_MAP must be a JSON object/);
    expect(problem({ WATCHDOG_AUTHORITY: 'root' })).toBe('WATCHDOG_AUTHORITY must be one of system, worker, auto, got "root"');
    expect(problem({ WATCHDOG_OIDC_ISSUER: 'https://id.example.com' })).toBe(
      'WATCHDOG_OIDC_CLIENT_ID must be set when WATCHDOG_OIDC_ISSUER is (OIDC sign-in needs the issuer, the client id and the client secret)',
    );
    expect(problem({ WATCHDOG_OIDC_ROLE_CLAIM: 'groups' })).toMatch(/^WATCHDOG_OIDC_ROLE_MAP must be set when WATCHDOG_OIDC_ROLE_CLAIM is/);
  });

  it('never echoes a secret value in the error line', () => {
    const db = problem({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(db).toBe('DATABASE_URL must be a URL starting with postgres:// or postgresql://');
    const key = problem({ WATCHDOG_SECRET_KEY: 'short-hunter2' });
    expect(key).toBe('WATCHDOG_SECRET_KEY must be at least 32 characters long');
    expect(`${db}${key}`).not.toContain('hunter2');
  });

  it('the runner part reads only its own variables', () => {
    expect(readRunnerEnv({ WATCHDOG_HTTP_TIMEOUT_MS: '250', WATCHDOG_SHUTDOWN_GRACE_MS: 'abc' })).toMatchObject({ WATCHDOG_HTTP_TIMEOUT_MS: 250 });
    expect(() => readRunnerEnv({ WATCHDOG_HTTP_TIMEOUT_MS: 'soon' })).toThrow('WATCHDOG_HTTP_TIMEOUT_MS must be a positive integer, got "soon"');
  });

  it('docs/OPERATIONS.md lists every variable in its configuration table', () => {
    const doc = fs.readFileSync(path.join(root, 'docs', 'OPERATIONS.md'), 'utf8');
    const rows = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((m) => m[1]));
    const missing = [...Object.keys(variables), ...Object.keys(launcherVariables)].filter((name) => !rows.has(name));
    expect(missing).toEqual([]);
  });

  it('no code outside lib/config*.ts reads a setting from process.env', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else if (/\.(ts|tsx)$/.test(entry.name) && !/^lib\/config(-[a-z]+)?\.ts$/.test(rel)) {
          fs.readFileSync(path.join(root, rel), 'utf8')
            .split('\n')
            .forEach((line, i) => {
              // helpers inherit the runner's environment (without the token): a copy, not a setting
              if (/process\.env\b/.test(line) && !/\{ \.\.\.process\.env \}/.test(line)) offenders.push(`${rel}:${i + 1}`);
            });
        }
      }
    };
    for (const dir of ['lib', 'cli', 'db', 'components', 'app']) walk(dir);
    expect(offenders).toEqual([]);
  });
});

describe('a bad value stops start-up with one line', () => {
  it('the CLI (admin command): exit 2, the line on stderr, nothing else', async () => {
    const r = await runCli(['token', 'list'], { WATCHDOG_DATA_DIR: tempDir('watchdog-cfg-'), WATCHDOG_PG_POOL_MAX: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('watchdog: WATCHDOG_PG_POOL_MAX must be a positive integer, got "abc"\n');
    expect(r.stdout).toBe('');
  });

  it('the runner: exit 2 before the command runs, nothing spooled', async () => {
    const s = scratch('cfg-env-');
    const marker = s.file('ran');
    const r = await runCli(
      ['run', '--worker-id', 'w-1', '--job', 'j-cfg', '--phase', 'build', '--', 'touch', marker],
      {
        WATCHDOG_URL: 'http://127.0.0.1:9',
        WATCHDOG_TOKEN: 't',
        WATCHDOG_HTTP_TIMEOUT_MS: 'soon',
        WATCHDOG_SPOOL_DIR: s.spoolDir,
        WATCHDOG_STATE_DIR: s.stateDir,
      },
      { cwd: s.dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('watchdog: WATCHDOG_HTTP_TIMEOUT_MS must be a positive integer, got "soon"\n');
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(s.spoolDir)).toBe(false);
  });

  it.skipIf(!fs.existsSync(path.join(root, '.next', 'BUILD_ID')))(
    'the console server: exit 2 with the one line on stderr, never listening',
    async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: String(port),
          WATCHDOG_DATA_DIR: tempDir('watchdog-cfg-server-'),
          NEXT_TELEMETRY_DISABLED: '1',
          WATCHDOG_SHUTDOWN_GRACE_MS: 'abc',
        } as unknown as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code).toBe(2);
      expect(stderr).toBe('WATCHDOG_SHUTDOWN_GRACE_MS must be a positive integer, got "abc"\n');
      expect(stdout).not.toMatch(/listening/);
    },
    70_000,
  );
});
