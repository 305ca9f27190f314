import type { Metadata } from 'next';
import { JobList } from '@/components/jobs/job-list';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Jobs' };

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireConsoleUser();
  const params = await searchParams;
  return <JobList initialQuery={typeof params.q === 'string' ? params.q.slice(0, 200) : ''} />;
}
