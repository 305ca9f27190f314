import { pageTitle } from '@/lib/i18n/page-title';
import { LearningsView } from '@/components/learnings/learnings-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('learnings');

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

export default async function LearningsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireConsoleUser();
  const sp = await searchParams;
  return <LearningsView initial={{ signal: one(sp.signal), worker: one(sp.worker_id), job: one(sp.job_id), add: one(sp.add) === '1' }} />;
}
