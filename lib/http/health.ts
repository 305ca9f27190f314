import { sql } from 'drizzle-orm';
import { config } from '@/lib/config';
import type { DatabaseKind } from '@/lib/schemas/enums';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import pkg from '@/package.json';

/** `GET /api/health`: 200 ok, or 503 degraded when the database does not answer within 2 s. */
export async function checkHealth() {
  let kind: DatabaseKind = config().databaseUrl ? 'postgres' : 'pglite';
  try {
    const database = await getRuntimeDatabase();
    kind = database.kind;
    await Promise.race([database.db.execute(sql`select 1`), new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 2000).unref())]);
    return { status: 200, body: { status: 'ok', database: kind, version: pkg.version } };
  } catch {
    return { status: 503, body: { status: 'degraded', database: kind, version: pkg.version } };
  }
}
