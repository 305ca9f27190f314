import type { Metadata } from 'next';
import { entityTitle } from '@/lib/i18n/page-title';
import { JobStoryView } from '@/components/jobs/job-story';
import type { JobStory } from '@/components/lib/types';
import { Identifier } from '@/lib/schemas/common';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { getJobTimeline } from '@/lib/watchdog/jobs';
import { consoleCtx, requireConsoleUser } from '../../console-session';

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ job_id: string }> }): Promise<Metadata> {
  const { job_id } = await params;
  return entityTitle('job', safeDecode(job_id));
}

/** The job's story, server-rendered on first paint, then polled from GET /api/watchdog/jobs/:job_id. */
export default async function JobPage({ params }: { params: Promise<{ job_id: string }> }) {
  const user = await requireConsoleUser();
  const jobId = safeDecode((await params).job_id);
  let initial: JobStory | undefined;
  if (Identifier.safeParse(jobId).success) {
    try {
      initial = (await getJobTimeline(await consoleCtx(user), jobId)) as JobStory;
    } catch (e) {
      // not_found: the client shows the designed "No such job" state from the API's 404
      if (!isWatchdogError(e)) throw e;
    }
  }
  return <JobStoryView jobId={jobId} initialData={initial} canAct={user.role === 'supervisor' || user.role === 'owner'} canDecide={user.role === 'supervisor'} />;
}
