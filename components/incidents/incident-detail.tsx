'use client';

import Link from 'next/link';
import { ApiError } from '@/components/lib/api';
import { formatTimestamp, humanize, signalLabel } from '@/components/lib/format';
import { useIncident } from '@/components/hooks/use-incidents';
import { Badge } from '@/components/ui/badge';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { ChevronRightIcon, FlagIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { SignalBadge } from '@/components/ui/status';
import { IncidentActions } from './incident-actions';
import { HandlingBadge, SeverityBadge } from './incident-badges';

function Facts({ rows }: { rows: [string, React.ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[minmax(7rem,auto)_minmax(0,1fr)] gap-x-4 gap-y-2 text-sm">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd className="min-w-0 break-words text-slate-900">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const statusTone = { delivered: 'success', pending: 'warning', failed: 'danger' } as const;

/** One incident: its evidence, who acknowledged and resolved it, the silence that covers it, and every message sent about it. */
export function IncidentDetailView({ id, canAct }: { id: string; canAct: boolean }) {
  const q = useIncident(id);
  const d = q.data;
  const i = d?.incident;
  const details = Object.entries((i?.details ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== '');
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 flex items-center gap-1 text-sm text-slate-500">
        <Link href="/incidents" className="hover:text-slate-900">
          Incidents
        </Link>
        <ChevronRightIcon className="size-3.5" />
        <span className="truncate font-mono text-slate-700">{id.slice(0, 8)}</span>
      </nav>
      <PageHeader
        title={i ? `${signalLabel(i.signal)}${i.job_id ? ` — ${i.job_id}` : i.worker_id ? ` — ${i.worker_id}` : ''}` : 'Incident'}
        description="The evidence, who is on it, the silence that covers it, and every message sent about it."
        actions={d ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      {!d || !i ? (
        <Card>
          {q.isError ? (
            q.error instanceof ApiError && q.error.status === 404 ? (
              <EmptyState
                icon={<FlagIcon />}
                title="No such incident"
                action={
                  <Link href="/incidents" className="text-sm font-medium text-indigo-600">
                    Back to incidents
                  </Link>
                }
              />
            ) : (
              <ErrorState error={q.error} onRetry={() => void q.refetch()} />
            )
          ) : (
            <LoadingRows rows={5} label="Loading the incident" />
          )}
        </Card>
      ) : (
        <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
          <Card aria-labelledby="incident-facts">
            <CardHeader id="incident-facts" title="Incident" actions={<HandlingBadge incident={i} />} />
            <CardBody className="space-y-4">
              <Facts
                rows={[
                  ['Signal', <SignalBadge key="s" signal={i.signal} />],
                  ['Severity', <SeverityBadge key="v" severity={i.severity} />],
                  [
                    'Job',
                    i.job_id ? (
                      <Link key="j" href={`/jobs/${encodeURIComponent(i.job_id)}`} className="break-all font-mono text-indigo-700 hover:underline">
                        {i.job_id}
                      </Link>
                    ) : (
                      '—'
                    ),
                  ],
                  [
                    'Worker',
                    i.worker_id ? (
                      <span key="w" className="font-mono">
                        {i.worker_id}
                      </span>
                    ) : (
                      '—'
                    ),
                  ],
                  ['First failure', formatTimestamp(i.first_failure_at)],
                  ['Detected', formatTimestamp(i.detected_at)],
                  ['Rules', `version ${i.rule_version}`],
                ]}
              />
              <IncidentActions incident={i} canAct={canAct} />
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-evidence">
            <CardHeader id="incident-evidence" title="Evidence" description={`${i.evidence_event_ids.length} helper event${i.evidence_event_ids.length === 1 ? '' : 's'} recorded as evidence`} />
            <CardBody>
              {details.length ? (
                <Facts
                  rows={details.map(([k, v]) => [
                    humanize(k),
                    <span key={k} className="font-mono text-[13px]">
                      {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                    </span>,
                  ])}
                />
              ) : (
                <p className="text-sm text-slate-500">No further details were recorded.</p>
              )}
              {i.evidence_event_ids.length ? (
                <ul className="mt-3 space-y-1 text-xs text-slate-600" aria-label="Evidence events">
                  {i.evidence_event_ids.slice(0, 20).map((e) => (
                    <li key={e} className="break-all font-mono">
                      {e}
                    </li>
                  ))}
                </ul>
              ) : null}
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-handling">
            <CardHeader id="incident-handling" title="Acknowledgement and resolution" />
            <CardBody>
              <Facts
                rows={[
                  ['Acknowledged', i.acknowledged_at ? `${formatTimestamp(i.acknowledged_at)} by ${i.acknowledged_by}` : 'not yet'],
                  ...(i.acknowledgement_note ? ([['Note', i.acknowledgement_note]] as [string, string][]) : []),
                  ['Resolved', i.resolved_at ? `${formatTimestamp(i.resolved_at)} by ${i.resolved_by ?? 'system'}` : 'open'],
                  ...(i.resolution ? ([['Resolution', i.resolution]] as [string, string][]) : []),
                ]}
              />
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-silence">
            <CardHeader id="incident-silence" title="Silence" />
            <CardBody>
              {d.silence ? (
                <Facts
                  rows={[
                    [
                      'State',
                      <Badge key="st" tone={d.silence.state === 'active' ? 'info' : 'muted'}>
                        {d.silence.state}
                      </Badge>,
                    ],
                    [
                      'Matches',
                      Object.entries(d.silence.matchers)
                        .map(([k, v]) => `${k} = ${v}`)
                        .join(', '),
                    ],
                    ['Why', d.silence.comment],
                    ['By', d.silence.created_by],
                    ['Until', formatTimestamp(d.silence.ends_at)],
                  ]}
                />
              ) : (
                <p className="text-sm text-slate-500">No silence covers this incident: its notifications go out.</p>
              )}
              <Link href="/silences" className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline">
                All silences
              </Link>
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-deliveries" className="xl:col-span-2">
            <CardHeader id="incident-deliveries" title="Delivery log" description="Each message about this incident, on each channel, with its attempts." />
            {d.notifications.length === 0 ? (
              <p className="px-5 pb-5 text-sm text-slate-500">{i.silenced_by ? 'Nothing was sent: the incident is silenced.' : 'No message yet (no matching channel, or not routed yet).'}</p>
            ) : (
              <ul className="divide-y divide-slate-100" aria-label="Deliveries">
                {d.notifications.map((n) => (
                  <li key={n.id} className="px-4 py-3 text-sm sm:px-5">
                    <p className="flex flex-wrap items-center gap-2">
                      <span className="font-medium text-slate-900">{n.channel_name ?? 'channel'}</span>
                      <Badge tone="neutral">{n.channel_kind}</Badge>
                      <span className="text-slate-600">{humanize(n.kind.replace('incident_', ''))}</span>
                      <Badge tone={statusTone[n.status]} dot>
                        {n.status}
                      </Badge>
                    </p>
                    <p className="mt-1 text-xs text-slate-500">
                      {n.attempts} attempt{n.attempts === 1 ? '' : 's'} · queued {formatTimestamp(n.created_at)}
                      {n.delivered_at ? ` · delivered ${formatTimestamp(n.delivered_at)}` : ''}
                      {n.next_attempt_at ? ` · next try ${formatTimestamp(n.next_attempt_at)}` : ''}
                      {n.last_http_status ? ` · HTTP ${n.last_http_status}` : ''}
                    </p>
                    {n.last_error ? <p className="mt-1 break-words text-xs text-rose-700">Last error: {n.last_error}</p> : null}
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
