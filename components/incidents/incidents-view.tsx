'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { apiFetch } from '@/components/lib/api';
import { formatDuration, signalLabel, signalOrder } from '@/components/lib/format';
import { LIVE_MS, queryKeys } from '@/components/lib/queries';
import type { Incident } from '@/components/lib/types';
import type { IncidentFilter } from '@/lib/schemas/enums';
import { Card } from '@/components/ui/card';
import { Label, Segmented, Select } from '@/components/ui/field';
import { AlertIcon, CheckBadgeIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { IncidentStatusBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';

export type IncidentStatus = IncidentFilter;

const secondsBetween = (a: string, b: string) => (new Date(b).getTime() - new Date(a).getTime()) / 1000;

function detailLine(i: Incident): string | null {
  const d = (i.details ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof d.phase === 'string') parts.push(`phase ${d.phase}`);
  if (typeof d.worker_id === 'string') parts.push(`worker ${d.worker_id}`);
  if (typeof d.last_error_code === 'string') parts.push(d.last_error_code);
  if (typeof d.failure_reason === 'string') parts.push(d.failure_reason);
  return parts.length ? parts.join(' · ') : null;
}

export function IncidentsView({ initialStatus, initialSignal }: { initialStatus: IncidentStatus; initialSignal: string }) {
  const [status, setStatus] = useState<IncidentStatus>(initialStatus);
  const [signal, setSignal] = useState(initialSignal);
  useEffect(() => {
    const p = new URLSearchParams();
    if (status !== 'open') p.set('status', status);
    if (signal) p.set('signal', signal);
    window.history.replaceState(null, '', `/incidents${p.toString() ? `?${p.toString()}` : ''}`);
  }, [status, signal]);

  const q = useQuery({
    queryKey: queryKeys.incidents(status, signal),
    queryFn: ({ signal: abort }) => apiFetch<{ incidents: Incident[] }>(`/api/watchdog/incidents?status=${status}&limit=500${signal ? `&signal=${encodeURIComponent(signal)}` : ''}`, { signal: abort }),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });

  const list = q.data?.incidents ?? [];
  return (
    <>
      <PageHeader
        title="Incidents"
        description="One incident per job and signal while it is open; it resolves when the job recovers or a supervisor acts. New ones appear here within seconds."
        actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      <Card>
        <div className="flex flex-col gap-3 border-b border-slate-100 px-4 py-3 sm:flex-row sm:items-end sm:justify-between sm:px-5">
          <Segmented<IncidentStatus>
            label="Status"
            value={status}
            onChange={setStatus}
            options={[
              { value: 'open', label: 'Open' },
              { value: 'resolved', label: 'Resolved' },
              { value: 'all', label: 'All' },
            ]}
          />
          <div className="sm:w-60">
            <Label htmlFor="signal-filter" className="sr-only">
              Signal
            </Label>
            <Select id="signal-filter" value={signal} onChange={(e) => setSignal(e.target.value)}>
              <option value="">All signals</option>
              {signalOrder.map((s) => (
                <option key={s} value={s}>
                  {signalLabel(s)}
                </option>
              ))}
            </Select>
          </div>
        </div>
        {q.isPending ? (
          <LoadingRows rows={6} label="Loading incidents" />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState
            icon={status === 'open' ? <CheckBadgeIcon /> : <AlertIcon />}
            title={status === 'open' ? `No open ${signal ? signalLabel(signal).toLowerCase() + ' ' : ''}incidents` : `No ${status === 'resolved' ? 'resolved ' : ''}${signal ? signalLabel(signal).toLowerCase() + ' ' : ''}incidents`}
            description={status === 'open' ? 'The fleet is quiet. Incidents open here as soon as the classifier or a sweep detects a signal.' : 'Try another signal or status.'}
          />
        ) : (
          <>
            <div className="hidden overflow-x-auto md:block">
              <table className="min-w-full text-sm">
                <thead>
                  <tr className="whitespace-nowrap border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <th scope="col" className="px-5 py-2.5">Signal</th>
                    <th scope="col" className="px-3 py-2.5">Job</th>
                    <th scope="col" className="px-3 py-2.5">Status</th>
                    <th scope="col" className="px-3 py-2.5">Detected</th>
                    <th scope="col" className="px-3 py-2.5 text-right">To detect</th>
                    <th scope="col" className="px-3 py-2.5">Resolution</th>
                    <th scope="col" className="px-5 py-2.5 text-right">Evidence</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {list.map((i) => (
                    <tr key={i.id} className="align-top hover:bg-slate-50">
                      <td className="px-5 py-3">
                        <SignalBadge signal={i.signal} />
                      </td>
                      <td className="px-3 py-3">
                        <Link href={`/jobs/${encodeURIComponent(i.job_id)}`} className="font-mono text-[13px] font-medium text-indigo-700 hover:underline">
                          {i.job_id}
                        </Link>
                        {detailLine(i) ? <p className="mt-0.5 max-w-[16rem] truncate text-xs text-slate-500" title={detailLine(i) ?? undefined}>{detailLine(i)}</p> : null}
                      </td>
                      <td className="px-3 py-3">
                        <IncidentStatusBadge status={i.status} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-3 text-slate-600">
                        <RelativeTime iso={i.detected_at} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-3 text-right tabular-nums text-slate-600">{formatDuration(secondsBetween(i.first_failure_at, i.detected_at))}</td>
                      <td className="px-3 py-3 text-slate-600">
                        {i.resolved_at ? (
                          <>
                            <span className="text-slate-900">after {formatDuration(secondsBetween(i.detected_at, i.resolved_at))}</span>
                            <p className="max-w-[15rem] truncate text-xs text-slate-500" title={i.resolution ?? undefined}>
                              {i.resolution}
                            </p>
                          </>
                        ) : (
                          <span className="whitespace-nowrap text-slate-400">open for {formatDuration(secondsBetween(i.detected_at, new Date().toISOString()))}</span>
                        )}
                      </td>
                      <td className="px-5 py-3 text-right tabular-nums text-slate-600">{i.evidence_event_ids.length}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ul className="divide-y divide-slate-100 md:hidden">
              {list.map((i) => (
                <li key={i.id}>
                  <Link href={`/jobs/${encodeURIComponent(i.job_id)}`} className="block px-4 py-3 active:bg-slate-50">
                    <div className="flex items-center justify-between gap-2">
                      <SignalBadge signal={i.signal} />
                      <IncidentStatusBadge status={i.status} />
                    </div>
                    <p className="mt-1.5 truncate font-mono text-[13px] font-medium text-indigo-700">{i.job_id}</p>
                    <p className="mt-0.5 text-xs text-slate-500">
                      detected <RelativeTime iso={i.detected_at} /> · {i.evidence_event_ids.length} evidence
                      {i.resolution ? ` · ${i.resolution}` : ''}
                    </p>
                  </Link>
                </li>
              ))}
            </ul>
            <p className="border-t border-slate-100 px-5 py-2.5 text-xs text-slate-500">
              {list.length} {list.length === 1 ? 'incident' : 'incidents'}
              {list.length >= 500 ? ' (the 500 most recent)' : ''}
            </p>
          </>
        )}
      </Card>
    </>
  );
}
