import { pageTitle } from '@/lib/i18n/page-title';
import { ChannelsView } from '@/components/channels/channels-view';
import { requireConsoleUser } from '../../console-session';

export const generateMetadata = pageTitle('channels');

export default async function ChannelsPage() {
  const user = await requireConsoleUser();
  return <ChannelsView canManage={user.role === 'owner'} />;
}
