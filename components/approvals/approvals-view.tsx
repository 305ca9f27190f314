'use client';

import Link from 'next/link';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslations } from 'next-intl';
import { isSignal } from '@/components/lib/format';
import { useFormat } from '@/components/lib/use-format';
import type { RepairAction, RepairActionList } from '@/components/lib/types';
import { useJobStory } from '@/components/hooks/use-jobs';
import { useDecidedActions, usePendingActions } from '@/components/hooks/use-repair-actions';
import { LeaseFacts } from '@/components/jobs/lease-facts';
import { HashText, OutputBlock } from '@/components/jobs/output-block';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { CheckBadgeIcon, ChevronDownIcon, ChevronRightIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows, ReadOnlyNotice, Skeleton } from '@/components/ui/states';
import { ExitCodeBadge, LeaseStateBadge, RiskBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { DecisionControls, type DecisionOutcome } from './decision-controls';
import type { UserRole } from '@/lib/schemas/enums';

function Evidence({ action }: { action: RepairAction }) {
  const story = useJobStory(action.job_id, { slow: true });
  const t = useTranslations('approvals');
  const f = useFormat();
  if (story.isPending) {
    return (
      <div role="status" aria-label={t('loadingEvidence')} className="space-y-2">
        <Skeleton className="h-4 w-2/3" />
        <Skeleton className="h-16" />
      </div>
    );
  }
  if (story.isError) return <ErrorState error={story.error} onRetry={() => void story.refetch()} className="py-4" />;
  const s = story.data;
  const ids = new Set(action.evidence_event_ids);
  const incidentEvidence = s.incidents.find((i) => i.id === action.incident_id)?.evidence_event_ids ?? [];
  for (const id of incidentEvidence) ids.add(id);
  const evidence = ids.size ? s.events.filter((e) => ids.has(e.id)) : s.events.slice(-3);
  const openIncidents = s.incidents.filter((i) => i.status === 'open');
  return (
    <div className="grid gap-4 md:grid-cols-[minmax(0,16rem)_1fr]">
      <div>
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{t('leaseNow')}</h4>
        {s.lease ? <LeaseFacts lease={s.lease} className="mt-2 gap-x-3 gap-y-1.5" /> : <p className="mt-2 text-sm text-slate-500">{t('noLease')}</p>}
        {openIncidents.length ? (
          <div className="mt-3 flex flex-wrap gap-1.5">
            {openIncidents.map((i) => (
              <SignalBadge key={i.id} signal={i.signal} />
            ))}
          </div>
        ) : null}
      </div>
      <div className="min-w-0">
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{ids.size ? t('evidenceEvents') : t('latestHelperEvents')}</h4>
        {evidence.length ? (
          <ul className="mt-2 space-y-3">
            {evidence.map((e) => (
              <li key={e.id} className="space-y-1.5">
                <div className="flex flex-wrap items-center gap-2 text-sm">
                  <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">{e.command}</code>
                  <ExitCodeBadge code={e.exit_code} />
                  {e.signal ? <SignalBadge signal={e.signal} /> : null}
                  <span className="text-xs text-slate-500">
                    {f.ms(e.duration_ms)} · <RelativeTime iso={e.created_at} />
                  </span>
                </div>
                <HashText hash={e.output_hash} />
                <OutputBlock output={e.output} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-2 text-sm text-slate-500">{t('noHelperEvents')}</p>
        )}
      </div>
    </div>
  );
}

type PendingItem = RepairActionList['actions'][number];
/** A request on screen: `gone` once it left the pending list behind the page's back (decided elsewhere, obsolete). */
type ShownItem = PendingItem & { gone?: boolean };

interface JobGroup {
  jobId: string;
  requests: ShownItem[];
  oldest: string;
  lease: PendingItem['lease'];
  gone: boolean;
}

/** Requests of one job in one card; cards oldest first (the request that waited longest on top). */
function groupByJob(items: ShownItem[]): JobGroup[] {
  const byJob = new Map<string, ShownItem[]>();
  for (const a of items) byJob.set(a.job_id, [...(byJob.get(a.job_id) ?? []), a]);
  return [...byJob.entries()]
    .map(([jobId, requests]) => {
      const sorted = [...requests].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
      const live = sorted.filter((r) => !r.gone);
      return { jobId, requests: sorted, oldest: sorted[0]!.created_at, lease: (live.at(-1) ?? sorted.at(-1))!.lease, gone: live.length === 0 };
    })
    .sort((a, b) => a.oldest.localeCompare(b.oldest) || a.jobId.localeCompare(b.jobId));
}

function LeaseLine({ lease }: { lease: PendingItem['lease'] }) {
  const t = useTranslations('approvals');
  if (!lease) return <p className="text-sm text-slate-600">{t('noLease')}</p>;
  return (
    <dl className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm" aria-label={t('leaseNow')}>
      <div className="flex items-center gap-1.5">
        <dt className="text-slate-600">{t('lease')}</dt>
        <dd className="flex flex-wrap gap-1">
          <LeaseStateBadge state={lease.state} />
          <RiskBadge risk={lease.risk_level} />
        </dd>
      </div>
      <div className="flex min-w-0 items-center gap-1.5">
        <dt className="text-slate-600">{t('holder')}</dt>
        <dd className="min-w-0 font-mono text-xs text-slate-900 [overflow-wrap:anywhere]">{lease.worker_id}</dd>
      </div>
      <div className="flex items-center gap-1.5">
        <dt className="text-slate-600">{t('lastHeartbeat')}</dt>
        <dd className="text-slate-900">
          <RelativeTime iso={lease.last_heartbeat_at} />
        </dd>
      </div>
      <div className="flex items-center gap-1.5">
        <dt className="text-slate-600">{t('expires')}</dt>
        <dd className="text-slate-900">
          <RelativeTime iso={lease.lease_expires_at} />
        </dd>
      </div>
    </dl>
  );
}

function RequestFacts({ action }: { action: ShownItem }) {
  const t = useTranslations('approvals');
  const f = useFormat();
  return (
    <div className="min-w-0 space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={action.action === 'reclaim' ? 'accent' : 'warning'} className="uppercase tracking-wide">
          {t('actionName', { action: action.action })}
        </Badge>
        {action.gone ? <Badge tone="muted">{t('noLongerPending')}</Badge> : null}
      </div>
      <dl className="flex flex-wrap gap-x-5 gap-y-1 text-sm">
        <div className="flex min-w-0 gap-1.5">
          <dt className="shrink-0 text-slate-600">{t('trigger')}</dt>
          <dd className="min-w-0 font-medium text-slate-800 [overflow-wrap:anywhere]" data-recorded={isSignal(action.trigger) ? undefined : ''}>
            {isSignal(action.trigger) ? f.signal(action.trigger) : action.trigger}
          </dd>
        </div>
        <div className="flex min-w-0 gap-1.5">
          <dt className="shrink-0 text-slate-600">{t('askedBy')}</dt>
          <dd className="min-w-0 font-medium text-slate-800 [overflow-wrap:anywhere]">{action.requested_by}</dd>
        </div>
        <div className="flex gap-1.5">
          <dt className="text-slate-600">{t('asked')}</dt>
          <dd className="text-slate-800">
            <RelativeTime iso={action.created_at} />
          </dd>
        </div>
      </dl>
      <div className="text-sm text-slate-700">
        {action.note ? (
          <p className="max-w-3xl [overflow-wrap:anywhere]" data-recorded="">
            {action.note}
          </p>
        ) : (
          <p className="italic text-slate-600">{t('noNote')}</p>
        )}
        <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
          <span>{t('evidenceCount', { count: action.evidence_event_ids.length })}</span>
          {action.output_hash ? <span className="inline-flex items-center gap-1">{t.rich('output', { hash: () => <HashText hash={action.output_hash} /> })}</span> : null}
          {action.incident_id ? <span>{t('incident', { id: action.incident_id.slice(0, 8) })}</span> : null}
        </p>
      </div>
    </div>
  );
}

function JobCard({
  group,
  canDecide,
  readOnlyId,
  cardRef,
  onDecided,
  onAlreadyDecided,
  onDismiss,
}: {
  group: JobGroup;
  canDecide: boolean;
  readOnlyId: string;
  cardRef: (el: HTMLLIElement | null) => void;
  onDecided: (action: ShownItem, outcome: DecisionOutcome) => void;
  onAlreadyDecided: (action: ShownItem, message: string) => void;
  onDismiss: () => void;
}) {
  const [open, setOpen] = useState(false);
  const titleId = useId();
  const t = useTranslations('approvals');
  const worker = group.lease?.state === 'active' ? group.lease.worker_id : (group.lease?.worker_id ?? null);
  return (
    <li ref={cardRef} tabIndex={-1} className="px-4 py-4 outline-offset-[-2px] sm:px-5" aria-labelledby={titleId} data-job={group.jobId}>
      <div className="min-w-0 space-y-2">
        <h3 id={titleId} className="min-w-0 font-mono text-sm font-semibold text-slate-900 [overflow-wrap:anywhere]">
          <Link href={`/jobs/${encodeURIComponent(group.jobId)}`} className="hover:text-indigo-700 hover:underline">
            {group.jobId}
          </Link>
        </h3>
        <LeaseLine lease={group.lease} />
      </div>
      <ul className="mt-3 space-y-3" aria-label={t('requestsFor', { job: group.jobId })}>
        {group.requests.map((a) => (
          <li key={a.id} className="flex flex-col gap-3 rounded-lg border border-slate-200 p-3 lg:flex-row lg:items-start lg:justify-between">
            <RequestFacts action={a} />
            {a.gone ? null : (
              <div className="shrink-0">
                <DecisionControls action={a} workerId={worker} canDecide={canDecide} readOnlyId={readOnlyId} onDecided={(o) => onDecided(a, o)} onAlreadyDecided={(m) => onAlreadyDecided(a, m)} />
              </div>
            )}
          </li>
        ))}
      </ul>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <button type="button" onClick={() => setOpen((v) => !v)} aria-expanded={open} className="inline-flex items-center gap-1 text-sm font-medium text-indigo-700 hover:text-indigo-600">
          {open ? <ChevronDownIcon /> : <ChevronRightIcon />}
          {open ? t('hideEvidence') : t('showEvidence')}
        </button>
        {group.gone ? (
          <>
            <span className="text-sm text-slate-700">{t('goneNote')}</span>
            <Button size="sm" onClick={onDismiss}>
              {t('dismiss')}
            </Button>
          </>
        ) : null}
      </div>
      {open ? (
        <div className="mt-4 rounded-lg border border-slate-200 bg-slate-50/70 p-4">
          <Evidence action={group.requests[0]!} />
        </div>
      ) : null}
    </li>
  );
}

function RecentDecisions() {
  const q = useDecidedActions();
  const t = useTranslations('approvals.recent');
  const tn = useTranslations('approvals');
  return (
    <Card>
      <CardHeader title={t('title')} description={t('description')} />
      {q.isPending ? (
        <LoadingRows rows={3} label={t('loading')} />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.actions.length === 0 ? (
        <EmptyState title={t('emptyTitle')} description={t('emptyDescription')} className="py-8" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.actions.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm sm:px-5">
              <Badge tone={a.decision === 'approve' ? 'success' : 'danger'}>{a.decision === 'approve' ? t('approved') : t('rejected')}</Badge>
              <span className="text-slate-600">{tn('actionName', { action: a.action })}</span>
              <Link href={`/jobs/${encodeURIComponent(a.job_id)}`} className="font-mono text-xs font-medium text-slate-900 hover:text-indigo-600 hover:underline">
                {a.job_id}
              </Link>
              <span className="ml-auto flex items-center gap-2 text-xs text-slate-500">{t.rich('by', { name: a.decided_by ?? '—', when: () => <RelativeTime iso={a.decided_at} /> })}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function ApprovalsView({ role }: { role: UserRole }) {
  const canDecide = role === 'supervisor';
  const readOnlyId = useId();
  const [notices, setNotices] = useState<{ id: number; text: string }[]>([]);
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);
  const q = usePendingActions();
  const t = useTranslations('approvals');

  // The list never moves under the pointer: the requests on screen are the ones accepted so far;
  // new ones from a refetch wait behind a "N new requests — show" bar, and one that left the pending
  // list behind the page's back stays in its place, marked, until dismissed.
  const [accepted, setAccepted] = useState<Set<string> | null>(null);
  const [known, setKnown] = useState<Map<string, PendingItem>>(() => new Map());
  const [removed, setRemoved] = useState<Set<string>>(() => new Set());
  const [seenData, setSeenData] = useState<RepairActionList | undefined>(undefined);
  if (q.data && q.data !== seenData) {
    setSeenData(q.data);
    setKnown((k) => new Map([...k, ...q.data.actions.map((a) => [a.id, a] as const)]));
    if (accepted === null) setAccepted(new Set(q.data.actions.map((a) => a.id)));
  }
  const current = useMemo(() => new Map((q.data?.actions ?? []).map((a) => [a.id, a])), [q.data]);
  const acceptedIds = useMemo(() => accepted ?? new Set(current.keys()), [accepted, current]);
  const groups = useMemo(() => {
    const shown: ShownItem[] = [];
    for (const id of acceptedIds) {
      if (removed.has(id)) continue;
      const live = current.get(id);
      const last = live ?? known.get(id);
      if (last) shown.push(live ? live : { ...last, gone: true });
    }
    return groupByJob(shown);
  }, [acceptedIds, removed, current, known]);
  const waiting = (q.data?.actions ?? []).filter((a) => !acceptedIds.has(a.id) && !removed.has(a.id));

  // Focus after a decision: the next request (the same card if it holds another one), else the list heading.
  const cards = useRef(new Map<string, HTMLLIElement>());
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [focusJob, setFocusJob] = useState<{ job: string | null } | null>(null);
  useEffect(() => {
    if (!focusJob) return;
    const el = focusJob.job ? cards.current.get(focusJob.job) : null;
    if (el) {
      const button = el.querySelector<HTMLButtonElement>('button[data-decision="approve"]:not(:disabled)');
      (button ?? el).focus();
    } else headingRef.current?.focus();
    setFocusJob(null);
  }, [focusJob, groups]);

  function nextJobAfter(action: ShownItem): string | null {
    const idx = groups.findIndex((g) => g.jobId === action.job_id);
    const group = groups[idx];
    if (group && group.requests.some((r) => r.id !== action.id && !r.gone)) return group.jobId;
    const after = groups.slice(idx + 1).find((g) => !g.gone) ?? groups.slice(0, Math.max(0, idx)).findLast((g) => !g.gone);
    return after?.jobId ?? null;
  }
  function leave(action: ShownItem) {
    setFocusJob({ job: nextJobAfter(action) });
    setRemoved((r) => new Set(r).add(action.id));
  }

  const pendingCount = q.data?.actions.length ?? 0;
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null} />
      <div className="space-y-6">
        {!canDecide ? <ReadOnlyNotice id={readOnlyId}>{t.rich('readOnly', { strong: (chunks) => <strong>{chunks}</strong> })}</ReadOnlyNotice> : null}
        {notices.map((n) => (
          <InlineAlert key={n.id} tone="warning" title={t('alreadyDecidedTitle')} onDismiss={() => setNotices((ns) => ns.filter((x) => x.id !== n.id))}>
            {n.text}
          </InlineAlert>
        ))}
        <Card aria-labelledby="pending-title">
          <div className="border-b border-slate-100 px-4 py-3.5 sm:px-5">
            <h2 id="pending-title" ref={headingRef} tabIndex={-1} className="text-sm font-semibold text-slate-900">
              {t('pendingTitle')}
            </h2>
            <p className="mt-0.5 text-sm text-slate-600">{q.data ? t('pendingCount', { count: pendingCount }) : ' '}</p>
            {/* the outcome of the last decision, in a place of its own: never over a button */}
            <div role="status" aria-live="polite" className="min-h-0">
              {outcome ? (
                <div className="mt-2 flex items-start gap-2 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="decision-outcome">
                  <CheckBadgeIcon className="mt-0.5 shrink-0" />
                  <p className="min-w-0 [overflow-wrap:anywhere]">
                    <strong className="font-semibold">{t('outcomeTitle', { title: outcome.title })}</strong> {outcome.description}
                  </p>
                </div>
              ) : null}
            </div>
          </div>
          {q.isPending ? (
            <LoadingRows rows={3} label={t('loadingPending')} />
          ) : q.isError && !q.data ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : groups.length === 0 && waiting.length === 0 ? (
            <EmptyState icon={<CheckBadgeIcon />} title={t('emptyTitle')} description={t('emptyDescription')} />
          ) : (
            <>
              {groups.length ? (
                <ul className="divide-y divide-slate-100" aria-label={t('pendingTitle')}>
                  {groups.map((g) => (
                    <JobCard
                      key={g.jobId}
                      group={g}
                      canDecide={canDecide}
                      readOnlyId={readOnlyId}
                      cardRef={(el) => {
                        if (el) cards.current.set(g.jobId, el);
                        else cards.current.delete(g.jobId);
                      }}
                      onDecided={(a, o) => {
                        setOutcome(o);
                        leave(a);
                      }}
                      onAlreadyDecided={(a, text) => {
                        setNotices((ns) => [...ns.slice(-2), { id: Date.now(), text }]);
                        leave(a);
                      }}
                      onDismiss={() => {
                        const last = g.requests.at(-1)!;
                        setFocusJob({ job: nextJobAfter(last) });
                        setRemoved((r) => new Set([...r, ...g.requests.map((x) => x.id)]));
                      }}
                    />
                  ))}
                </ul>
              ) : null}
              {waiting.length ? (
                <div className="flex flex-wrap items-center justify-between gap-2 border-t border-amber-200 bg-amber-50 px-4 py-2.5 text-sm text-amber-950 sm:px-5">
                  <span>{t('newRequests', { count: waiting.length })}</span>
                  <Button
                    size="sm"
                    onClick={() => {
                      const first = groupByJob(waiting)[0]?.jobId ?? null;
                      setAccepted(new Set([...acceptedIds, ...waiting.map((a) => a.id)]));
                      setFocusJob({ job: first });
                    }}
                  >
                    {t('showNew', { count: waiting.length })}
                  </Button>
                </div>
              ) : null}
            </>
          )}
        </Card>
        <RecentDecisions />
      </div>
    </>
  );
}
