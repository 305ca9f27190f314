// `npm test`: lints (eslint, prettier --check, knip: `npm run lint`), builds the console, starts a throwaway
// PostgreSQL when the Debian binaries are here (or uses TEST_DATABASE_URL), then runs the unit + integration tests (vitest, on PGlite and
// PostgreSQL, over real HTTP) and the end-to-end tests (Playwright in Debian's Chromium).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTestPostgres } from './pg-throwaway.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function run(label, cmd, args, extraEnv = {}) {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

let failed = 0;
// lint first: a layer broken by an import, dead code or unformatted files fail the run before the long stages
if (env.WATCHDOG_SKIP_LINT !== '1') failed += run('lint (eslint, prettier --check, knip)', 'npm', ['run', '--silent', 'lint']) ? 1 : 0;

await ensureTestPostgres(env, 'integration tests');

if (env.WATCHDOG_SKIP_BUILD !== '1') {
  if (run('build', process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'])) process.exit(1);
}
failed += run('unit + integration (vitest)', bin('vitest'), ['run', ...process.argv.slice(2)]) ? 1 : 0;
const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (fs.existsSync(path.join(root, 'playwright.config.ts'))) {
  if (fs.existsSync(chromium)) failed += run('end-to-end (Playwright, Chromium)', bin('playwright'), ['test']) ? 1 : 0;
  else {
    console.error(`\nChromium not found at ${chromium}: install it (apt-get install -y chromium fonts-noto-cjk) to run the end-to-end tests.`);
    failed += 1;
  }
}
console.log(failed ? `\n${failed} test stage(s) failed` : '\nall test stages passed');
process.exit(failed ? 1 : 0);
