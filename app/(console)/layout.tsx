import { AppShell } from '@/components/shell/app-shell';
import { getOverview } from '@/lib/watchdog/metrics';
import { consoleCtx, requireConsoleUser } from './console-session';

/**
 * Every console page needs a signed-in supervisor or owner; anonymous visitors go to /login.
 * The overview (nav badges, and the overview page itself) is rendered on the server for the
 * first paint; the client then keeps it live by polling GET /api/watchdog/overview.
 */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requireConsoleUser();
  const overview = await getOverview(await consoleCtx(user));
  return (
    <AppShell user={{ email: user.email, role: user.role }} initialOverview={overview}>
      {children}
    </AppShell>
  );
}
