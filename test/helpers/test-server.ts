import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '@/db/client';
import { cliActor } from '@/lib/watchdog/context';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { createToken } from '@/lib/watchdog/access';
import { createUser } from '@/lib/watchdog/access';

export const root = path.resolve(__dirname, '..', '..');

export interface TestTokens {
  system: string;
  owner: string;
  supervisor: string;
  worker: string; // bound to w-1
  worker2: string; // bound to w-2
}

export interface TestServer {
  name: 'pglite' | 'postgres';
  url: string;
  databaseUrl: string | null;
  dataDir: string;
  tokens: TestTokens;
  users: { owner: { email: string; password: string }; supervisor: { email: string; password: string } };
  pid: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Seeds tokens and users directly in the database before the server opens it. */
export async function seedAccess(opts: { databaseUrl?: string | null; dataDir: string }) {
  const database = await prepareDatabase({ url: opts.databaseUrl ?? '', dataDir: path.join(opts.dataDir, 'pglite') });
  const ctx = { db: database.db, actor: cliActor, now: new Date() };
  const tokens: TestTokens = {
    system: (await createToken(ctx, { role: 'system', name: 'test-system' })).token,
    owner: (await createToken(ctx, { role: 'owner', name: 'test-owner' })).token,
    supervisor: (await createToken(ctx, { role: 'supervisor', name: 'test-supervisor' })).token,
    worker: (await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: 'test-w1' })).token,
    worker2: (await createToken(ctx, { role: 'worker', worker_id: 'w-2', name: 'test-w2' })).token,
  };
  const users = {
    owner: { email: 'owner@example.test', password: 'owner-password-1' },
    supervisor: { email: 'supervisor@example.test', password: 'supervisor-password-1' },
  };
  await createUser(ctx, { ...users.owner, role: 'owner' });
  await createUser(ctx, { ...users.supervisor, role: 'supervisor' });
  await database.close();
  return { tokens, users };
}

/** Starts the built console (`scripts/serve.mjs`) on a free port and waits for /api/health. */
export async function startNextServer(opts: { databaseUrl?: string | null; dataDir: string; env?: Record<string, string> }): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: opts.databaseUrl ?? '',
      WATCHDOG_DATA_DIR: opts.dataDir,
      WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS: '1',
      WATCHDOG_RATE_LIMIT_RPS: '0',
      WATCHDOG_DEMO: '0',
      WATCHDOG_LOG_LEVEL: 'warn',
      // the test client stands in for a trusted proxy, so tests can name a client address with X-Forwarded-For
      WATCHDOG_TRUSTED_PROXIES: '127.0.0.1,::1',
      NEXTAUTH_SECRET: 'test-secret-test-secret-test-secret',
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, output: () => log };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Opens a database for a test that reads the raw tables behind a server. */
export function openRaw(server: Pick<TestServer, 'databaseUrl'>) {
  if (!server.databaseUrl) throw new Error('raw access to a PGlite server database is not possible while it runs');
  return openDatabase({ url: server.databaseUrl });
}
