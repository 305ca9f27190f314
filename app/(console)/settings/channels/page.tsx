import type { Metadata } from 'next';
import { ChannelsView } from '@/components/channels/channels-view';
import { requireConsoleUser } from '../../console-session';

export const metadata: Metadata = { title: 'Notification channels' };

export default async function ChannelsPage() {
  const user = await requireConsoleUser();
  return <ChannelsView canManage={user.role === 'owner'} />;
}
