import { pageTitle } from '@/lib/i18n/page-title';
import { WorkersView } from '@/components/workers/workers-view';
import { listWorkers } from '@/lib/watchdog/fleet';
import { consoleCtx, requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('workers');

/** The fleet, server-rendered on first paint, then polled from GET /api/watchdog/workers. */
export default async function WorkersPage() {
  const user = await requireConsoleUser();
  const workers = await listWorkers(await consoleCtx(user));
  return <WorkersView initialData={{ workers }} />;
}
