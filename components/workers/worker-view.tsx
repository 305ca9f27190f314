'use client';

import Link from 'next/link';
import { formatNumber } from '@/components/lib/format';
import { useWorker } from '@/components/hooks/use-workers';
import { ApiError } from '@/components/lib/api';
import type { WorkerDetail } from '@/components/lib/types';
import { Card, CardHeader } from '@/components/ui/card';
import { ServerIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { LeaseStateBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp, useNow } from '@/components/ui/time';
import { leaseLeft, WorkerStatusBadge } from './worker-badges';

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
  const back = (
    <Link href="/workers" className="text-sm font-medium text-indigo-700 hover:underline">
      ← All workers
    </Link>
  );
  if (q.isError && q.error instanceof ApiError && q.error.status === 404) {
    return (
      <>
        <PageHeader title={`Worker ${workerId}`} actions={back} />
        <Card>
          <EmptyState icon={<ServerIcon />} title="No such worker" description="The console has never seen a worker with this id: no call with its token and no evidence naming it." />
        </Card>
      </>
    );
  }
  const d = q.data;
  return (
    <>
      <PageHeader
        title={`Worker ${workerId}`}
        description="What this worker holds, when it was last heard from, and what is open against it."
        actions={
          <div className="flex items-center gap-3">
            {d ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            {back}
          </div>
        }
      />
      {q.isPending ? (
        <Card>
          <LoadingRows rows={4} label="Loading the worker" />
        </Card>
      ) : q.isError || !d ? (
        <Card>
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        </Card>
      ) : (
        <div className="space-y-6">
          <Card aria-label="Worker facts">
            <dl className="grid grid-cols-2 gap-4 px-4 py-4 sm:grid-cols-3 sm:px-5 lg:grid-cols-4">
              <Fact label="Status">
                <WorkerStatusBadge status={d.worker.status} />
              </Fact>
              <Fact label="Last seen">
                <RelativeTime iso={d.worker.last_seen_at} />
              </Fact>
              <Fact label="First seen">
                <Timestamp iso={d.worker.first_seen_at} />
              </Fact>
              <Fact label="Runner version">
                <span className="font-mono">{d.worker.runner_version ?? '—'}</span>
              </Fact>
              <Fact label="Current job">
                {d.worker.current_job_id ? (
                  <Link href={`/jobs/${encodeURIComponent(d.worker.current_job_id)}`} className="font-mono font-medium text-indigo-700 hover:underline">
                    {d.worker.current_job_id}
                  </Link>
                ) : (
                  '—'
                )}
              </Fact>
              <Fact label="Lease">{leaseLeft(d.worker.lease_expires_at, now)}</Fact>
              <Fact label="Events · failures (24 h)">
                {formatNumber(d.worker.events_24h)} · <span className={d.worker.failures_24h ? 'font-semibold text-rose-700' : undefined}>{formatNumber(d.worker.failures_24h)}</span>
              </Fact>
              <Fact label="Open incidents">{d.worker.open_incidents}</Fact>
            </dl>
          </Card>
          <Card aria-labelledby="worker-incidents">
            <CardHeader id="worker-incidents" title="Open incidents" description="Its own (a silence) and those of its jobs." />
            {d.incidents.length === 0 ? (
              <EmptyState title="Nothing open" description="No open incident carries this worker." />
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
                      <span className="text-slate-700">the worker itself</span>
                    )}
                    <span className="text-slate-600">
                      detected <RelativeTime iso={i.detected_at} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card aria-labelledby="worker-jobs">
            <CardHeader id="worker-jobs" title="Recent jobs" description="Up to 50, the most recent activity first. Another worker may hold a job now." />
            {d.jobs.length === 0 ? (
              <EmptyState title="No jobs yet" description="This worker has not held a lease or reported an event." />
            ) : (
              <ul className="divide-y divide-slate-100">
                {d.jobs.map((j) => (
                  <li key={j.job_id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm sm:px-5">
                    <Link href={`/jobs/${encodeURIComponent(j.job_id)}`} className="min-w-0 truncate font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                      {j.job_id}
                    </Link>
                    {j.state ? <LeaseStateBadge state={j.state} /> : <span className="text-xs text-slate-500">no lease</span>}
                    {j.holder_worker_id && j.holder_worker_id !== workerId ? <span className="text-xs text-slate-600">now held by {j.holder_worker_id}</span> : null}
                    {j.open_incidents ? <span className="text-xs font-semibold text-rose-700">{j.open_incidents} open</span> : null}
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
