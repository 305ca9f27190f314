import { type Database, migrateDatabase, openDatabase, type OpenOptions } from '@/db/client';
import { ensureDefaultRules } from './rules';

/** Opens a database, applies the migrations and the version-1 rules. */
export async function prepareDatabase(opts: OpenOptions = {}): Promise<Database> {
  const database = await openDatabase(opts);
  try {
    await migrateDatabase(database);
    await ensureDefaultRules(database.db);
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
  return database;
}

const key = Symbol.for('worker-watchdog.runtime');
type G = typeof globalThis & { [key]?: Promise<Database> };

/** The process-wide, prepared database (one PGlite instance or one pool per process). */
export function getRuntimeDatabase(): Promise<Database> {
  const g = globalThis as G;
  if (!g[key]) {
    const p = prepareDatabase();
    g[key] = p;
    p.catch(() => {
      if (g[key] === p) delete g[key];
    });
  }
  return g[key]!;
}

/** Used by tests and the CLI to point the process at an already open database. */
export function setRuntimeDatabase(database: Database): void {
  (globalThis as G)[key] = Promise.resolve(database);
}
