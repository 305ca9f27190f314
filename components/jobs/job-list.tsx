'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useJobs } from '@/components/hooks/use-jobs';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { ListIcon, SearchIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { LeaseStateBadge, RiskBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';

function GateBadge({ passed }: { passed: boolean | null }) {
  if (passed === null) return <span className="text-xs text-slate-400">no check</span>;
  return <Badge tone={passed ? 'success' : 'danger'}>{passed ? 'passed' : 'failed'}</Badge>;
}

export function JobList({ initialQuery }: { initialQuery: string }) {
  const [text, setText] = useState(initialQuery);
  const [q, setQ] = useState(initialQuery);
  useEffect(() => {
    const next = text.trim();
    if (next === q) return;
    const t = setTimeout(() => {
      setQ(next);
      // keeps the search in the URL (shareable, back button) without a server round trip
      window.history.replaceState(null, '', next ? `/jobs?q=${encodeURIComponent(next)}` : '/jobs');
    }, 250);
    return () => clearTimeout(t);
  }, [text, q]);

  const jobs = useJobs(q);

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every job the watchdog has seen, by its lease — most recent activity first. Open one to read its whole story."
        actions={jobs.data ? <LiveIndicator updatedAt={jobs.dataUpdatedAt} fetching={jobs.isFetching} failed={jobs.isRefetchError} /> : null}
      />
      <Card>
        <div className="border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="relative max-w-md">
            <SearchIcon className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-slate-400" />
            <label htmlFor="job-search" className="sr-only">
              Search jobs
            </label>
            <Input id="job-search" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Search by job or worker id" className="pl-9" maxLength={200} />
          </div>
        </div>
        {jobs.isPending ? (
          <LoadingRows rows={6} label="Loading jobs" />
        ) : jobs.isError ? (
          <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />
        ) : jobs.data.jobs.length === 0 ? (
          <EmptyState
            icon={q ? <SearchIcon /> : <ListIcon />}
            title={q ? `No job matches “${q}”` : 'No jobs yet'}
            description={q ? 'Search matches any part of a job id or a worker id.' : 'A job appears here with its first lease heartbeat from a worker.'}
          />
        ) : (
          <>
            {/* wide screens: a table */}
            <div className="hidden overflow-x-auto md:block">
              <table className="min-w-full text-sm">
                <thead>
                  <tr className="border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <th scope="col" className="px-5 py-2.5">
                      Job
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      Worker
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      State
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      Risk
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      Fencing
                    </th>
                    <th scope="col" className="px-3 py-2.5">
                      Lease expires
                    </th>
                    <th scope="col" className="px-3 py-2.5 text-right">
                      Open incidents
                    </th>
                    <th scope="col" className="px-5 py-2.5">
                      Gate
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {jobs.data.jobs.map((j) => (
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
                      <td className="px-3 py-3 text-slate-600">
                        <RelativeTime iso={j.lease_expires_at} />
                      </td>
                      <td className="px-3 py-3 text-right tabular-nums">
                        {j.open_incidents ? <span className="font-semibold text-rose-600">{j.open_incidents}</span> : <span className="text-slate-300">0</span>}
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
              {jobs.data.jobs.map((j) => (
                <li key={j.job_id}>
                  <Link href={`/jobs/${encodeURIComponent(j.job_id)}`} className="block px-4 py-3 active:bg-slate-50">
                    <div className="flex items-center justify-between gap-2">
                      <span className="truncate font-mono text-[13px] font-medium text-indigo-700">{j.job_id}</span>
                      <RiskBadge risk={j.risk_level} />
                    </div>
                    <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                      <LeaseStateBadge state={j.state} />
                      <span className="font-mono">{j.worker_id}</span>
                      <span>· token {j.fencing_token}</span>
                      {j.open_incidents ? <span className="font-medium text-rose-600">· {j.open_incidents} open</span> : null}
                      <span>
                        · gate <GateBadge passed={j.last_check_passed} />
                      </span>
                    </div>
                  </Link>
                </li>
              ))}
            </ul>
            {jobs.data.jobs.length >= 200 ? (
              <p className="border-t border-slate-100 px-5 py-3 text-xs text-slate-500">Showing the 200 most recent jobs. Narrow the search to find older ones.</p>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}
