import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { log } from '@/lib/log';
import pkg from '@/package.json';

/** The runner file as `GET /api/watchdog/runner` serves it. */
export interface RunnerFile {
  body: Buffer;
  version: string;
  /** hex sha256 of `body` */
  sha256: string;
}

const BUILD_TIMEOUT_MS = 120_000;

/** Where `npm run build:runner` writes the file, under the console's working directory. */
export const defaultRunnerPath = () => path.join(process.cwd(), 'dist', 'watchdog-runner.mjs');

/** The version on the file's second line, as scripts/build-runner.mjs writes it (`// watchdog-runner <version> …`). */
function versionOf(body: Buffer): string | null {
  return /^\/\/ watchdog-runner (\S+)/m.exec(body.subarray(0, 500).toString('utf8'))?.[1] ?? null;
}

const cached = new Map<string, { mtimeMs: number; size: number; file: RunnerFile }>();
const building = new Map<string, Promise<void>>();

/** `npm run build:runner` in a child process (esbuild stays out of the console's own bundle); one build per file at a time. */
function buildRunnerFile(file: string): Promise<void> {
  const running = building.get(file);
  if (running) return running;
  const build = new Promise<void>((resolve, reject) => {
    const root = process.cwd();
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'build-runner.mjs'), '--outfile', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`building the runner file failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  }).finally(() => building.delete(file));
  building.set(file, build);
  return build;
}

function readCurrent(file: string): RunnerFile | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return null;
  }
  const known = cached.get(file);
  if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.file;
  const body = fs.readFileSync(file);
  const version = versionOf(body);
  if (version !== pkg.version) return null; // built by another version of the console: build again
  const runner = { body, version, sha256: createHash('sha256').update(body).digest('hex') };
  cached.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, file: runner });
  return runner;
}

/**
 * The runner file of this console's version: dist/watchdog-runner.mjs, read once and kept in
 * memory until the file changes; built first when it is missing or from another version.
 */
export async function loadRunnerFile(file = defaultRunnerPath()): Promise<RunnerFile> {
  const current = readCurrent(file);
  if (current) return current;
  log.info({ file }, 'building the runner file');
  await buildRunnerFile(file);
  const built = readCurrent(file);
  if (!built) throw new Error(`the runner file ${file} is missing or not version ${pkg.version} after a build`);
  return built;
}
