/**
 * pg-boss 12, the baseline of bench/lifecycle.ts, loaded on demand. It is not a devDependency: pg-boss 12
 * declares Node ≥ 22.12 and this project runs on Node 20, so listing it would make every newcomer's
 * `npm install` print an EBADENGINE warning for a package only this bench uses. The first run installs it
 * into node_modules/.cache/bench-pg-boss (npm registry; it runs fine on Node 20).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The part of pg-boss 12's API the bench uses. */
export interface Boss {
  on(event: 'error', listener: (e: unknown) => void): void;
  start(): Promise<unknown>;
  stop(opts: { graceful: boolean }): Promise<void>;
  createQueue(name: string): Promise<void>;
  send(name: string, data: object): Promise<string | null>;
  fetch(name: string): Promise<{ id: string }[]>;
  complete(name: string, id: string): Promise<unknown>;
}

const VERSION = '12.38.0';

export async function loadPgBoss(): Promise<new (opts: { connectionString: string; max: number; schedule: boolean; supervise: boolean }) => Boss> {
  const dir = path.join(import.meta.dirname, '..', 'node_modules', '.cache', 'bench-pg-boss');
  const entry = path.join(dir, 'node_modules', 'pg-boss', 'package.json');
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(dir, { recursive: true });
    console.log(`installing pg-boss@${VERSION} for the baseline into ${dir} …`);
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `pg-boss@${VERSION}`], { stdio: 'inherit' });
  }
  const pkg = JSON.parse(fs.readFileSync(entry, 'utf8')) as { exports?: unknown; main?: string };
  const main = path.join(path.dirname(entry), typeof pkg.main === 'string' ? pkg.main : 'dist/index.js');
  const mod = (await import(pathToFileURL(fs.existsSync(main) ? main : path.dirname(entry)).href)) as { PgBoss?: unknown; default?: { PgBoss?: unknown } };
  return (mod.PgBoss ?? mod.default?.PgBoss) as never;
}
