import type { Metadata } from 'next';
import { PeopleView } from '@/components/people/people-view';
import { requireConsoleUser } from '../../console-session';

export const metadata: Metadata = { title: 'People' };

export default async function PeoplePage() {
  const user = await requireConsoleUser();
  return <PeopleView role={user.role} selfId={user.id} />;
}
