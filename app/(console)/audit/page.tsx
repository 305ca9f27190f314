import type { Metadata } from 'next';
import { AuditView } from '@/components/audit/audit-view';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditPage() {
  await requireConsoleUser();
  return <AuditView />;
}
