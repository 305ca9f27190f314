#!/usr/bin/env node
// The `watchdog` binary. It runs an ESM bundle of cli/ (esbuild, one chunk per command,
// node_modules kept external) that is built on first use into node_modules/.cache/watchdog-cli/ and
// rebuilt when a project file it was built from (or tsconfig.json) is newer than it, so a wrapped helper command
// pays Node's start-up plus one file load, not tsx's TypeScript loader. Without esbuild, or with
// WATCHDOG_CLI_TSX=1, it falls back to running the TypeScript through tsx as before.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'watchdog-cli');
const manifestPath = path.join(cacheDir, 'manifest.json');

/** The bundle is fresh when it exists and none of the project files it was built from changed since. */
function freshEntry() {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    for (const input of manifest.inputs) if (fs.statSync(path.join(root, input)).mtimeMs > manifest.builtAt) return null;
    return path.join(cacheDir, manifest.entry);
  } catch {
    return null;
  }
}

async function buildBundle() {
  const esbuild = await import('esbuild');
  fs.mkdirSync(cacheDir, { recursive: true });
  const builtAt = Date.now();
  // each build goes to its own directory; the manifest (renamed into place) points at the newest
  const outName = `build-${builtAt}-${process.pid}`;
  const result = await esbuild.build({
    entryPoints: { index: path.join(root, 'cli', 'index.ts') },
    outdir: path.join(cacheDir, outName),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // one chunk per command: `watchdog run` loads the runner, not the database code
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    tsconfig: path.join(root, 'tsconfig.json'),
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/')), 'tsconfig.json'];
  const tmp = `${manifestPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ builtAt, entry: `${outName}/index.mjs`, inputs }));
  fs.renameSync(tmp, manifestPath); // atomic: a concurrent first use sees the old manifest or the new one
  // Older builds may still be in use: a process started from one loads its command chunks lazily, and
  // concurrent first uses each build their own. Only builds a day old are removed.
  for (const old of fs.readdirSync(cacheDir)) {
    const m = /^build-(\d+)-\d+$/.exec(old);
    if (m && old !== outName && builtAt - Number(m[1]) > 24 * 3600_000) fs.rmSync(path.join(cacheDir, old), { recursive: true, force: true });
  }
  return path.join(cacheDir, outName, 'index.mjs');
}

async function bundledEntry() {
  if (process.env.WATCHDOG_CLI_TSX === '1') return null;
  try {
    return pathToFileURL(freshEntry() ?? (await buildBundle())).href;
  } catch {
    return null; // no esbuild, or a read-only install: use tsx
  }
}

const entry = await bundledEntry();
if (entry) {
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: path.join(root, 'tsconfig.json') });
  await import(pathToFileURL(path.join(root, 'cli', 'index.ts')).href);
}
