import { LiveUpdates } from '@/components/live/live-updates';
import { AppShell } from '@/components/shell/app-shell';
import { getOverview } from '@/lib/watchdog/metrics';
import { consoleCtx, requireConsoleUser } from './console-session';

/**
 * Every console page needs a signed-in supervisor or owner; anonymous visitors go to /login.
 * The overview (nav badges, and the overview page itself) is rendered on the server for the
 * first paint; the client then keeps it (and every page) live from GET /api/watchdog/stream, polling
 * only while the stream is down (components/hooks/use-live-stream.ts).
 */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsoleUser();
  const overview = await getOverview(await consoleCtx(user));
  return (
    <AppShell user={{ email: user.email, role: user.role }} initialOverview={overview}>
      <LiveUpdates />
      {children}
    </AppShell>
  );
}
