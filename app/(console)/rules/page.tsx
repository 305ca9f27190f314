import type { Metadata } from 'next';
import { RulesView } from '@/components/rules/rules-view';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Rules' };

export default async function RulesPage() {
  const user = await requireConsoleUser();
  return <RulesView role={user.role} />;
}
