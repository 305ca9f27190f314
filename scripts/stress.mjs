// `npm run test:stress`: the reliability suite (test/stress/**, vitest.stress.config.ts) against the
// built console: SIGKILL durability on PostgreSQL and PGlite, the runner through a console outage,
// graceful shutdown, and a large fuzz run of every route. Builds first when the build is missing
// (WATCHDOG_SKIP_BUILD=1 skips that), starts a throwaway PostgreSQL when the Debian binaries are here
// (or uses TEST_DATABASE_URL). Extra arguments go to vitest (e.g. a file name).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTestPostgres } from './pg-throwaway.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

if (env.WATCHDOG_SKIP_BUILD !== '1' && !fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
  console.log('=== build ===');
  const b = spawnSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], { stdio: 'inherit', env });
  if (b.status !== 0) process.exit(1);
}

await ensureTestPostgres(env, 'the stress tests');

console.log('\n=== reliability stress suite (vitest.stress.config.ts) ===');
const r = spawnSync(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', '--config', 'vitest.stress.config.ts', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
