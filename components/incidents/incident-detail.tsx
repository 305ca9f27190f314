'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { ApiError } from '@/components/lib/api';
import { humanize } from '@/components/lib/format';
import { useFormat } from '@/components/lib/use-format';
import { useIncident } from '@/components/hooks/use-incidents';
import { Badge } from '@/components/ui/badge';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { ChevronRightIcon, FlagIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { SignalBadge } from '@/components/ui/status';
import { IncidentActions } from './incident-actions';
import { HandlingBadge, SeverityBadge } from './incident-badges';

function Facts({ rows }: { rows: [React.ReactNode, React.ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[minmax(7rem,auto)_minmax(0,1fr)] gap-x-4 gap-y-2 text-sm">
      {rows.map(([k, v], n) => (
        <div key={n} className="contents">
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
  const t = useTranslations('incidents.detail');
  const f = useFormat();
  const d = q.data;
  const i = d?.incident;
  const details = Object.entries((i?.details ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== '');
  return (
    <>
      <nav aria-label={t('breadcrumb')} className="mb-3 flex items-center gap-1 text-sm text-slate-500">
        <Link href="/incidents" className="hover:text-slate-900">
          {t('incidents')}
        </Link>
        <ChevronRightIcon className="size-3.5" />
        <span className="truncate font-mono text-slate-700">{id.slice(0, 8)}</span>
      </nav>
      <PageHeader
        title={i ? (i.job_id || i.worker_id ? t('titleWithTarget', { signal: f.signal(i.signal), target: i.job_id || i.worker_id || '' }) : f.signal(i.signal)) : t('title')}
        description={t('description')}
        actions={d ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      {!d || !i ? (
        <Card>
          {q.isError ? (
            q.error instanceof ApiError && q.error.status === 404 ? (
              <EmptyState
                icon={<FlagIcon />}
                title={t('notFound')}
                action={
                  <Link href="/incidents" className="text-sm font-medium text-indigo-600">
                    {t('backToIncidents')}
                  </Link>
                }
              />
            ) : (
              <ErrorState error={q.error} onRetry={() => void q.refetch()} />
            )
          ) : (
            <LoadingRows rows={5} label={t('loading')} />
          )}
        </Card>
      ) : (
        <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
          <Card aria-labelledby="incident-facts">
            <CardHeader id="incident-facts" title={t('incidentTitle')} actions={<HandlingBadge incident={i} />} />
            <CardBody className="space-y-4">
              <Facts
                rows={[
                  [t('signal'), <SignalBadge key="s" signal={i.signal} />],
                  [t('severity'), <SeverityBadge key="v" severity={i.severity} />],
                  [
                    t('job'),
                    i.job_id ? (
                      <Link key="j" href={`/jobs/${encodeURIComponent(i.job_id)}`} className="break-all font-mono text-indigo-700 hover:underline">
                        {i.job_id}
                      </Link>
                    ) : (
                      '—'
                    ),
                  ],
                  [
                    t('worker'),
                    i.worker_id ? (
                      <span key="w" className="font-mono">
                        {i.worker_id}
                      </span>
                    ) : (
                      '—'
                    ),
                  ],
                  [t('firstFailure'), f.timestamp(i.first_failure_at)],
                  [t('detected'), f.timestamp(i.detected_at)],
                  [t('rules'), t('rulesVersion', { version: i.rule_version })],
                ]}
              />
              <IncidentActions incident={i} canAct={canAct} />
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-evidence">
            <CardHeader id="incident-evidence" title={t('evidenceTitle')} description={t('evidenceDescription', { count: i.evidence_event_ids.length })} />
            <CardBody>
              {details.length ? (
                <Facts
                  rows={details.map(([k, v]) => [
                    t.has(`detailKey.${k}` as Parameters<typeof t>[0]) ? t(`detailKey.${k}` as Parameters<typeof t>[0]) : <code key={`${k}-key`}>{k}</code>,
                    <span key={k} className="font-mono text-[13px]">
                      {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                    </span>,
                  ])}
                />
              ) : (
                <p className="text-sm text-slate-500">{t('noDetails')}</p>
              )}
              {i.evidence_event_ids.length ? (
                <ul className="mt-3 space-y-1 text-xs text-slate-600" aria-label={t('evidenceEvents')}>
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
            <CardHeader id="incident-handling" title={t('handlingTitle')} />
            <CardBody>
              <Facts
                rows={[
                  [t('acknowledged'), i.acknowledged_at ? t('atBy', { time: f.timestamp(i.acknowledged_at), name: i.acknowledged_by ?? '—' }) : t('notYet')],
                  ...(i.acknowledgement_note ? ([[t('note'), i.acknowledgement_note]] as [string, string][]) : []),
                  [t('resolved'), i.resolved_at ? t('atBy', { time: f.timestamp(i.resolved_at), name: i.resolved_by ?? f.label('role', 'system') }) : t('stillOpen')],
                  ...(i.resolution ? ([[t('resolution'), <span data-recorded="">{i.resolution}</span>]] as [string, React.ReactNode][]) : []),
                ]}
              />
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-silence">
            <CardHeader id="incident-silence" title={t('silenceTitle')} />
            <CardBody>
              {d.silence ? (
                <Facts
                  rows={[
                    [
                      t('state'),
                      <Badge key="st" tone={d.silence.state === 'active' ? 'info' : 'muted'}>
                        {t('silenceState', { state: d.silence.state })}
                      </Badge>,
                    ],
                    [
                      t('matches'),
                      Object.entries(d.silence.matchers)
                        .map(([k, v]) => `${k} = ${v}`)
                        .join(', '),
                    ],
                    [t('why'), d.silence.comment],
                    [t('by'), d.silence.created_by],
                    [t('until'), f.timestamp(d.silence.ends_at)],
                  ]}
                />
              ) : (
                <p className="text-sm text-slate-500">{t('noSilence')}</p>
              )}
              <Link href="/silences" className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline">
                {t('allSilences')}
              </Link>
            </CardBody>
          </Card>
          <Card aria-labelledby="incident-deliveries" className="xl:col-span-2">
            <CardHeader id="incident-deliveries" title={t('deliveriesTitle')} description={t('deliveriesDescription')} />
            {d.notifications.length === 0 ? (
              <p className="px-5 pb-5 text-sm text-slate-500">{i.silenced_by ? t('nothingSentSilenced') : t('noMessageYet')}</p>
            ) : (
              <ul className="divide-y divide-slate-100" aria-label={t('deliveries')}>
                {d.notifications.map((n) => (
                  <li key={n.id} className="px-4 py-3 text-sm sm:px-5">
                    <p className="flex flex-wrap items-center gap-2">
                      <span className="font-medium text-slate-900">{n.channel_name ?? t('channel')}</span>
                      <Badge tone="neutral">{n.channel_kind}</Badge>
                      <span className="text-slate-600">{t('notificationKind', { kind: n.kind, fallback: humanize(n.kind.replace('incident_', '')) })}</span>
                      <Badge tone={statusTone[n.status]} dot>
                        {t('deliveryStatus', { status: n.status })}
                      </Badge>
                    </p>
                    <p className="mt-1 text-xs text-slate-500">
                      {t('attempts', { count: n.attempts, time: f.timestamp(n.created_at) })}
                      {n.delivered_at ? ` · ${t('deliveredAt', { time: f.timestamp(n.delivered_at) })}` : ''}
                      {n.next_attempt_at ? ` · ${t('nextTry', { time: f.timestamp(n.next_attempt_at) })}` : ''}
                      {n.last_http_status ? ` · ${t('http', { status: n.last_http_status })}` : ''}
                    </p>
                    {n.last_error ? <p className="mt-1 break-words text-xs text-rose-700">{t('lastError', { error: n.last_error })}</p> : null}
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
