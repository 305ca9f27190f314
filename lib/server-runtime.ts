import { log } from '@/lib/log';
import { rememberServerInfo, writeServerInfo } from '@/lib/server-info';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { type Scheduler, startScheduler } from '@/lib/watchdog/scheduler';

const key = Symbol.for('worker-watchdog.server-runtime');
type G = typeof globalThis & { [key]?: { scheduler: Scheduler | null } };

/**
 * Server start: open and migrate the database, then start the sweep scheduler once per process
 * (WATCHDOG_SCHEDULER=0 turns it off).
 */
export async function startServerRuntime(): Promise<void> {
  const g = globalThis as G;
  if (g[key]) return;
  g[key] = { scheduler: null };
  const database = await getRuntimeDatabase();
  log.info({ database: database.describe }, 'database ready');
  if (database.kind === 'pglite') rememberServerInfo(writeServerInfo(Number(process.env.PORT ?? 3000)));
  if (process.env.WATCHDOG_SCHEDULER !== '0') g[key].scheduler = startScheduler(database.db);
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down: stopping the sweeper');
    await g[key]?.scheduler?.stop();
    await database.close().catch(() => {});
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
