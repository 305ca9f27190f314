// `npm start`: builds the console when the build is missing or older than the sources, then runs
// the production server (PORT, default 3000) on embedded PGlite unless DATABASE_URL is set.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const port = process.env.PORT ?? '3000';
const dataDir = path.resolve(process.env.WATCHDOG_DATA_DIR ?? path.join(root, '.data'));
fs.mkdirSync(dataDir, { recursive: true });

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const buildId = path.join(root, '.next', 'BUILD_ID');
const sources = Math.max(
  ...['app', 'components', 'lib', 'db', 'instrumentation.ts', 'next.config.ts', 'package.json'].map((p) => {
    const full = path.join(root, p);
    if (!fs.existsSync(full)) return 0;
    return fs.statSync(full).isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
  }),
);
/** Runs a node script with its output shown, saying every 15 s that it is still at work (a build is quiet for minutes). */
function runWithProgress(label, args, env = process.env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    const ticker = setInterval(() => console.log(`  … ${label} (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
    child.on('exit', (code, signal) => {
      clearInterval(ticker);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

if (!fs.existsSync(buildId) || fs.statSync(buildId).mtimeMs < sources) {
  console.log('Building the console (first start or sources changed; a few minutes on a small machine)…');
  const status = await runWithProgress('still building', [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
  if (status !== 0) process.exit(status);
}

// The runner file worker machines fetch (GET /api/watchdog/runner): built now when missing or older
// than its sources, so the first download does not wait for it (the console would build it then).
const runnerFile = path.join(root, 'dist', 'watchdog-runner.mjs');
const runnerSources = Math.max(
  ...['cli', 'lib/watchdog/rules', 'lib/watchdog/hash.ts', 'package.json'].map((p) => {
    const full = path.join(root, p);
    if (!fs.existsSync(full)) return 0;
    return fs.statSync(full).isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
  }),
);
if (!fs.existsSync(runnerFile) || fs.statSync(runnerFile).mtimeMs < runnerSources) {
  console.log('Building the runner file for worker machines…');
  const status = await runWithProgress('still building the runner', [path.join(root, 'scripts', 'build-runner.mjs')]);
  if (status !== 0) console.warn('The runner file could not be built now; the console will try again when it is first requested.');
}

// next-auth needs a stable secret: generated once per data dir unless NEXTAUTH_SECRET is given.
let secret = process.env.NEXTAUTH_SECRET;
if (!secret) {
  const file = path.join(dataDir, 'auth-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  secret = fs.readFileSync(file, 'utf8').trim();
}

const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: port,
    NEXTAUTH_SECRET: secret,
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
    NEXT_TELEMETRY_DISABLED: '1',
    WATCHDOG_DATA_DIR: dataDir,
  },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// "ready" only when a person can sign in: the login page renders and next-auth answers with its
// password provider (both need the database, the secret and the build). Until then, nothing is promised.
const host = !process.env.WATCHDOG_HOST || ['0.0.0.0', '::'].includes(process.env.WATCHDOG_HOST) ? '127.0.0.1' : process.env.WATCHDOG_HOST;
const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const publicUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;

async function signInWorks() {
  try {
    const login = await fetch(`${base}/login`, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    if (login.status !== 200) return `the login page answered ${login.status}`;
    const providers = await fetch(`${base}/api/auth/providers`, { signal: AbortSignal.timeout(5_000) });
    if (!providers.ok) return `the sign-in endpoint answered ${providers.status}`;
    const body = await providers.json();
    return body && typeof body === 'object' && 'credentials' in body ? null : 'the sign-in endpoint offers no password sign-in';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const readyBy = Date.now() + 180_000;
let problem = 'not started yet';
while (child.exitCode === null && Date.now() < readyBy) {
  problem = await signInWorks();
  if (!problem) break;
  await new Promise((r) => setTimeout(r, 500));
}
if (child.exitCode === null) {
  if (!problem) console.log(`\n✔ Worker Watchdog is ready: open ${publicUrl}/login and sign in.\n`);
  else console.warn(`\nThe console is running, but sign-in does not work yet (${problem}); see the log above.\n`);
}
