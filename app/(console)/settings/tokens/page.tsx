import type { Metadata } from 'next';
import { TokensView } from '@/components/tokens/tokens-view';
import { requireConsoleUser } from '../../console-session';

export const metadata: Metadata = { title: 'API tokens' };

export default async function TokensPage() {
  const user = await requireConsoleUser();
  return <TokensView role={user.role} />;
}
