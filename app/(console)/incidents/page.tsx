import { pageTitle } from '@/lib/i18n/page-title';
import type { IncidentFilters } from '@/components/hooks/use-incidents';
import { IncidentsView } from '@/components/incidents/incidents-view';
import { incidentStatusFilters } from '@/lib/schemas/oncall';
import { requireConsoleUser } from '../console-session';

export const generateMetadata = pageTitle('incidents');

const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v.slice(0, 200) : '');

export default async function IncidentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireConsoleUser();
  const p = await searchParams;
  const status = (incidentStatusFilters as readonly string[]).includes(one(p.status)) ? (one(p.status) as IncidentFilters['status']) : 'open';
  const severity = one(p.severity) === 'critical' || one(p.severity) === 'warning' ? (one(p.severity) as 'critical' | 'warning') : '';
  const signal = /^[a-z_]{1,50}$/.test(one(p.signal)) ? one(p.signal) : '';
  return <IncidentsView initial={{ status, signal, severity, worker_id: one(p.worker_id), job_id: one(p.job_id) }} canAct={user.role === 'supervisor' || user.role === 'owner'} />;
}
