import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { root, seedAccess, startNextServer, tempDir, type TestServer } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase, postgresAvailable, startThrowawayPostgres } from '../scripts/pg-throwaway.mjs';
// @ts-expect-error plain .mjs script (npm run build:runner)
import { buildRunner } from '../scripts/build-runner.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    servers: TestServer[];
    postgresAdminUrl: string | null;
  }
}

/**
 * Builds the runner file, then starts the real console once per database kind for the HTTP tests:
 * embedded PGlite always, PostgreSQL when TEST_DATABASE_URL is set or the Debian PostgreSQL binaries are here.
 */
export default async function setup(project: TestProject) {
  // dist/watchdog-runner.mjs from the sources under test (≈0.3 s): the runner-file tests run it and the consoles serve it
  await buildRunner();
  const children: ChildProcess[] = [];
  const stops: (() => void)[] = [];
  let adminUrl: string | null = process.env.TEST_DATABASE_URL ?? null;
  if (!adminUrl && process.env.WATCHDOG_TEST_PG !== '0' && postgresAvailable()) {
    const pg = await startThrowawayPostgres();
    stops.push(pg.stop);
    adminUrl = pg.url;
  }
  const servers: TestServer[] = [];
  const needServers = fs.existsSync(path.join(root, '.next', 'BUILD_ID'));
  if (!needServers) console.warn('[test] no Next build: HTTP tests will be skipped (run `npm test`, which builds first)');
  const kinds: ('pglite' | 'postgres')[] = ['pglite', ...(adminUrl ? (['postgres'] as const) : [])];
  for (const name of needServers ? kinds : []) {
    const dataDir = tempDir(`watchdog-test-${name}-`);
    const databaseUrl = name === 'postgres' ? createDatabase(adminUrl, `http_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
    const { tokens, users } = await seedAccess({ databaseUrl, dataDir });
    const { url, child } = await startNextServer({ databaseUrl, dataDir });
    children.push(child);
    servers.push({ name, url, databaseUrl, dataDir, tokens, users, pid: child.pid! });
  }
  project.provide('servers', servers);
  project.provide('postgresAdminUrl', adminUrl);
  if (adminUrl) process.env.TEST_DATABASE_URL = adminUrl;
  return async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of stops) s();
  };
}
