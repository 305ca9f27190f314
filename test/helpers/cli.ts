import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { root, tempDir } from './test-server';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  cwd?: string;
  timeoutMs?: number;
  /** the program to run instead of bin/watchdog.mjs, e.g. a copy of dist/watchdog-runner.mjs */
  script?: string;
}

/** Runs the real CLI (`node bin/watchdog.mjs ...`) with the given environment on top of ours, minus any ambient WATCHDOG_* settings (and NODE_PATH). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, env, opts).result;
}

/** Starts the CLI and returns the child (to signal it) and its result. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, opts: CliOptions = {}) {
  const base: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WATCHDOG_') && k !== 'DATABASE_URL' && k !== 'NODE_PATH') base[k] = v;
  const merged: Record<string, string | undefined> = { ...base };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  const script = opts.script ?? path.join(root, 'bin', 'watchdog.mjs');
  const child = spawn(process.execPath, [script, ...args], { cwd: opts.cwd ?? root, env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 55_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
  return { child, result };
}

export const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'helpers', name);

/** A scratch folder for one test: spool, runner state, fixture state files and a config file. */
export function scratch(prefix = 'runner-') {
  const dir = tempDir(`watchdog-${prefix}`);
  return {
    dir,
    spoolDir: path.join(dir, 'spool'),
    stateDir: path.join(dir, 'state'),
    file: (name: string) => path.join(dir, name),
    writeConfig(config: unknown, name = 'watchdog.config.json'): string {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
      return file;
    },
  };
}

export function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** An artifact host for the suite (200 under /ok, 404 elsewhere) on 127.0.0.1, up for its tests; returns its URL getter. */
export function useArtifactHost(): () => string {
  let artifacts: http.Server;
  let url = '';
  beforeAll(async () => {
    artifacts = http.createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/ok') ? 200 : 404, { 'content-type': 'text/plain' });
      res.end('artifact');
    });
    await new Promise<void>((r) => artifacts.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => artifacts.close(() => r())));
  return () => url;
}
