import { pageTitle } from '@/lib/i18n/page-title';
import { JobList, type JobStateFilter } from '@/components/jobs/job-list';
import { LEASE_STATES } from '@/lib/schemas/enums';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('jobs');

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireConsoleUser();
  const params = await searchParams;
  const state = LEASE_STATES.find((s) => s === params.state) ?? '';
  return <JobList initialQuery={typeof params.q === 'string' ? params.q.slice(0, 200) : ''} initialState={state satisfies JobStateFilter} />;
}
