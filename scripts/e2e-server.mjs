// The server the Playwright suite runs against (playwright.config.ts → webServer): a fresh
// temporary data dir, seeded through the domain verbs by e2e/seed.ts, then the BUILT console
// (`scripts/serve.mjs`, run `next build` first) on E2E_PORT with rate limiting and demo data off.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const port = process.env.E2E_PORT;
const stateFile = process.env.E2E_STATE_FILE;
if (!port || !stateFile) {
  console.error('[e2e-server] E2E_PORT and E2E_STATE_FILE must be set (playwright.config.ts sets them)');
  process.exit(2);
}
if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
  console.error('[e2e-server] no Next build: run `npx next build` before `npx playwright test`');
  process.exit(2);
}

// Leftovers of earlier runs killed before they could clean up.
for (const name of fs.readdirSync(os.tmpdir())) {
  if (!name.startsWith('watchdog-e2e-')) continue;
  const p = path.join(os.tmpdir(), name);
  try {
    if (Date.now() - fs.statSync(p).mtimeMs > 3600_000) fs.rmSync(p, { recursive: true, force: true });
  } catch {
    /* in use or gone */
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-e2e-'));
const env = {
  ...process.env,
  DATABASE_URL: '',
  WATCHDOG_DATA_DIR: dataDir,
  WATCHDOG_DEMO: '0',
  WATCHDOG_RATE_LIMIT_RPS: '0',
  WATCHDOG_LOG_LEVEL: 'warn',
  NEXT_TELEMETRY_DISABLED: '1',
};

const seed = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'e2e', 'seed.ts'), dataDir, stateFile], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (seed.status !== 0) {
  console.error('[e2e-server] seeding failed');
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
  cwd: root,
  env: {
    ...env,
    NODE_ENV: 'production',
    PORT: port,
    WATCHDOG_HOST: '127.0.0.1',
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
  },
  stdio: 'inherit',
});

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(stateFile, { force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 0 : 1));
});
