import type { Metadata } from 'next';
import { D30View } from '@/components/metrics/d30-view';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'D30 review' };

export default async function MetricsPage() {
  const user = await requireConsoleUser();
  return <D30View role={user.role} />;
}
