import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { seedAccess, startNextServer, tempDir, type TestTokens } from '../helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../../scripts/pg-throwaway.mjs';

export type Kind = 'pglite' | 'postgres';

/** The database kinds the stress suite runs on: PGlite always, PostgreSQL when global setup has one. */
export function stressKinds(): Kind[] {
  if (!inject('servers').length) return []; // no build: nothing to start
  return ['pglite', ...(inject('postgresAdminUrl') ? (['postgres'] as const) : [])];
}

/** A console of the test's own (own data dir or own PostgreSQL database), which the test may kill and restart. */
export interface OwnServer {
  kind: Kind;
  url: string;
  child: ChildProcess;
  dataDir: string;
  databaseUrl: string | null;
  tokens: TestTokens;
  /** everything the server wrote on stdout/stderr, across restarts */
  output(): string;
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function ownServer(kind: Kind, env: Record<string, string> = {}): Promise<OwnServer> {
  const dataDir = tempDir(`watchdog-stress-${kind}-`);
  const databaseUrl = kind === 'postgres' ? createDatabase(inject('postgresAdminUrl'), `stress_${Date.now()}_${Math.floor(Math.random() * 1e6)}`) : null;
  const { tokens } = await seedAccess({ databaseUrl, dataDir });
  let out = '';
  const s: OwnServer = {
    kind,
    url: '',
    child: null as unknown as ChildProcess,
    dataDir,
    databaseUrl,
    tokens,
    output: () => out,
    async start() {
      const started = await startNextServer({ databaseUrl, dataDir, env });
      s.url = started.url;
      s.child = started.child;
      started.child.stdout?.on('data', (d) => (out += d));
      started.child.stderr?.on('data', (d) => (out += d));
    },
    kill(signal) {
      const c = s.child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c?.exitCode ?? null);
      return new Promise((resolve) => {
        c.once('exit', (code) => resolve(code));
        c.kill(signal);
      });
    },
  };
  await s.start();
  return s;
}

export const pgliteDir = (s: OwnServer) => path.join(s.dataDir, 'pglite');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
