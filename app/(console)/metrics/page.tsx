import { pageTitle } from '@/lib/i18n/page-title';
import { D30View } from '@/components/metrics/d30-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('metrics');

export default async function MetricsPage() {
  const user = await requireConsoleUser();
  return <D30View role={user.role} />;
}
