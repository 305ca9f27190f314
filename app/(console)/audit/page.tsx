import { pageTitle } from '@/lib/i18n/page-title';
import { AuditView } from '@/components/audit/audit-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('audit');

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireConsoleUser();
  const params = await searchParams;
  const text = (k: string) => (typeof params[k] === 'string' ? params[k].slice(0, 200) : '');
  return <AuditView initialFilters={{ action: text('action'), actor: text('actor'), from: text('from'), to: text('to') }} />;
}
