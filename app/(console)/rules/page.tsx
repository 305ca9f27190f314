import { pageTitle } from '@/lib/i18n/page-title';
import { RulesView } from '@/components/rules/rules-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('rules');

export default async function RulesPage() {
  const user = await requireConsoleUser();
  return <RulesView role={user.role} />;
}
