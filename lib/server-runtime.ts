import { dataDir } from '@/db/client';
import { checkOidcIssuer } from '@/lib/auth/oidc-provider';
import { config } from '@/lib/config';
import { log } from '@/lib/log';
import { laneRoutes } from '@/lib/http/route-table';
import { registerNodeLane } from '@/lib/ingest';
import { rememberServerInfo, writeServerInfo } from '@/lib/server-info';
import { demoLoginsPath, ensureDemo, formatDemoLogins } from '@/db/seed/demo';
import { startAuditLinker } from '@/lib/watchdog/audit';
import { createRuntime, installRuntime } from '@/lib/watchdog/runtime';
import { startScheduler } from '@/lib/watchdog/sweep';

let started = false;

/**
 * Server start: make the process's runtime (lib/watchdog/runtime.ts) and put it in force, open and migrate the database, seed the demo fleet into an empty embedded database
 * (WATCHDOG_DEMO=0 turns it off) and print its logins, then start the sweep scheduler once per process
 * (WATCHDOG_SCHEDULER=0 turns it off).
 */
export async function startServerRuntime(): Promise<void> {
  if (started) return;
  started = true;
  const runtime = installRuntime(createRuntime());
  registerNodeLane(runtime, laneRoutes());
  const database = await runtime.database();
  log.info({ database: database.describe }, 'database ready');
  if (database.kind === 'pglite') rememberServerInfo(writeServerInfo(config().port), runtime);
  // The demo fleet: on an empty embedded database (or any empty one with WATCHDOG_DEMO=1), before the sweeper starts.
  const demo = config().demo;
  if (demo !== false && (database.kind === 'pglite' || demo === true)) {
    try {
      const shown = await ensureDemo(database.db, runtime.clock(), dataDir());
      if (shown) {
        const url = config().nextauthUrl;
        console.log('\n' + formatDemoLogins(shown.logins, { url, seeded: shown.seeded, file: demoLoginsPath(dataDir()) }) + '\n');
      }
    } catch (e) {
      log.error({ err: e }, 'could not seed the demo fleet; the console starts without it');
    }
  }
  // single sign-on: a clear log line whether or not the issuer answers; never holds up the start
  void checkOidcIssuer().catch((e) => log.error({ err: e }, 'single sign-on check failed'));
  if (config().scheduler) runtime.scheduler = startScheduler(database.db);
  // audited writes only insert their entry; this links them into the hash chain, a few times a second
  runtime.auditLinker = startAuditLinker(database.db);
  // Shutdown (SIGTERM from an orchestrator, SIGINT from a terminal): Next's own handler stops
  // accepting connections, lets in-flight requests finish and then exits. Here the sweeper stops at
  // once (a sweep under way completes; no new one starts). The database is NOT closed here: the
  // requests still draining need it, and the process exit ends it. A drain that hangs (a client
  // that never finishes its body, a stuck upstream) is cut off after WATCHDOG_SHUTDOWN_GRACE_MS.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config().shutdownGraceMs;
    log.info({ signal, graceMs }, 'shutting down: stopping the sweeper, draining in-flight requests');
    setTimeout(() => {
      log.warn({ signal, graceMs }, 'in-flight requests did not drain in time: exiting');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }, graceMs).unref();
    // open live streams end now (their clients reconnect elsewhere), so the server can drain
    void runtime.live.close().catch(() => {});
    try {
      await runtime.scheduler?.stop();
      await runtime.auditLinker?.stop();
      log.info({ signal }, 'sweeper stopped');
    } catch (e) {
      log.error({ err: e }, 'the sweeper did not stop cleanly');
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
