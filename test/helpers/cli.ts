import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, tempDir } from './test-server';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/watchdog.mjs ...`) with the given environment on top of ours, minus any ambient WATCHDOG_* settings. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return startCli(args, env, opts).result;
}

/** Starts the CLI and returns the child (to signal it) and its result. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string; timeoutMs?: number } = {}) {
  const base: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WATCHDOG_') && k !== 'DATABASE_URL') base[k] = v;
  const merged: Record<string, string | undefined> = { ...base };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, [path.join(root, 'bin', 'watchdog.mjs'), ...args], { cwd: opts.cwd ?? root, env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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
