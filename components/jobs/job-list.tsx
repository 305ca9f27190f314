'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { useFormat } from '@/components/lib/use-format';
import { jobsQueryString, useJobs } from '@/components/hooks/use-jobs';
import type { JobList as JobListPage } from '@/components/lib/types';
import type { LEASE_STATES } from '@/lib/schemas/enums';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input, Segmented } from '@/components/ui/field';
import { ListIcon, SearchIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { LeaseStateBadge, RiskBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';

function GateBadge({ passed }: { passed: boolean | null }) {
  const t = useTranslations('jobs.list');
  if (passed === null) return <span className="text-xs text-slate-400">{t('noCheck')}</span>;
  return <Badge tone={passed ? 'success' : 'danger'}>{passed ? t('passed') : t('failed')}</Badge>;
}

type Job = JobListPage['jobs'][number];
export type JobStateFilter = '' | (typeof LEASE_STATES)[number];

const stateFilters: JobStateFilter[] = ['', 'active', 'expired', 'completed', 'released'];

/** What a job's time means in its state: a completed job says when it completed, never when its old lease ran out. */
function JobWhen({ job }: { job: Job }) {
  const t = useTranslations('jobs.list');
  if (job.state === 'completed' && job.completed_at) {
    return <span>{t.rich('completedAt', { when: () => <RelativeTime iso={job.completed_at} /> })}</span>;
  }
  if (job.state === 'released') {
    return <span>{t.rich('releasedAt', { when: () => <RelativeTime iso={job.last_heartbeat_at} /> })}</span>;
  }
  const expired = Date.parse(job.lease_expires_at) <= Date.now();
  return <span className={expired ? 'text-rose-700' : undefined}>{t.rich(expired ? 'leaseExpired' : 'leaseExpires', { when: () => <RelativeTime iso={job.lease_expires_at} /> })}</span>;
}

export function JobList({ initialQuery, initialState = '' }: { initialQuery: string; initialState?: JobStateFilter }) {
  const t = useTranslations('jobs.list');
  const tc = useTranslations('common');
  const f = useFormat();
  const stateOptions = stateFilters.map((value) => ({ value, label: value ? f.label('leaseState', value) : tc('all') }));
  const [text, setText] = useState(initialQuery);
  const [q, setQ] = useState(initialQuery);
  const [state, setState] = useState<JobStateFilter>(initialState);
  useEffect(() => {
    const next = text.trim();
    if (next === q) return;
    const t = setTimeout(() => setQ(next), 250);
    return () => clearTimeout(t);
  }, [text, q]);
  useEffect(() => {
    // keeps the filters in the URL (shareable, back button) without a server round trip
    const qs = jobsQueryString({ q, state });
    window.history.replaceState(null, '', qs ? `/jobs?${qs}` : '/jobs');
  }, [q, state]);

  const jobs = useJobs({ q, state });
  const list = jobs.data?.pages.flatMap((p) => p.jobs) ?? [];

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={jobs.data ? <LiveIndicator updatedAt={jobs.dataUpdatedAt} fetching={jobs.isFetching} failed={jobs.isRefetchError} /> : null}
      />
      <Card>
        <div className="flex flex-wrap items-center gap-3 border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="relative w-full max-w-md">
            <SearchIcon className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-slate-400" />
            <label htmlFor="job-search" className="sr-only">
              {t('searchLabel')}
            </label>
            <Input id="job-search" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={t('searchPlaceholder')} className="pl-9" maxLength={200} />
          </div>
          <div className="max-w-full overflow-x-auto">
            <Segmented label={t('stateLabel')} value={state} options={stateOptions} onChange={setState} />
          </div>
        </div>
        {jobs.isPending ? (
          <LoadingRows rows={6} label={t('loading')} />
        ) : jobs.isError ? (
          <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState
            icon={q || state ? <SearchIcon /> : <ListIcon />}
            title={q ? (state ? t('noMatchInState', { state, q }) : t('noMatch', { q })) : state ? t('noneInState', { state }) : t('noJobs')}
            description={q || state ? t('filteredHint') : t('emptyHint')}
          />
        ) : (
          <>
            {/* wide screens: a table */}
            <div className="hidden overflow-x-auto md:block">
              <table className="min-w-full text-sm">
                <thead>
                  <tr className="border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <th scope="col" className="px-5 py-2.5">
                      {t('colJob')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('colWorker')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('colState')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('colRisk')}
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      {t('colFencing')}
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      {t('colWhen')}
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      {t('colOpenIncidents')}
                    </th>
                    <th scope="col" className="px-5 py-2.5">
                      {t('colGate')}
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {list.map((j) => (
                    <tr key={j.job_id} className="hover:bg-slate-50">
                      <td className="px-5 py-3">
                        <Link href={`/jobs/${encodeURIComponent(j.job_id)}`} className="font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                          {j.job_id}
                        </Link>
                      </td>
                      <td className="px-3 py-3 font-mono text-xs text-slate-600">{j.worker_id}</td>
                      <td className="px-3 py-3">
                        <LeaseStateBadge state={j.state} />
                      </td>
                      <td className="px-3 py-3">
                        <RiskBadge risk={j.risk_level} />
                      </td>
                      <td className="px-3 py-3 text-right font-mono text-xs tabular-nums text-slate-600">{j.fencing_token}</td>
                      <td className="whitespace-nowrap px-3 py-3 text-slate-600">
                        <JobWhen job={j} />
                      </td>
                      <td className="px-3 py-3 text-right tabular-nums">
                        {j.open_incidents ? <span className="font-semibold text-rose-600">{f.number(j.open_incidents)}</span> : <span className="text-slate-300">{f.number(0)}</span>}
                      </td>
                      <td className="px-5 py-3">
                        <GateBadge passed={j.last_check_passed} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {/* phones: cards */}
            <ul className="divide-y divide-slate-100 md:hidden">
              {list.map((j) => (
                <li key={j.job_id}>
                  <Link href={`/jobs/${encodeURIComponent(j.job_id)}`} className="block px-4 py-3 active:bg-slate-50">
                    <div className="flex items-center justify-between gap-2">
                      <span className="truncate font-mono text-[13px] font-medium text-indigo-700">{j.job_id}</span>
                      <RiskBadge risk={j.risk_level} />
                    </div>
                    <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                      <LeaseStateBadge state={j.state} />
                      <span className="font-mono">{j.worker_id}</span>
                      <span>{t('token', { token: j.fencing_token })}</span>
                      {j.open_incidents ? <span className="font-medium text-rose-600">{t('openCount', { count: f.number(j.open_incidents) })}</span> : null}
                      <span>{t.rich('gate', { badge: () => <GateBadge passed={j.last_check_passed} /> })}</span>
                    </div>
                    <div className="mt-1 text-xs text-slate-500">
                      <JobWhen job={j} />
                    </div>
                  </Link>
                </li>
              ))}
            </ul>
            <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-3 sm:px-5">
              <p className="text-xs text-slate-500">{t('shown', { count: list.length })}</p>
              {jobs.hasNextPage ? (
                <Button size="sm" onClick={() => void jobs.fetchNextPage()} loading={jobs.isFetchingNextPage}>
                  {t('loadOlder')}
                </Button>
              ) : (
                <span className="text-xs text-slate-500">{t('noOlder')}</span>
              )}
            </div>
          </>
        )}
      </Card>
    </>
  );
}
