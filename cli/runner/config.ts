import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../args';

import { readRunnerEnv, runnerEnv } from '@/lib/config-runner';
import { PHASES, RUNNER_AUTHORITIES, type RunnerAuthority } from '@/lib/schemas/enums';

/** A helper command of the config file is named after the phase it runs. */
export const HELPER_NAMES = PHASES;
export type HelperName = (typeof HELPER_NAMES)[number];

/** API.md's Identifier: what job and worker ids look like. */
export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

export type Authority = RunnerAuthority;

export interface RunnerConfig {
  url: string;
  workerId: string;
  token: string;
  helpers: Partial<Record<HelperName, string[]>>;
  /** seconds a lease is taken or renewed for (worker) */
  leaseS: number;
  /** seconds between progress heartbeats while the build runs (worker) */
  progressIntervalS: number;
  /** seconds to wait when claim finds no job or doctor fails (worker) */
  idleS: number;
  authority: Authority;
  spoolDir: string;
  stateDir: string;
  /** the file the config came from, null when it came from the environment alone */
  configPath: string | null;
}

export interface LoadConfigOptions {
  /** --config as given; undefined means the default `watchdog.config.json` */
  configFlag?: string;
  /** `run` may go without a file when WATCHDOG_URL and a worker id are given */
  fileOptional: boolean;
  workerIdFlag?: string;
  /** `spool flush` works without a worker id */
  workerIdOptional?: boolean;
  /** helpers the command cannot work without (worker: claim) */
  requiredHelpers?: HelperName[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULT_CONFIG = 'watchdog.config.json';
const KNOWN_KEYS = new Set(['url', 'worker_id', 'helpers', 'lease_s', 'progress_interval_s', 'idle_s', 'authority', 'spool_dir', 'state_dir']);

function fail(message: string): never {
  throw new CliError(message, 2);
}

/**
 * Reads the runner's config: the file (API.md "The runner"; JSON, comments allowed as `init` writes
 * them), then the environment on top
 * (WATCHDOG_URL overrides url, WATCHDOG_TOKEN is the token, WATCHDOG_WORKER_ID or --worker-id
 * the worker). Every problem is one clear line and exit code 2.
 */
export function loadRunnerConfig(opts: LoadConfigOptions): RunnerConfig {
  const env = opts.env ? readRunnerEnv(opts.env) : runnerEnv();
  const cwd = opts.cwd ?? process.cwd();
  const configPath = path.resolve(cwd, opts.configFlag ?? DEFAULT_CONFIG);
  let raw: Record<string, unknown> = {};
  let fromFile: string | null = null;
  let text: string | null = null;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT';
    const envComplete = !!env.WATCHDOG_URL && (opts.workerIdOptional || !!(opts.workerIdFlag || env.WATCHDOG_WORKER_ID));
    if (!missing) fail(`cannot read config ${configPath}: ${code ?? (e as Error).message}`);
    if (opts.configFlag !== undefined || !opts.fileOptional || !envComplete) {
      fail(
        opts.fileOptional && opts.configFlag === undefined
          ? `config file ${configPath} not found (or set WATCHDOG_URL${opts.workerIdOptional ? '' : ' and --worker-id/WATCHDOG_WORKER_ID'})`
          : `config file ${configPath} not found`,
      );
    }
  }
  if (text !== null) {
    fromFile = configPath;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stripJsonComments(text));
    } catch (e) {
      fail(`config ${configPath} is not valid JSON: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) fail(`config ${configPath} must be a JSON object`);
    raw = parsed as Record<string, unknown>;
    for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) fail(`config ${configPath}: unknown key "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const where = fromFile ? `config ${fromFile}` : 'config';

  const url = env.WATCHDOG_URL || str(raw.url, `${where}: "url"`);
  if (!url) fail(`${where}: "url" is missing (or set WATCHDOG_URL)`);
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    fail(`${where}: url "${url}" is not an http(s) URL`);
  }

  const workerId = opts.workerIdFlag || env.WATCHDOG_WORKER_ID || str(raw.worker_id, `${where}: "worker_id"`) || (opts.workerIdOptional ? 'unknown' : '');
  if (!workerId) fail(`${where}: "worker_id" is missing (or give --worker-id / WATCHDOG_WORKER_ID)`);
  if (!IDENTIFIER.test(workerId)) fail(`${where}: worker_id "${workerId}" may hold letters, digits and . _ : @ - only`);

  const helpers: Partial<Record<HelperName, string[]>> = {};
  if (raw.helpers !== undefined) {
    if (!raw.helpers || typeof raw.helpers !== 'object' || Array.isArray(raw.helpers)) fail(`${where}: "helpers" must be an object`);
    for (const [name, argv] of Object.entries(raw.helpers as Record<string, unknown>)) {
      if (!(HELPER_NAMES as readonly string[]).includes(name)) fail(`${where}: unknown helper "${name}" (known: ${HELPER_NAMES.join(', ')})`);
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string') || !(argv[0] as string)) {
        fail(`${where}: helper "${name}" must be a non-empty array of strings, e.g. ["pls", "${name}", "{job_id}"]`);
      }
      helpers[name as HelperName] = argv as string[];
    }
  }
  for (const name of opts.requiredHelpers ?? []) if (!helpers[name]) fail(`${where}: helper "${name}" is required`);

  const token = env.WATCHDOG_TOKEN;
  if (!token) fail('WATCHDOG_TOKEN is not set: the runner needs a worker or system token');

  const authority = (env.WATCHDOG_AUTHORITY || str(raw.authority, `${where}: "authority"`) || 'auto') as Authority;
  if (!RUNNER_AUTHORITIES.includes(authority)) fail(`${where}: authority must be ${RUNNER_AUTHORITIES.map((a) => `"${a}"`).join(', ')}`);

  const base = fromFile ? path.dirname(fromFile) : cwd;
  const spoolDir = path.resolve(cwd, env.WATCHDOG_SPOOL_DIR || (str(raw.spool_dir, `${where}: "spool_dir"`) ? path.resolve(base, raw.spool_dir as string) : './.data/spool'));
  const stateDir = path.resolve(cwd, env.WATCHDOG_STATE_DIR || (str(raw.state_dir, `${where}: "state_dir"`) ? path.resolve(base, raw.state_dir as string) : './.data/runner'));

  return {
    url,
    workerId,
    token,
    helpers,
    leaseS: num(raw.lease_s, `${where}: "lease_s"`, 600, 10, 86_400),
    progressIntervalS: num(raw.progress_interval_s, `${where}: "progress_interval_s"`, 30, 0.01, 3600),
    idleS: num(raw.idle_s, `${where}: "idle_s"`, 10, 0, 3600),
    authority,
    spoolDir,
    stateDir,
    configPath: fromFile,
  };
}

/**
 * JSON with comments (what `init` writes): `// line` and `/* block *\/` comments outside strings
 * become spaces, newlines kept, so JSON.parse's positions still point at the right line.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function str(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${what} must be a string`);
  return v;
}

function num(v: unknown, what: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(`${what} must be a number between ${min} and ${max}`);
  return v;
}

/** `{job_id}` and `{worker_id}` in a helper's argv. Without a job id, an argument that is only `{job_id}` is dropped. */
export function expandHelper(argv: string[], vars: { job_id?: string | null; worker_id: string }): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a === '{job_id}' && !vars.job_id) continue;
    out.push(a.replaceAll('{job_id}', vars.job_id ?? '').replaceAll('{worker_id}', vars.worker_id));
  }
  return out;
}
