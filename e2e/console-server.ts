/**
 * A console of a spec's own (for settings the shared e2e server does not have, e.g. single
 * sign-on): the BUILT console (`scripts/serve.mjs`) on a free loopback port with a fresh PGlite
 * data dir, no demo data and no rate limits. `stop()` ends it and deletes the data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

export interface OwnConsole {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** A free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The test runner's own NODE_OPTIONS (its TypeScript loader) are not the console's. */
function withoutTestRunnerOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...rest } = env;
  return rest;
}

export async function startOwnConsole(port: number, env: Record<string, string>): Promise<OwnConsole> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-e2e-own-'));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
    cwd: root,
    env: {
      ...withoutTestRunnerOptions(process.env),
      NODE_ENV: 'production',
      PORT: String(port),
      WATCHDOG_HOST: '127.0.0.1',
      DATABASE_URL: '',
      WATCHDOG_DATA_DIR: dataDir,
      WATCHDOG_DEMO: '0',
      WATCHDOG_RATE_LIMIT_RPS: '0',
      WATCHDOG_LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: url,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the console exited: ${log}`);
    }
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the console did not become healthy: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => log, stop };
}
