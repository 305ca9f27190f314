import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Database } from '@/db/client';
import { type Actor, type Ctx, cliActor } from '@/lib/watchdog/context';
import { prepareDatabase } from '@/lib/watchdog/runtime';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../../scripts/pg-throwaway.mjs';

export interface TestDatabaseKind {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

/** Domain tests run on in-memory PGlite and, when available, on a fresh PostgreSQL database. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  const kinds: TestDatabaseKind[] = [{ name: 'pglite', open: () => prepareDatabase({ url: '', dataDir: 'memory://' }) }];
  const admin = inject('postgresAdminUrl');
  if (admin) {
    kinds.push({
      name: 'postgres',
      open: () => prepareDatabase({ url: createDatabase(admin, `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`), poolMax: 20 }),
    });
  }
  return kinds;
}

export const workerActor = (workerId = 'w-1'): Actor => ({ role: 'worker', id: `tok-${workerId}`, label: `worker:${workerId}`, workerId, via: 'token' });
export const systemTestActor: Actor = { role: 'system', id: 'tok-system', label: 'system:test', via: 'token' };
export const supervisorActor: Actor = { role: 'supervisor', id: 'u-sup', label: 'supervisor:sup@example.test', via: 'session' };
export const ownerActor: Actor = { ...cliActor, id: 'u-owner', label: 'owner:owner@example.test', via: 'session' };

export function ctxAt(database: Database, actor: Actor, now: Date | string): Ctx {
  return { db: database.db, actor, now: typeof now === 'string' ? new Date(now) : now };
}
