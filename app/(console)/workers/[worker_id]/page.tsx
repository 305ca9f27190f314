import type { Metadata } from 'next';
import { entityTitle } from '@/lib/i18n/page-title';
import type { WorkerDetail } from '@/components/lib/types';
import { WorkerView } from '@/components/workers/worker-view';
import { Identifier } from '@/lib/schemas/common';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { getWorker } from '@/lib/watchdog/fleet';
import { consoleCtx, requireConsoleUser } from '../../console-session';

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ worker_id: string }> }): Promise<Metadata> {
  const { worker_id } = await params;
  return entityTitle('worker', safeDecode(worker_id));
}

/** One worker, server-rendered on first paint, then polled from GET /api/watchdog/workers/:worker_id. */
export default async function WorkerPage({ params }: { params: Promise<{ worker_id: string }> }) {
  const user = await requireConsoleUser();
  const workerId = safeDecode((await params).worker_id);
  let initial: WorkerDetail | undefined;
  if (Identifier.safeParse(workerId).success) {
    try {
      initial = (await getWorker(await consoleCtx(user), workerId)) as WorkerDetail;
    } catch (e) {
      // not_found: the client shows the designed "No such worker" state from the API's 404
      if (!isWatchdogError(e)) throw e;
    }
  }
  return <WorkerView workerId={workerId} initialData={initial} />;
}
