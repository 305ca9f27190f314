import type { Metadata } from 'next';
import { SilencesView } from '@/components/silences/silences-view';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Silences' };

export default async function SilencesPage() {
  const user = await requireConsoleUser();
  return <SilencesView canAct={user.role === 'supervisor' || user.role === 'owner'} />;
}
