import { pageTitle } from '@/lib/i18n/page-title';
import { IncidentDetailView } from '@/components/incidents/incident-detail';
import { requireConsoleUser } from '../../console-session';

export const generateMetadata = pageTitle('incident');

export default async function IncidentPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireConsoleUser();
  const { id } = await params;
  return <IncidentDetailView id={id} canAct={user.role === 'supervisor' || user.role === 'owner'} />;
}
