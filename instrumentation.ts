/** Runs once per server process before it serves: database ready, demo data, sweep scheduler. */
export async function register() {
  // NEXT_RUNTIME is Next.js's own (replaced at build time per runtime), not a setting: lib/config.ts does not list it.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // A bad environment value stops the start with one line naming the variable (exit 2).
  const { exitOnBadConfig } = await import('./lib/config');
  exitOnBadConfig();
  const { startServerRuntime } = await import('./lib/server-runtime');
  await startServerRuntime();
}
