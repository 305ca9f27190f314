import type { Metadata } from 'next';
import type { IncidentStatus } from '@/components/hooks/use-incidents';
import { IncidentsView } from '@/components/incidents/incidents-view';
import { signalOrder } from '@/components/lib/format';
import { requireConsoleUser } from '../console-session';

export const metadata: Metadata = { title: 'Incidents' };

export default async function IncidentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireConsoleUser();
  const p = await searchParams;
  const status: IncidentStatus = p.status === 'resolved' || p.status === 'all' ? p.status : 'open';
  const signal = typeof p.signal === 'string' && (signalOrder as readonly string[]).includes(p.signal) ? p.signal : '';
  return <IncidentsView initialStatus={status} initialSignal={signal} />;
}
