import { pageTitle } from '@/lib/i18n/page-title';
import { SilencesView } from '@/components/silences/silences-view';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('silences');

export default async function SilencesPage() {
  const user = await requireConsoleUser();
  return <SilencesView canAct={user.role === 'supervisor' || user.role === 'owner'} />;
}
