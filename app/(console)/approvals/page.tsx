import { pageTitle } from '@/lib/i18n/page-title';
import { ApprovalsView } from '@/components/approvals/approvals-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('approvals');

export default async function ApprovalsPage() {
  const user = await requireConsoleUser();
  return <ApprovalsView role={user.role} />;
}
