/**
 * Shared pieces of the benchmarks: the machine line, a bounded closed-loop load generator, RSS
 * sampling of a process tree, percentiles, and starting the real built console on a throwaway
 * PostgreSQL 15 or on embedded PGlite. Loopback only; every loop is bounded in count and time.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';

export const root = path.resolve(import.meta.dirname, '..');

export function machineLine(): string {
  const cpus = os.cpus();
  const pg = (() => {
    try {
      return execFileSync('/usr/lib/postgresql/15/bin/postgres', ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'postgres: n/a';
    }
  })();
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return '?';
    }
  };
  return [
    `${cpus.length}× ${cpus[0]?.model ?? 'cpu'}`,
    `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    `${os.type()} ${os.release()}`,
    `node ${process.version}`,
    pg,
    `next ${pkg('next')}`,
    `pg ${pkg('pg')}`,
    `pglite ${pkg('@electric-sql/pglite')}`,
    `drizzle-orm ${pkg('drizzle-orm')}`,
    `load avg ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ].join(', ');
}

export function loadAvg(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export interface LoadResult {
  ops: number;
  seconds: number;
  rate: number;
  errors: number;
  firstError?: string;
  p50ms: number;
  p99ms: number;
}

/**
 * Closed loop: `concurrency` clients each run `op` back to back until `maxOps` operations are
 * done or `maxMs` has passed (both bounds always apply). `weight` is how many items one op carries.
 */
/** `op` gets the operation's number and the client's (0 … concurrency − 1): a client can keep to its own rows. */
export async function closedLoop(opts: { concurrency: number; maxOps: number; maxMs: number; weight?: number; op: (i: number, client: number) => Promise<void> }): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const lat: number[] = [];
  const started = performance.now();
  const until = started + opts.maxMs;
  const client = async (_: unknown, c: number) => {
    for (;;) {
      const i = next++;
      if (i >= opts.maxOps || performance.now() > until) return;
      const t = performance.now();
      try {
        await opts.op(i, c);
        lat.push(performance.now() - t);
      } catch (e) {
        errors++;
        firstError ??= String((e as Error)?.message ?? e);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  const ops = lat.length * (opts.weight ?? 1);
  return { ops, seconds, rate: ops / seconds, errors, firstError, p50ms: percentile(lat, 0.5), p99ms: percentile(lat, 0.99) };
}

/** RSS in MiB of a process and all its descendants, from /proc. */
export function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  let kb = 0;
  const walk = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      /* gone */
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return kb / 1024;
}

/** Every process now in /proc: its parent, its command name and the CPU ticks (user + system) it used so far. */
function processStats(): Map<number, { ppid: number; comm: string; ticks: number }> {
  const stats = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* gone */
    }
  }
  return stats;
}

/** CPU seconds (user + system) used so far by a process and its descendants, from /proc. */
export function treeCpuSeconds(pid: number): number {
  const stats = processStats();
  let ticks = 0;
  const walk = (p: number) => {
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [c, v] of stats) if (v.ppid === p) walk(c);
  };
  walk(pid);
  return ticks / 100;
}

/** CPU seconds (user + system) used so far by every PostgreSQL process here (the bench's throwaway cluster). */
export function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const s of processStats().values()) if (s.comm === 'postgres') ticks += s.ticks;
  return ticks / 100;
}

/** Where a loop's CPU went: cores kept busy on average by the console, PostgreSQL and this bench process. */
export interface CoresBusy {
  console: number;
  postgres: number;
  bench: number;
  total: number;
}

/** Runs a load loop and measures the cores the console (its process tree), PostgreSQL and the bench kept busy meanwhile. */
export async function withCoresBusy<T>(consolePid: number, run: () => Promise<T>): Promise<{ result: T; cores: CoresBusy }> {
  const c0 = treeCpuSeconds(consolePid);
  const p0 = postgresCpuSeconds();
  const b0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const wall = (performance.now() - t0) / 1000;
  const b = process.cpuUsage(b0);
  const cores = { console: (treeCpuSeconds(consolePid) - c0) / wall, postgres: (postgresCpuSeconds() - p0) / wall, bench: (b.user + b.system) / 1e6 / wall, total: 0 };
  cores.total = cores.console + cores.postgres + cores.bench;
  return { result, cores };
}

/** Samples the tree RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 100) {
  let peak = 0;
  const samples: number[] = [];
  const timer = setInterval(() => {
    const v = treeRssMiB(pid);
    samples.push(v);
    peak = Math.max(peak, v);
  }, everyMs);
  return {
    /** the peak so far */
    peek: () => peak,
    stop() {
      clearInterval(timer);
      return { peakMiB: peak, lastMiB: samples.at(-1) ?? 0, samples: samples.length };
    },
  };
}

export interface BenchServer {
  kind: 'postgres' | 'pglite';
  url: string;
  databaseUrl: string | null;
  pid: number;
  tokens: { system: string; worker: string; owner: string; supervisor: string; worker2: string };
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<{ url: string; stop: () => void }> {
  // @ts-expect-error plain .mjs helper without types
  const { startThrowawayPostgres } = await import('../scripts/pg-throwaway.mjs');
  return startThrowawayPostgres();
}

/** Seeds tokens directly in the database before the server opens it (as test/helpers/test-server.ts does). */
async function seedTokens(databaseUrl: string | null, dataDir: string): Promise<BenchServer['tokens']> {
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { createToken } = await import('../lib/watchdog/access');
  const { cliActor } = await import('../lib/watchdog/context');
  const database = await prepareDatabase({ url: databaseUrl ?? '', dataDir: path.join(dataDir, 'pglite') });
  const ctx = { db: database.db, actor: cliActor, now: new Date() };
  try {
    return {
      system: (await createToken(ctx, { role: 'system', name: 'bench-system' })).token,
      owner: (await createToken(ctx, { role: 'owner', name: 'bench-owner' })).token,
      supervisor: (await createToken(ctx, { role: 'supervisor', name: 'bench-supervisor' })).token,
      worker: (await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: 'bench-w1' })).token,
      worker2: (await createToken(ctx, { role: 'worker', worker_id: 'w-2', name: 'bench-w2' })).token,
    };
  } finally {
    await database.close();
  }
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as import('node:net').AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The real built console (`scripts/serve.mjs`) on the given database, with seeded tokens. */
export async function startConsole(kind: 'postgres' | 'pglite', opts: { databaseUrl?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<BenchServer> {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) throw new Error('no Next build: run `NEXT_TELEMETRY_DISABLED=1 npx next build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `watchdog-bench-${kind}-`));
  const databaseUrl = kind === 'postgres' ? opts.databaseUrl! : null;
  const tokens = await seedTokens(databaseUrl, dataDir);
  const port = await freePort();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(root, 'scripts', 'serve.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl ?? '',
      WATCHDOG_DATA_DIR: dataDir,
      WATCHDOG_RATE_LIMIT_RPS: '0',
      WATCHDOG_DEMO: '0',
      WATCHDOG_LOG_LEVEL: 'error',
      NEXTAUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logText = '';
  child.stdout?.on('data', (d) => (logText = (logText + d).slice(-4000)));
  child.stderr?.on('data', (d) => (logText = (logText + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`console exited: ${logText}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`console did not become healthy: ${logText}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    kind,
    url,
    databaseUrl,
    pid: child.pid!,
    tokens,
    stop: () => stopChild(child).then(() => fs.rmSync(dataDir, { recursive: true, force: true })),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A healthy helper event of worker w-1 (what most traffic is). */
export function healthyEvent(i: number, run: string) {
  const output = JSON.stringify({ ok: true, step: i });
  return {
    id: randomUUID(),
    job_id: `bench-${run}-${i % 2000}`,
    worker_id: 'w-1',
    command: 'npm run -s helper -- progress --job bench',
    phase: 'progress',
    exit_code: 0,
    output,
    output_hash: `sha256:${sha256(output)}`,
    duration_ms: 120,
  };
}

const leanAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * POST over node:http with a keep-alive agent — the load generator for request-per-event figures.
 * It costs the bench process about half the CPU of `fetch` (undici) per request, CPU the console
 * and PostgreSQL share on this machine; a real fleet's workers send from their own machines.
 */
export function postJsonLean(url: string, token: string, body: unknown, expect: number[]): Promise<unknown> {
  return sendJsonLean('POST', url, token, body, expect);
}

/** postJsonLean with any method (PATCH for leases). */
export function sendJsonLean(method: string, url: string, token: string, body: unknown, expect: number[]): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: leanAgent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (!expect.includes(res.statusCode ?? 0)) reject(new Error(`${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve(text ? JSON.parse(text) : null);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function postJson(url: string, token: string, body: unknown, expect: number[]): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

export const runId = () => randomUUID().slice(0, 8);

/** The end of a bench run from the command line: its figures as one JSON line, exit 0. */
export function printFigures(figures: unknown): never {
  console.log(JSON.stringify(figures));
  process.exit(0);
}

/** A bench that failed: the error, exit 1. */
export function failBench(e: unknown): never {
  console.error(e);
  process.exit(1);
}
