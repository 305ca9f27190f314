import type { Metadata } from 'next';
import { ApprovalsView } from '@/components/approvals/approvals-view';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Approvals' };

export default async function ApprovalsPage() {
  const user = await requireConsoleUser();
  return <ApprovalsView role={user.role} />;
}
