'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { signalOrder } from '@/components/lib/format';
import { useFormat } from '@/components/lib/use-format';
import { type IncidentFilters, type IncidentStatus, incidentQueryString, useIncidentPage } from '@/components/hooks/use-incidents';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input, Label, Segmented, Select } from '@/components/ui/field';
import { AlertIcon, CheckBadgeIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { SignalBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { IncidentActions } from './incident-actions';
import { HandlingBadge, SeverityBadge } from './incident-badges';

/** The incidents page: filters kept in the URL, pages by cursor, and the on-call buttons on every open incident. */
export function IncidentsView({ initial, canAct }: { initial: IncidentFilters; canAct: boolean }) {
  const t = useTranslations('incidents.list');
  const f = useFormat();
  const [filters, setFilters] = useState<IncidentFilters>(initial);
  const [draft, setDraft] = useState({ worker_id: initial.worker_id, job_id: initial.job_id });
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1] ?? '';
  const set = (change: Partial<IncidentFilters>) => {
    setFilters((f) => ({ ...f, ...change }));
    setCursors([]);
  };
  useEffect(() => {
    const qs = incidentQueryString(filters);
    window.history.replaceState(null, '', `/incidents${qs ? `?${qs}` : ''}`);
  }, [filters]);

  const q = useIncidentPage(filters, cursor);
  const list = q.data?.incidents ?? [];

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null} />
      <Card>
        <div className="space-y-3 border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="max-w-full overflow-x-auto">
            <Segmented<IncidentStatus>
              label={t('status')}
              value={filters.status}
              onChange={(status) => set({ status })}
              options={[
                { value: 'open', label: t('statusOpen') },
                { value: 'unacknowledged', label: t('statusUnacknowledged') },
                { value: 'acknowledged', label: t('statusAcknowledged') },
                { value: 'resolved', label: t('statusResolved') },
                { value: 'all', label: t('statusAll') },
              ]}
            />
          </div>
          <form
            className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[1fr_10rem_1fr_1fr_auto] lg:items-end"
            onSubmit={(e) => {
              e.preventDefault();
              set({ worker_id: draft.worker_id.trim(), job_id: draft.job_id.trim() });
            }}
          >
            <div>
              <Label htmlFor="signal-filter">{t('signal')}</Label>
              <Select id="signal-filter" value={filters.signal} onChange={(e) => set({ signal: e.target.value })}>
                <option value="">{t('allSignals')}</option>
                {signalOrder.map((s) => (
                  <option key={s} value={s}>
                    {f.signal(s)}
                  </option>
                ))}
              </Select>
            </div>
            <div>
              <Label htmlFor="severity-filter">{t('severity')}</Label>
              <Select id="severity-filter" value={filters.severity} onChange={(e) => set({ severity: e.target.value as IncidentFilters['severity'] })}>
                <option value="">{t('anySeverity')}</option>
                <option value="critical">{f.label('severity', 'critical')}</option>
                <option value="warning">{f.label('severity', 'warning')}</option>
              </Select>
            </div>
            <div>
              <Label htmlFor="worker-filter">{t('worker')}</Label>
              <Input id="worker-filter" value={draft.worker_id} onChange={(e) => setDraft({ ...draft, worker_id: e.target.value })} placeholder={t('anyWorker')} maxLength={200} />
            </div>
            <div>
              <Label htmlFor="job-filter">{t('job')}</Label>
              <Input id="job-filter" value={draft.job_id} onChange={(e) => setDraft({ ...draft, job_id: e.target.value })} placeholder={t('anyJob')} maxLength={200} />
            </div>
            <Button type="submit">{t('apply')}</Button>
          </form>
        </div>
        {q.isPending ? (
          <LoadingRows rows={6} label={t('loading')} />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState icon={filters.status === 'open' ? <CheckBadgeIcon /> : <AlertIcon />} title={t('emptyTitle')} description={filters.status === 'open' ? t('emptyQuiet') : t('emptyFiltered')} />
        ) : (
          <>
            <ul className="divide-y divide-slate-100" aria-label={t('listLabel')}>
              {list.map((i) => (
                <li key={i.id} data-incident-id={i.id} className="flex flex-col gap-3 px-4 py-3 sm:px-5 lg:flex-row lg:items-start">
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-2">
                      <SignalBadge signal={i.signal} />
                      <SeverityBadge severity={i.severity} />
                      <HandlingBadge incident={i} />
                    </div>
                    <p className="mt-1.5 text-sm text-slate-700">
                      {i.job_id ? (
                        <Link href={`/jobs/${encodeURIComponent(i.job_id)}`} className="break-all font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                          {i.job_id}
                        </Link>
                      ) : (
                        <span className="text-slate-500">{t('noJob')}</span>
                      )}
                      {i.worker_id ? (
                        <span className="text-slate-500"> · {t.rich('onWorker', { worker: i.worker_id, mono: (chunks) => <span className="font-mono text-slate-700">{chunks}</span> })}</span>
                      ) : null}
                    </p>
                    <p className="mt-0.5 text-xs text-slate-500">
                      {t.rich('detected', { when: () => <RelativeTime iso={i.detected_at} /> })}
                      {i.acknowledged_by ? ` · ${t('acknowledgedBy', { name: i.acknowledged_by })}` : ''}
                      {i.resolved_by ? ` · ${t('resolvedBy', { name: i.resolved_by })}` : ''}
                      {i.resolution ? (
                        <>
                          {' — '}
                          <span data-recorded="">{i.resolution}</span>
                        </>
                      ) : null}
                    </p>
                    <Link href={`/incidents/${i.id}`} className="mt-1 inline-block text-xs font-medium text-indigo-700 hover:underline">
                      {t.rich('details', { signal: f.signal(i.signal), target: i.job_id ?? i.worker_id ?? '', sr: (chunks) => <span className="sr-only">{chunks}</span> })}
                    </Link>
                  </div>
                  <div className="lg:w-[26rem] lg:shrink-0">
                    <IncidentActions incident={i} canAct={canAct} compact />
                  </div>
                </li>
              ))}
            </ul>
            <nav aria-label={t('pages')} className="flex items-center justify-between gap-2 border-t border-slate-100 px-5 py-2.5 text-xs text-slate-500">
              <span>{t('page', { page: f.number(cursors.length + 1), count: list.length })}</span>
              <span className="flex gap-2">
                <Button size="sm" variant="ghost" disabled={!cursors.length} onClick={() => setCursors((c) => c.slice(0, -1))}>
                  {t('newer')}
                </Button>
                <Button size="sm" variant="ghost" disabled={!q.data?.next_cursor} onClick={() => q.data?.next_cursor && setCursors((c) => [...c, q.data.next_cursor!])}>
                  {t('older')}
                </Button>
              </span>
            </nav>
          </>
        )}
      </Card>
    </>
  );
}
