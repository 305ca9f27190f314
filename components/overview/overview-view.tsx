'use client';

import Link from 'next/link';
import { signalLabel, signalOrder, formatPercent, formatNumber } from '@/components/lib/format';
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

const riskRows: { key: keyof Overview['leases']['by_risk']; label: string; tone: Tone; hint: string }[] = [
  { key: 'normal', label: 'Healthy', tone: 'success', hint: 'heartbeat on time' },
  { key: 'near_expiry', label: 'Near expiry', tone: 'warning', hint: 'heartbeat due soon' },
  { key: 'expired', label: 'Expired', tone: 'danger', hint: 'past expiry' },
  { key: 'stale', label: 'Stale', tone: 'danger', hint: 'past stuck grace' },
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
  const total = o.leases.live_total;
  return (
    <Card>
      <CardHeader title="Live leases by risk" description={`${formatNumber(total)} ${total === 1 ? 'lease is' : 'leases are'} held or awaiting a sweep · rules v${o.rule_version}`} />
      <CardBody>
        {total === 0 ? (
          <p className="py-6 text-center text-sm text-slate-500">No live leases. Workers acquire one with their first heartbeat.</p>
        ) : (
          <div className="flex h-3 overflow-hidden rounded-full bg-slate-100" role="img" aria-label={riskRows.map((r) => `${r.label}: ${o.leases.by_risk[r.key]}`).join(', ')}>
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
                {r.label}
              </dt>
              <dd className="mt-1 flex items-baseline justify-between gap-2">
                <span className="text-xl font-semibold tabular-nums text-slate-900">{o.leases.by_risk[r.key]}</span>
                <span className="hidden truncate text-xs text-slate-600 sm:inline">{r.hint}</span>
              </dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}

function IncidentsCard({ o }: { o: Overview }) {
  const max = Math.max(1, ...Object.values(o.incidents.by_signal));
  return (
    <Card>
      <CardHeader
        title="Open incidents by signal"
        description={
          o.incidents.oldest_open_at ? (
            <>
              Oldest open since <RelativeTime iso={o.incidents.oldest_open_at} />
            </>
          ) : (
            'Nothing open right now'
          )
        }
        actions={
          <Link href="/incidents" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            View all
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
                  <span className="truncate text-slate-600 group-hover:text-slate-900">{signalLabel(s)}</span>
                  <span className="h-2 overflow-hidden rounded-full bg-slate-100">
                    <span className={cn('block h-full rounded-full', n ? toneDot(signalTone(s)) : '')} style={{ width: `${(n / max) * 100}%` }} />
                  </span>
                  <span className={cn('text-right font-semibold tabular-nums', n ? 'text-slate-900' : 'text-slate-300')}>{n}</span>
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
  const done = m.items.filter((i) => i.done).length;
  return (
    <li
      className={cn('flex flex-col rounded-xl border p-4', m.done ? 'border-emerald-200 bg-emerald-50/40' : 'border-slate-200 bg-white')}
      aria-label={`${m.key} ${m.title}: ${m.done ? 'done' : `${done} of ${m.items.length} done`}`}
    >
      <div className="flex items-center justify-between gap-2">
        <span className={cn('rounded-md px-2 py-0.5 text-xs font-bold tracking-wide', m.done ? 'bg-emerald-700 text-white' : 'bg-slate-900 text-white')}>{m.key}</span>
        {m.done ? (
          <Badge tone="success" dot>
            Done
          </Badge>
        ) : (
          <Badge tone={done ? 'warning' : 'muted'}>
            {done}/{m.items.length} done
          </Badge>
        )}
      </div>
      <h3 className="mt-3 text-sm font-semibold text-slate-900">{m.title}</h3>
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
                {i.label}
                <span className="sr-only">{i.done ? ' (done)' : ' (missing)'}</span>
              </span>
              <span className={cn('block break-words text-xs leading-relaxed', i.done ? 'text-slate-500' : 'text-amber-700')}>{i.detail}</span>
            </span>
          </li>
        ))}
      </ul>
    </li>
  );
}

function OverviewSkeleton() {
  return (
    <div role="status" aria-label="Loading overview" className="space-y-6">
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
  const o = q.data;
  return (
    <>
      <PageHeader
        title="Overview"
        description="The fleet at a glance, and how far the rollout has come — derived from the evidence, not typed in."
        actions={o ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
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
              label="Live leases"
              value={formatNumber(o.leases.live_total)}
              icon={<ListIcon />}
              tone={o.leases.by_risk.expired + o.leases.by_risk.stale > 0 ? 'danger' : o.leases.by_risk.near_expiry > 0 ? 'warning' : 'success'}
              href="/jobs"
              sub={
                o.leases.by_risk.expired + o.leases.by_risk.stale > 0 ? (
                  <span className="text-rose-600">{o.leases.by_risk.expired + o.leases.by_risk.stale} past expiry</span>
                ) : o.leases.by_risk.near_expiry ? (
                  <span className="text-amber-700">{o.leases.by_risk.near_expiry} near expiry</span>
                ) : (
                  'All heartbeats on time'
                )
              }
            />
            <Kpi
              label="Open incidents"
              value={formatNumber(o.incidents.open_total)}
              icon={<AlertIcon />}
              tone={o.incidents.open_total ? 'danger' : 'success'}
              href="/incidents"
              sub={`${formatNumber(o.events_24h.flagged)} flagged of ${formatNumber(o.events_24h.total)} events in 24 h`}
            />
            <Kpi
              label="Pending approvals"
              value={formatNumber(o.approvals.pending)}
              icon={<CheckBadgeIcon />}
              tone={o.approvals.pending ? 'warning' : 'success'}
              href="/approvals"
              sub={
                o.approvals.oldest_pending_at ? (
                  <span className="inline-flex items-center gap-1">
                    Oldest <RelativeTime iso={o.approvals.oldest_pending_at} /> <ChevronRightIcon className="size-3.5" />
                  </span>
                ) : (
                  'No release or reclaim waiting'
                )
              }
            />
            <Kpi
              label={`Gate pass rate · ${o.gate.window_days} d`}
              value={formatPercent(o.gate.pass_rate)}
              icon={<PackageIcon />}
              tone={o.gate.pass_rate === null ? 'neutral' : o.gate.pass_rate >= 0.95 ? 'success' : o.gate.pass_rate >= 0.8 ? 'warning' : 'danger'}
              sub={o.gate.checks ? `${formatNumber(o.gate.passed)} passed · ${formatNumber(o.gate.failed)} failed` : 'No artifact check in the window'}
            />
          </div>

          <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <RiskCard o={o} />
            <IncidentsCard o={o} />
          </div>

          <Card aria-labelledby="rollout-title">
            <CardHeader
              id="rollout-title"
              title="Rollout progress"
              description={`${o.rollout.filter((m) => m.done).length} of ${o.rollout.length} milestones reached. Each item is checked against the data on every refresh.`}
            />
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
