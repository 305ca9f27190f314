'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { signalLabel, signalOrder } from '@/components/lib/format';
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
      <PageHeader
        title="Incidents"
        description="One incident per job (or worker) and signal while it is open. Acknowledge to stop the escalation, resolve with a note, or silence the noise — evidence is always kept."
        actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      <Card>
        <div className="space-y-3 border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="max-w-full overflow-x-auto">
            <Segmented<IncidentStatus>
              label="Status"
              value={filters.status}
              onChange={(status) => set({ status })}
              options={[
                { value: 'open', label: 'Open' },
                { value: 'unacknowledged', label: 'Unacknowledged' },
                { value: 'acknowledged', label: 'Acknowledged' },
                { value: 'resolved', label: 'Resolved' },
                { value: 'all', label: 'All' },
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
              <Label htmlFor="signal-filter">Signal</Label>
              <Select id="signal-filter" value={filters.signal} onChange={(e) => set({ signal: e.target.value })}>
                <option value="">All signals</option>
                {[...signalOrder, 'no_progress', 'loop_detected', 'worker_silent'].map((s) => (
                  <option key={s} value={s}>
                    {signalLabel(s)}
                  </option>
                ))}
              </Select>
            </div>
            <div>
              <Label htmlFor="severity-filter">Severity</Label>
              <Select id="severity-filter" value={filters.severity} onChange={(e) => set({ severity: e.target.value as IncidentFilters['severity'] })}>
                <option value="">Any</option>
                <option value="critical">Critical</option>
                <option value="warning">Warning</option>
              </Select>
            </div>
            <div>
              <Label htmlFor="worker-filter">Worker</Label>
              <Input id="worker-filter" value={draft.worker_id} onChange={(e) => setDraft({ ...draft, worker_id: e.target.value })} placeholder="any worker" maxLength={200} />
            </div>
            <div>
              <Label htmlFor="job-filter">Job</Label>
              <Input id="job-filter" value={draft.job_id} onChange={(e) => setDraft({ ...draft, job_id: e.target.value })} placeholder="any job" maxLength={200} />
            </div>
            <Button type="submit">Apply</Button>
          </form>
        </div>
        {q.isPending ? (
          <LoadingRows rows={6} label="Loading incidents" />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState
            icon={filters.status === 'open' ? <CheckBadgeIcon /> : <AlertIcon />}
            title="No incidents match"
            description={filters.status === 'open' ? 'The fleet is quiet. Incidents open here as soon as the classifier or a sweep detects a signal.' : 'Try another status or filter.'}
          />
        ) : (
          <>
            <ul className="divide-y divide-slate-100" aria-label="Incidents">
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
                        <span className="text-slate-500">no job</span>
                      )}
                      {i.worker_id ? (
                        <span className="text-slate-500">
                          {' '}
                          · worker <span className="font-mono text-slate-700">{i.worker_id}</span>
                        </span>
                      ) : null}
                    </p>
                    <p className="mt-0.5 text-xs text-slate-500">
                      detected <RelativeTime iso={i.detected_at} />
                      {i.acknowledged_by ? ` · acknowledged by ${i.acknowledged_by}` : ''}
                      {i.resolved_by ? ` · resolved by ${i.resolved_by}` : ''}
                      {i.resolution ? ` — ${i.resolution}` : ''}
                    </p>
                    <Link href={`/incidents/${i.id}`} className="mt-1 inline-block text-xs font-medium text-indigo-700 hover:underline">
                      Details and deliveries
                      <span className="sr-only">
                        {' '}
                        for {signalLabel(i.signal)} {i.job_id ?? i.worker_id}
                      </span>
                    </Link>
                  </div>
                  <div className="lg:w-[26rem] lg:shrink-0">
                    <IncidentActions incident={i} canAct={canAct} compact />
                  </div>
                </li>
              ))}
            </ul>
            <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-slate-100 px-5 py-2.5 text-xs text-slate-500">
              <span>
                Page {cursors.length + 1} · {list.length} {list.length === 1 ? 'incident' : 'incidents'}
              </span>
              <span className="flex gap-2">
                <Button size="sm" variant="ghost" disabled={!cursors.length} onClick={() => setCursors((c) => c.slice(0, -1))}>
                  Newer
                </Button>
                <Button size="sm" variant="ghost" disabled={!q.data?.next_cursor} onClick={() => q.data?.next_cursor && setCursors((c) => [...c, q.data.next_cursor!])}>
                  Older
                </Button>
              </span>
            </nav>
          </>
        )}
      </Card>
    </>
  );
}
