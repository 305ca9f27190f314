'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useWorker } from '@/components/hooks/use-workers';
import { ApiError } from '@/components/lib/api';
import { useFormat } from '@/components/lib/use-format';
import type { WorkerDetail } from '@/components/lib/types';
import { Card, CardHeader } from '@/components/ui/card';
import { ServerIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { LeaseStateBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp, useNow } from '@/components/ui/time';
import { LeaseLeft, WorkerStatusBadge } from './worker-badges';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 truncate text-sm text-slate-900">{children}</dd>
    </div>
  );
}

/** One worker: its facts, its open incidents and its recent jobs, polled. */
export function WorkerView({ workerId, initialData }: { workerId: string; initialData?: WorkerDetail }) {
  const now = useNow(5_000);
  const q = useWorker(workerId, initialData);
  const t = useTranslations('workers');
  const f = useFormat();
  const back = (
    <Link href="/workers" className="text-sm font-medium text-indigo-700 hover:underline">
      {t('detail.back')}
    </Link>
  );
  if (q.isError && q.error instanceof ApiError && q.error.status === 404) {
    return (
      <>
        <PageHeader title={t('detail.title', { id: workerId })} actions={back} />
        <Card>
          <EmptyState icon={<ServerIcon />} title={t('detail.notFound')} description={t('detail.notFoundHelp')} />
        </Card>
      </>
    );
  }
  const d = q.data;
  return (
    <>
      <PageHeader
        title={t('detail.title', { id: workerId })}
        description={t('detail.description')}
        actions={
          <div className="flex items-center gap-3">
            {d ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            {back}
          </div>
        }
      />
      {q.isPending ? (
        <Card>
          <LoadingRows rows={4} label={t('detail.loading')} />
        </Card>
      ) : q.isError || !d ? (
        <Card>
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        </Card>
      ) : (
        <div className="space-y-6">
          <Card aria-label={t('detail.facts')}>
            <dl className="grid grid-cols-2 gap-4 px-4 py-4 sm:grid-cols-3 sm:px-5 lg:grid-cols-4">
              <Fact label={t('columns.status')}>
                <WorkerStatusBadge status={d.worker.status} />
              </Fact>
              <Fact label={t('columns.lastSeen')}>
                <RelativeTime iso={d.worker.last_seen_at} />
              </Fact>
              <Fact label={t('detail.firstSeen')}>
                <Timestamp iso={d.worker.first_seen_at} />
              </Fact>
              <Fact label={t('detail.runnerVersion')}>
                <span className="font-mono">{d.worker.runner_version ?? '—'}</span>
              </Fact>
              <Fact label={t('columns.currentJob')}>
                {d.worker.current_job_id ? (
                  <Link href={`/jobs/${encodeURIComponent(d.worker.current_job_id)}`} className="font-mono font-medium text-indigo-700 hover:underline">
                    {d.worker.current_job_id}
                  </Link>
                ) : (
                  '—'
                )}
              </Fact>
              <Fact label={t('columns.lease')}>
                <LeaseLeft iso={d.worker.lease_expires_at} now={now} />
              </Fact>
              <Fact label={t('detail.eventsFailures')}>
                {f.number(d.worker.events_24h)} · <span className={d.worker.failures_24h ? 'font-semibold text-rose-700' : undefined}>{f.number(d.worker.failures_24h)}</span>
              </Fact>
              <Fact label={t('columns.openIncidents')}>{f.number(d.worker.open_incidents)}</Fact>
            </dl>
          </Card>
          <Card aria-labelledby="worker-incidents">
            <CardHeader id="worker-incidents" title={t('detail.incidentsTitle')} description={t('detail.incidentsHelp')} />
            {d.incidents.length === 0 ? (
              <EmptyState title={t('detail.nothingOpen')} description={t('detail.nothingOpenHelp')} />
            ) : (
              <ul className="divide-y divide-slate-100">
                {d.incidents.map((i) => (
                  <li key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm sm:px-5">
                    <SignalBadge signal={i.signal} />
                    {i.job_id ? (
                      <Link href={`/jobs/${encodeURIComponent(i.job_id)}`} className="font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                        {i.job_id}
                      </Link>
                    ) : (
                      <span className="text-slate-700">{t('detail.workerItself')}</span>
                    )}
                    <span className="text-slate-600">{t.rich('detail.detected', { time: () => <RelativeTime iso={i.detected_at} /> })}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card aria-labelledby="worker-jobs">
            <CardHeader id="worker-jobs" title={t('detail.jobsTitle')} description={t('detail.jobsHelp')} />
            {d.jobs.length === 0 ? (
              <EmptyState title={t('detail.noJobs')} description={t('detail.noJobsHelp')} />
            ) : (
              <ul className="divide-y divide-slate-100">
                {d.jobs.map((j) => (
                  <li key={j.job_id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm sm:px-5">
                    <Link href={`/jobs/${encodeURIComponent(j.job_id)}`} className="min-w-0 truncate font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                      {j.job_id}
                    </Link>
                    {j.state ? <LeaseStateBadge state={j.state} /> : <span className="text-xs text-slate-500">{t('detail.noLease')}</span>}
                    {j.holder_worker_id && j.holder_worker_id !== workerId ? <span className="text-xs text-slate-600">{t('detail.nowHeldBy', { worker: j.holder_worker_id })}</span> : null}
                    {j.open_incidents ? <span className="text-xs font-semibold text-rose-700">{t('detail.openCount', { count: j.open_incidents })}</span> : null}
                    <span className="ml-auto text-xs text-slate-600">
                      <RelativeTime iso={j.last_activity_at} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
