import type { Metadata } from 'next';
import { OverviewView } from '@/components/overview/overview-view';
import { getOverview } from '@/lib/watchdog/overview';
import { consoleCtx, requireConsoleUser } from './console-session';

export const metadata: Metadata = { title: 'Overview' };

/** Server-rendered first paint from the domain verb; the client then polls GET /api/watchdog/overview. */
export default async function OverviewPage() {
  const user = await requireConsoleUser();
  const overview = await getOverview(await consoleCtx(user));
  return <OverviewView initialData={overview} />;
}
