import { pageTitle } from '@/lib/i18n/page-title';
import { PeopleView } from '@/components/people/people-view';
import { requireConsoleUser } from '../../console-session';

export const generateMetadata = pageTitle('people');

export default async function PeoplePage() {
  const user = await requireConsoleUser();
  return <PeopleView role={user.role} selfId={user.id} />;
}
