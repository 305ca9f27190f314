import { pageTitle } from '@/lib/i18n/page-title';
import { TokensView } from '@/components/tokens/tokens-view';
import { requireConsoleUser } from '../../console-session';

export const generateMetadata = pageTitle('tokens');

export default async function TokensPage() {
  const user = await requireConsoleUser();
  return <TokensView role={user.role} />;
}
