/** Runs once per server process before it serves: database ready, demo data, sweep scheduler. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServerRuntime } = await import('./lib/server-runtime');
  await startServerRuntime();
}
