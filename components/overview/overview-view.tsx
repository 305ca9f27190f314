'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { signalOrder } from '@/components/lib/format';
import { useFormat } from '@/components/lib/use-format';
import { useTextMessage } from '@/components/lib/use-text-message';
import { useOverview } from '@/components/hooks/use-overview';
import type { Milestone, Overview } from '@/components/lib/types';
import { Badge, toneDot, type Tone } from '@/components/ui/badge';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { AlertIcon, CheckBadgeIcon, CheckIcon, ChevronRightIcon, CircleIcon, ListIcon, PackageIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { ErrorState, Skeleton } from '@/components/ui/states';
import { signalTone } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';

const riskRows: { key: keyof Overview['leases']['by_risk']; tone: Tone }[] = [
  { key: 'normal', tone: 'success' },
  { key: 'near_expiry', tone: 'warning' },
  { key: 'expired', tone: 'danger' },
  { key: 'stale', tone: 'danger' },
];

function Kpi({ label, value, sub, icon, href, tone = 'neutral' }: { label: string; value: React.ReactNode; sub?: React.ReactNode; icon: React.ReactNode; href?: string; tone?: Tone }) {
  const body = (
    <Card as="div" className={cn('h-full p-3.5 sm:p-5', href && 'transition-shadow hover:shadow-md hover:ring-1 hover:ring-slate-200')}>
      <div className="flex items-start justify-between gap-3">
        <p className="text-xs font-medium text-slate-500 sm:text-sm">{label}</p>
        <span
          className={cn(
            'hidden size-8 shrink-0 items-center justify-center rounded-lg text-base sm:flex',
            {
              neutral: 'bg-slate-100 text-slate-600',
              muted: 'bg-slate-100 text-slate-500',
              success: 'bg-emerald-50 text-emerald-700',
              warning: 'bg-amber-50 text-amber-700',
              danger: 'bg-rose-50 text-rose-600',
              info: 'bg-sky-50 text-sky-700',
              accent: 'bg-indigo-50 text-indigo-600',
            }[tone],
          )}
        >
          {icon}
        </span>
      </div>
      <p className="mt-2 text-2xl font-semibold tabular-nums tracking-tight text-slate-900 sm:text-3xl">{value}</p>
      {sub ? <div className="mt-1 text-xs text-slate-500 [overflow-wrap:break-word] sm:text-sm">{sub}</div> : null}
    </Card>
  );
  return href ? (
    <Link href={href} className="block rounded-xl">
      {body}
    </Link>
  ) : (
    body
  );
}

function RiskCard({ o }: { o: Overview }) {
  const t = useTranslations('overview');
  const f = useFormat();
  const total = o.leases.live_total;
  return (
    <Card>
      <CardHeader title={t('risk.title')} description={t('risk.description', { count: total, version: String(o.rule_version) })} />
      <CardBody>
        {total === 0 ? (
          <p className="py-6 text-center text-sm text-slate-500">{t('risk.empty')}</p>
        ) : (
          <div
            className="flex h-3 overflow-hidden rounded-full bg-slate-100"
            role="img"
            aria-label={t('risk.barLabel', {
              normal: o.leases.by_risk.normal,
              nearExpiry: o.leases.by_risk.near_expiry,
              expired: o.leases.by_risk.expired,
              stale: o.leases.by_risk.stale,
            })}
          >
            {riskRows.map((r) =>
              o.leases.by_risk[r.key] ? <div key={r.key} className={cn(toneDot(r.tone), r.key === 'stale' && 'bg-rose-700')} style={{ width: `${(o.leases.by_risk[r.key] / total) * 100}%` }} /> : null,
            )}
          </div>
        )}
        <dl className="mt-4 grid grid-cols-2 gap-3">
          {riskRows.map((r) => (
            <div key={r.key} className="rounded-lg border border-slate-100 bg-slate-50/60 px-3 py-2.5">
              <dt className="flex items-center gap-2 text-xs font-medium text-slate-500">
                <span className={cn('size-2 rounded-full', toneDot(r.tone), r.key === 'stale' && 'bg-rose-700')} />
                {f.label('risk', r.key)}
              </dt>
              <dd className="mt-1 flex items-baseline justify-between gap-2">
                <span className="text-xl font-semibold tabular-nums text-slate-900">{f.number(o.leases.by_risk[r.key])}</span>
                <span className="hidden truncate text-xs text-slate-600 sm:inline">{t(`risk.hint.${r.key}`)}</span>
              </dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}

function IncidentsCard({ o }: { o: Overview }) {
  const t = useTranslations('overview');
  const f = useFormat();
  const max = Math.max(1, ...Object.values(o.incidents.by_signal));
  return (
    <Card>
      <CardHeader
        title={t('incidents.title')}
        description={o.incidents.oldest_open_at ? t.rich('incidents.oldest', { time: () => <RelativeTime iso={o.incidents.oldest_open_at} /> }) : t('incidents.nothingOpen')}
        actions={
          <Link href="/incidents" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            {t('incidents.viewAll')}
          </Link>
        }
      />
      <CardBody>
        <ul className="space-y-2.5">
          {signalOrder.map((s) => {
            const n = o.incidents.by_signal[s] ?? 0;
            return (
              <li key={s}>
                <Link href={`/incidents?signal=${s}`} className="group grid grid-cols-[9.5rem_1fr_2rem] items-center gap-3 rounded-md text-sm sm:grid-cols-[11rem_1fr_2.5rem]">
                  <span className="truncate text-slate-600 group-hover:text-slate-900">{f.signal(s)}</span>
                  <span className="h-2 overflow-hidden rounded-full bg-slate-100">
                    <span className={cn('block h-full rounded-full', n ? toneDot(signalTone(s)) : '')} style={{ width: `${(n / max) * 100}%` }} />
                  </span>
                  <span className={cn('text-right font-semibold tabular-nums', n ? 'text-slate-900' : 'text-slate-300')}>{f.number(n)}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      </CardBody>
    </Card>
  );
}

function MilestoneCard({ m }: { m: Milestone }) {
  const t = useTranslations('overview');
  const say = useTextMessage('overview.detail');
  const done = m.items.filter((i) => i.done).length;
  const title = t(`milestone.${m.key}`);
  const itemLabel = (key: string, label: string) => {
    const k = `milestoneItem.${key}` as Parameters<typeof t>[0];
    return t.has(k) ? t(k) : label;
  };
  return (
    <li
      className={cn('flex flex-col rounded-xl border p-4', m.done ? 'border-emerald-200 bg-emerald-50/40' : 'border-slate-200 bg-white')}
      aria-label={m.done ? t('rollout.milestoneDone', { key: m.key, title }) : t('rollout.milestoneProgress', { key: m.key, title, done, total: m.items.length })}
    >
      <div className="flex items-center justify-between gap-2">
        <span className={cn('rounded-md px-2 py-0.5 text-xs font-bold tracking-wide', m.done ? 'bg-emerald-700 text-white' : 'bg-slate-900 text-white')}>{m.key}</span>
        {m.done ? (
          <Badge tone="success" dot>
            {t('rollout.done')}
          </Badge>
        ) : (
          <Badge tone={done ? 'warning' : 'muted'}>{t('rollout.progress', { done, total: m.items.length })}</Badge>
        )}
      </div>
      <h3 className="mt-3 text-sm font-semibold text-slate-900">{title}</h3>
      <div className="mt-2 h-1.5 overflow-hidden rounded-full bg-slate-100">
        <div className={cn('h-full rounded-full', m.done ? 'bg-emerald-500' : 'bg-amber-400')} style={{ width: `${(done / Math.max(1, m.items.length)) * 100}%` }} />
      </div>
      <ul className="mt-3 space-y-2.5">
        {m.items.map((i) => (
          <li key={i.key} className="flex gap-2.5 text-sm">
            <span className={cn('mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full text-[11px]', i.done ? 'bg-emerald-700 text-white' : 'text-slate-300')} aria-hidden>
              {i.done ? <CheckIcon strokeWidth={3} /> : <CircleIcon strokeWidth={2.5} />}
            </span>
            <span className="min-w-0">
              <span className={cn('font-medium', i.done ? 'text-slate-900' : 'text-slate-700')}>
                {itemLabel(i.key, i.label)}
                <span className="sr-only">{i.done ? t('rollout.itemDone') : t('rollout.itemMissing')}</span>
              </span>
              <span className={cn('block break-words text-xs leading-relaxed', i.done ? 'text-slate-500' : 'text-amber-700')}>{say(i.detail_message, i.detail)}</span>
            </span>
          </li>
        ))}
      </ul>
    </li>
  );
}

function OverviewSkeleton() {
  const t = useTranslations('overview');
  return (
    <div role="status" aria-label={t('loading')} className="space-y-6">
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-32 rounded-xl" />
        ))}
      </div>
      <Skeleton className="h-64 rounded-xl" />
    </div>
  );
}

export function OverviewView({ initialData }: { initialData?: Overview }) {
  const q = useOverview(initialData);
  const t = useTranslations('overview');
  const f = useFormat();
  const o = q.data;
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={o ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null} />
      {!o ? (
        q.isError ? (
          <Card>
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          </Card>
        ) : (
          <OverviewSkeleton />
        )
      ) : (
        <div className="space-y-6">
          <div className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4">
            <Kpi
              label={t('kpi.liveLeases')}
              value={f.number(o.leases.live_total)}
              icon={<ListIcon />}
              tone={o.leases.by_risk.expired + o.leases.by_risk.stale > 0 ? 'danger' : o.leases.by_risk.near_expiry > 0 ? 'warning' : 'success'}
              href="/jobs"
              sub={
                o.leases.by_risk.expired + o.leases.by_risk.stale > 0 ? (
                  <span className="text-rose-600">{t('kpi.pastExpiry', { count: o.leases.by_risk.expired + o.leases.by_risk.stale })}</span>
                ) : o.leases.by_risk.near_expiry ? (
                  <span className="text-amber-700">{t('kpi.nearExpiry', { count: o.leases.by_risk.near_expiry })}</span>
                ) : (
                  t('kpi.allOnTime')
                )
              }
            />
            <Kpi
              label={t('kpi.openIncidents')}
              value={f.number(o.incidents.open_total)}
              icon={<AlertIcon />}
              tone={o.incidents.open_total ? 'danger' : 'success'}
              href="/incidents"
              sub={t('kpi.flagged', { flagged: o.events_24h.flagged, total: o.events_24h.total })}
            />
            <Kpi
              label={t('kpi.pendingApprovals')}
              value={f.number(o.approvals.pending)}
              icon={<CheckBadgeIcon />}
              tone={o.approvals.pending ? 'warning' : 'success'}
              href="/approvals"
              sub={
                o.approvals.oldest_pending_at ? (
                  <span className="inline-flex items-center gap-1">
                    {t.rich('kpi.oldestPending', { time: () => <RelativeTime iso={o.approvals.oldest_pending_at} /> })} <ChevronRightIcon className="size-3.5" />
                  </span>
                ) : (
                  t('kpi.noApprovals')
                )
              }
            />
            <Kpi
              label={t('kpi.gatePassRate', { days: o.gate.window_days })}
              value={f.percent(o.gate.pass_rate)}
              icon={<PackageIcon />}
              tone={o.gate.pass_rate === null ? 'neutral' : o.gate.pass_rate >= 0.95 ? 'success' : o.gate.pass_rate >= 0.8 ? 'warning' : 'danger'}
              sub={o.gate.checks ? t('kpi.gateCounts', { passed: o.gate.passed, failed: o.gate.failed }) : t('kpi.noChecks')}
            />
          </div>

          <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <RiskCard o={o} />
            <IncidentsCard o={o} />
          </div>

          <Card aria-labelledby="rollout-title">
            <CardHeader id="rollout-title" title={t('rollout.title')} description={t('rollout.description', { reached: o.rollout.filter((m) => m.done).length, total: o.rollout.length })} />
            <CardBody>
              <ol className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-4">
                {o.rollout.map((m) => (
                  <MilestoneCard key={m.key} m={m} />
                ))}
              </ol>
            </CardBody>
          </Card>
        </div>
      )}
    </>
  );
}
