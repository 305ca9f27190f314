'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { useWorkers } from '@/components/hooks/use-workers';
import type { WorkerList } from '@/components/lib/types';
import { useFormat } from '@/components/lib/use-format';
import { Card } from '@/components/ui/card';
import { Segmented } from '@/components/ui/field';
import { ServerIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { RelativeTime, useNow } from '@/components/ui/time';
import { LeaseLeft, WorkerStatusBadge } from './worker-badges';

function Count({ n, danger }: { n: number; danger?: boolean }) {
  const f = useFormat();
  return n ? <span className={danger ? 'font-semibold text-rose-700' : 'text-slate-900'}>{f.number(n)}</span> : <span className="text-slate-500">{f.number(0)}</span>;
}

function JobLink({ jobId }: { jobId: string | null }) {
  if (!jobId) return <span className="text-slate-500">—</span>;
  return (
    <Link href={`/jobs/${encodeURIComponent(jobId)}`} className="font-mono text-[13px] font-medium text-indigo-700 hover:underline">
      {jobId}
    </Link>
  );
}

/** The fleet page: one row per worker, silent ones first, polled. */
export function WorkersView({ initialData }: { initialData?: WorkerList }) {
  const t = useTranslations('workers');
  const [show, setShow] = useState<'recent' | 'all'>('recent');
  const now = useNow(5_000);
  const includeRetired = show === 'all';
  const q = useWorkers(includeRetired, initialData);
  const workers = q.data?.workers ?? [];
  const counts = { silent: workers.filter((w) => w.status === 'silent').length, working: workers.filter((w) => w.status === 'working').length };

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null} />
      <Card>
        <div className="flex flex-col gap-3 border-b border-slate-100 px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:px-5">
          <p className="text-sm text-slate-600" aria-live="polite">
            {q.data
              ? t.rich('summary', {
                  count: workers.length,
                  working: counts.working,
                  silent: counts.silent,
                  total: (chunks) => <strong className="text-slate-900">{chunks}</strong>,
                  silentText: (chunks) => <span className={counts.silent ? 'font-semibold text-rose-700' : undefined}>{chunks}</span>,
                })
              : t('loadingShort')}
          </p>
          <Segmented
            label={t('which')}
            value={show}
            onChange={setShow}
            options={[
              { value: 'recent', label: t('recent') },
              { value: 'all', label: t('includeRetired') },
            ]}
          />
        </div>
        {q.isPending ? (
          <LoadingRows rows={5} label={t('loading')} />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : workers.length === 0 ? (
          <EmptyState icon={<ServerIcon />} title={t('empty')} description={t('emptyHelp')} />
        ) : (
          <>
            <div className="hidden overflow-x-auto lg:block">
              <table className="min-w-full text-sm">
                <caption className="sr-only">{t('listLabel')}</caption>
                <thead>
                  <tr className="border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <th scope="col" className="px-5 py-2.5">
                      {t('columns.worker')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('columns.status')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('columns.lastSeen')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('columns.currentJob')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('columns.lease')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('columns.runner')}
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      {t('columns.events24h')}
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      {t('columns.failures24h')}
                    </th>
                    <th scope="col" className="px-5 py-2.5 text-right">
                      {t('columns.openIncidents')}
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {workers.map((w) => (
                    <tr key={w.worker_id} className={w.status === 'silent' ? 'bg-rose-50/40 hover:bg-rose-50' : 'hover:bg-slate-50'}>
                      <th scope="row" className="px-5 py-3 text-left font-normal">
                        <Link href={`/workers/${encodeURIComponent(w.worker_id)}`} className="font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                          {w.worker_id}
                        </Link>
                      </th>
                      <td className="px-3 py-3">
                        <WorkerStatusBadge status={w.status} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-3 text-slate-700">
                        <RelativeTime iso={w.last_seen_at} />
                      </td>
                      <td className="px-3 py-3">
                        <JobLink jobId={w.current_job_id} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-3 text-slate-700">
                        <LeaseLeft iso={w.lease_expires_at} now={now} />
                      </td>
                      <td className="px-3 py-3 font-mono text-xs text-slate-700">{w.runner_version ?? '—'}</td>
                      <td className="px-3 py-3 text-right tabular-nums">
                        <Count n={w.events_24h} />
                      </td>
                      <td className="px-3 py-3 text-right tabular-nums">
                        <Count n={w.failures_24h} danger />
                      </td>
                      <td className="px-5 py-3 text-right tabular-nums">
                        <Count n={w.open_incidents} danger />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ul className="divide-y divide-slate-100 lg:hidden" aria-label={t('listLabel')}>
              {workers.map((w) => (
                <li key={w.worker_id} className="px-4 py-3">
                  <div className="flex items-center justify-between gap-2">
                    <Link href={`/workers/${encodeURIComponent(w.worker_id)}`} className="truncate font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                      {w.worker_id}
                    </Link>
                    <WorkerStatusBadge status={w.status} />
                  </div>
                  <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-600">
                    <dt className="text-slate-500">{t('columns.lastSeen')}</dt>
                    <dd>
                      <RelativeTime iso={w.last_seen_at} />
                    </dd>
                    <dt className="text-slate-500">{t('columns.currentJob')}</dt>
                    <dd className="truncate">
                      <JobLink jobId={w.current_job_id} />
                    </dd>
                    <dt className="text-slate-500">{t('columns.lease')}</dt>
                    <dd>
                      <LeaseLeft iso={w.lease_expires_at} now={now} />
                    </dd>
                    <dt className="text-slate-500">{t('columns.runner')}</dt>
                    <dd className="font-mono">{w.runner_version ?? '—'}</dd>
                    <dt className="text-slate-500">{t('last24h')}</dt>
                    <dd>{t.rich('eventsFailures', { events: w.events_24h, count: () => <Count n={w.failures_24h} danger /> })}</dd>
                    <dt className="text-slate-500">{t('columns.openIncidents')}</dt>
                    <dd>
                      <Count n={w.open_incidents} danger />
                    </dd>
                  </dl>
                </li>
              ))}
            </ul>
          </>
        )}
      </Card>
    </>
  );
}
