#!/usr/bin/env node
// Lints the OpenAPI document the console serves with Redocly's recommended rules: writes it from the
// route table (lib/http/route-table.ts) to a temporary file and runs `redocly lint` on it. Exit code: redocly's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-openapi-'));
const file = path.join(dir, 'openapi.json');
try {
  const dump = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', "Promise.all([import('@/lib/openapi'), import('@/lib/http/route-table')]).then(([m, t]) => process.stdout.write(JSON.stringify(m.buildOpenApiDocument(t.routeTable))))"],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (dump.status !== 0) {
    process.stderr.write(dump.stderr);
    process.exit(dump.status ?? 1);
  }
  fs.writeFileSync(file, dump.stdout);
  const extra = process.argv.slice(2);
  const lint = spawnSync(path.join(root, 'node_modules', '.bin', 'redocly'), ['lint', file, '--extends=recommended', ...extra], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' },
  });
  process.exitCode = lint.status ?? 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
