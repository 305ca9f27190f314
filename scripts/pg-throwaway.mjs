// Starts a throwaway PostgreSQL 15 cluster (for tests and benchmarks) and prints its URL.
// As root the cluster runs as the `postgres` user; its data lives in a temp dir removed on stop.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export function postgresAvailable() {
  return fs.existsSync(path.join(BIN, 'pg_ctl'));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function asPostgres(cmd, args) {
  const isRoot = process.getuid?.() === 0;
  const r = isRoot
    ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** @returns {Promise<{url: string, stop: () => void}>} */
export async function startThrowawayPostgres() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  fs.chmodSync(dir, 0o700);
  const data = path.join(dir, 'data');
  const port = await freePort();
  asPostgres(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  asPostgres(path.join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=256MB`,
    'start',
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already down */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

/**
 * For the test scripts: sets env.TEST_DATABASE_URL to a throwaway cluster (stopped when the process
 * exits) unless one is given or WATCHDOG_TEST_PG=0; says so when PostgreSQL is not available.
 */
export async function ensureTestPostgres(env, what) {
  if (!env.TEST_DATABASE_URL && env.WATCHDOG_TEST_PG !== '0' && postgresAvailable()) {
    const pg = await startThrowawayPostgres();
    env.TEST_DATABASE_URL = pg.url;
    process.on('exit', () => pg.stop());
    console.log(`throwaway PostgreSQL at ${pg.url}`);
  } else if (!env.TEST_DATABASE_URL) {
    console.log(`PostgreSQL not available: ${what} run on PGlite only`);
  }
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
}

/** Creates a fresh database on the cluster and returns its URL. */
export function createDatabase(url, name) {
  const u = new URL(url);
  execFileSync(path.join(BIN, 'psql'), ['-h', u.hostname, '-p', u.port, '-U', 'postgres', '-d', 'postgres', '-qc', `create database "${name}"`]);
  u.pathname = '/' + name;
  return u.toString();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url, stop } = await startThrowawayPostgres();
  console.log(url);
  process.on('SIGINT', () => (stop(), process.exit(0)));
  process.on('SIGTERM', () => (stop(), process.exit(0)));
  setInterval(() => {}, 1 << 30);
}
