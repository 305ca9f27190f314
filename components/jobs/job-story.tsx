'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { isSignal } from '@/components/lib/format';
import { type Format, useFormat } from '@/components/lib/use-format';
import { useJobStory } from '@/components/hooks/use-jobs';
import type { JobStory } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { AlertIcon, ChevronRightIcon, FlagIcon, KeyIcon, PackageIcon, ScrollIcon, TerminalIcon, WrenchIcon, ClockIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, Skeleton } from '@/components/ui/states';
import { ExitCodeBadge, IncidentStatusBadge, ResultBadge, RoleBadge, SignalBadge } from '@/components/ui/status';
import { LeaseFacts } from './lease-facts';
import { HashText, OutputBlock } from './output-block';
import { buildStory, type StoryItem, type StoryKind, storyKinds } from './story-items';
import { IncidentActions } from '@/components/incidents/incident-actions';
import { HandlingBadge, SeverityBadge } from '@/components/incidents/incident-badges';
import { DecisionControls, type DecisionOutcome } from '@/components/approvals/decision-controls';
import { InlineAlert } from '@/components/ui/states';
import { type HealthReason, jobHealth } from './job-health';

const kindStyle: Record<StoryKind, { icon: React.ReactNode; ring: string }> = {
  lease: { icon: <KeyIcon />, ring: 'bg-sky-50 text-sky-600 ring-sky-200' },
  run: { icon: <ClockIcon />, ring: 'bg-slate-50 text-slate-600 ring-slate-200' },
  event: { icon: <TerminalIcon />, ring: 'bg-slate-900 text-slate-100 ring-slate-900' },
  action: { icon: <WrenchIcon />, ring: 'bg-amber-50 text-amber-600 ring-amber-200' },
  check: { icon: <PackageIcon />, ring: 'bg-indigo-50 text-indigo-600 ring-indigo-200' },
  incident: { icon: <AlertIcon />, ring: 'bg-rose-50 text-rose-600 ring-rose-200' },
  audit: { icon: <ScrollIcon />, ring: 'bg-white text-slate-500 ring-slate-200' },
};

const leaseEventTone = (e: string) => (e === 'acquired' ? 'info' : e === 'renewed' ? 'muted' : e === 'completed' ? 'success' : e === 'expired' ? 'danger' : 'warning');

function Meta({ children }: { children: React.ReactNode }) {
  return <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500">{children}</div>;
}

function triggerLabel(f: Format, trigger: string) {
  return isSignal(trigger) ? f.signal(trigger) : trigger;
}

function ItemBody({ item }: { item: StoryItem }) {
  const t = useTranslations('jobs.item');
  const f = useFormat();
  switch (item.kind) {
    case 'lease': {
      const h = item.entry;
      return (
        <>
          <p className="text-sm text-slate-900">
            <Badge tone={leaseEventTone(h.event)}>{t('leaseEvent', { event: h.event })}</Badge>{' '}
            {t.rich('leaseBy', {
              by: (chunks) => <span className="ml-1">{chunks}</span>,
              mono: (chunks) => <span className="font-mono text-xs">{chunks}</span>,
              worker: h.worker_id,
            })}
          </p>
          <Meta>
            <span className="font-mono">{t('fencingToken', { token: h.fencing_token })}</span>
            {h.lease_expires_at ? <span>{t('expiresAt', { time: f.timestamp(h.lease_expires_at) })}</span> : null}
            <span>{t('by', { name: h.actor })}</span>
          </Meta>
        </>
      );
    }
    case 'run': {
      const r = item.entry;
      return (
        <>
          <p className="text-sm text-slate-900">
            {t.rich('run', {
              phase: f.label('phase', r.phase),
              em: (chunks) => <span className="font-medium">{chunks}</span>,
              status: () => <Badge tone={r.status === 'ok' ? 'success' : r.status === 'failed' || r.status === 'stuck' ? 'danger' : 'warning'}>{t('runStatus', { status: r.status })}</Badge>,
            })}
          </p>
          <Meta>
            <span className="font-mono">{r.worker_id}</span>
            <span>{r.ended_at ? t('took', { duration: f.ms(new Date(r.ended_at).getTime() - new Date(r.started_at).getTime()) }) : t('notEnded')}</span>
          </Meta>
        </>
      );
    }
    case 'event': {
      const e = item.entry;
      return (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-900">{e.command}</code>
            <ExitCodeBadge code={e.exit_code} />
            {e.signal ? <SignalBadge signal={e.signal} /> : null}
            {e.error_code ? (
              <Badge tone="danger" className="font-mono">
                {e.error_code}
              </Badge>
            ) : null}
          </div>
          <Meta>
            {e.phase ? <span>{t('phase', { phase: f.label('phase', e.phase) })}</span> : null}
            <span className="font-mono">{e.worker_id}</span>
            <span>{f.ms(e.duration_ms)}</span>
            <span className="inline-flex items-center gap-1">{t.rich('output', { hash: () => <HashText hash={e.output_hash} /> })}</span>
            <span>{t('rules', { version: e.rule_version })}</span>
          </Meta>
          <div className="mt-2">
            <OutputBlock output={e.output} />
          </div>
        </>
      );
    }
    case 'action': {
      const a = item.entry;
      return (
        <>
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-900">
            <span className="font-medium">{t('repair', { action: f.label('repairAction', a.action) })}</span>
            <ResultBadge result={a.result} />
            {a.suggestion ? <Badge tone="muted">{t('suggestion')}</Badge> : null}
            {a.decision ? <Badge tone={a.decision === 'approve' ? 'success' : 'danger'}>{t(a.decision === 'approve' ? 'approvedBy' : 'rejectedBy', { name: a.decided_by ?? '—' })}</Badge> : null}
          </p>
          <Meta>
            <span>
              {t.rich('trigger', {
                trigger: triggerLabel(f, a.trigger),
                v: (chunks) => <span data-recorded={isSignal(a.trigger) ? undefined : ''}>{chunks}</span>,
              })}
            </span>
            <span>{t('authority', { authority: f.label('authority', a.authority) })}</span>
            <span>{t('askedBy', { name: a.requested_by })}</span>
            {a.output_hash ? <span className="inline-flex items-center gap-1">{t.rich('output', { hash: () => <HashText hash={a.output_hash} /> })}</span> : null}
          </Meta>
          {a.note ? (
            <p className="mt-1.5 text-sm text-slate-600" data-recorded="">
              {a.note}
            </p>
          ) : null}
          {a.decision_note ? <p className="mt-1 text-sm italic text-slate-600">{t('decisionNote', { note: a.decision_note })}</p> : null}
        </>
      );
    }
    case 'check': {
      const c = item.entry;
      return (
        <>
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-900">
            <span className="font-medium">{t('artifactCheck')}</span>
            <Badge tone={c.passed ? 'success' : 'danger'} dot>
              {c.passed ? t('passed') : t('failed')}
            </Badge>
          </p>
          <Meta>
            <span>{t('http', { status: c.http_status ?? '—' })}</span>
            <span>{t('files', { count: f.number(c.file_count), expected: f.number(c.expected_file_count) })}</span>
            <span className="max-w-full truncate font-mono" title={c.primary_url}>
              {c.primary_url}
            </span>
          </Meta>
          {c.failure_reason ? (
            <p className="mt-1.5 text-sm text-rose-700" data-recorded="">
              {c.failure_reason}
            </p>
          ) : null}
        </>
      );
    }
    case 'incident': {
      const i = item.entry;
      return (
        <>
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-900">
            <span className="font-medium">{t('incident', { phase: item.phase })}</span>
            <SignalBadge signal={i.signal} />
            {item.phase === 'opened' ? <IncidentStatusBadge status={i.status} /> : null}
          </p>
          <Meta>
            {item.phase === 'opened' ? (
              <>
                <span>{t('firstFailure', { time: f.timestamp(i.first_failure_at) })}</span>
                <span>{t('evidenceEvents', { count: i.evidence_event_ids.length })}</span>
                <span>{t('rules', { version: i.rule_version })}</span>
              </>
            ) : (
              <span data-recorded="">{i.resolution}</span>
            )}
          </Meta>
        </>
      );
    }
    case 'audit': {
      const a = item.entry;
      return (
        <>
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-900">
            <span className="font-mono text-xs font-medium">{a.action}</span>
            <RoleBadge role={a.actor_role} />
            <span className="text-xs text-slate-500">{a.actor}</span>
          </p>
          <Meta>
            <span>{t('entry', { id: a.id })}</span>
            {a.output_hash ? <span className="inline-flex items-center gap-1">{t.rich('output', { hash: () => <HashText hash={a.output_hash} /> })}</span> : null}
            <span className="inline-flex items-center gap-1">{t.rich('chain', { hash: () => <HashText hash={a.hash} /> })}</span>
          </Meta>
        </>
      );
    }
  }
}

/** The job's health: the worst of its open incidents, its latest artifact check and its lease — never "Healthy" beside a failure. */
function JobHealthLine({ story }: { story: JobStory }) {
  const h = jobHealth(story);
  const t = useTranslations('jobs.health');
  const f = useFormat();
  const reasonText = (r: HealthReason) =>
    r.key === 'checkFailed' ? t(r.key, { reason: r.reason }) : r.key === 'criticalIncident' || r.key === 'incident' ? t(r.key, { signal: f.signal(r.signal) }) : t(r.key);
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="job-health">
      <span className="text-sm text-slate-600">{t('title')}</span>
      <Badge tone={h.tone} dot>
        {t(h.label)}
      </Badge>
      {h.reasons.length ? (
        <ul className="w-full list-disc space-y-0.5 pl-5 text-xs text-slate-700">
          {h.reasons
            .map((r) => reasonText(r))
            .map((text) => (
              <li key={text} className="[overflow-wrap:anywhere]">
                {text}
              </li>
            ))}
        </ul>
      ) : null}
    </div>
  );
}

function StorySkeleton() {
  const t = useTranslations('jobs.story');
  return (
    <div role="status" aria-label={t('loading')} className="space-y-4">
      <Skeleton className="h-36 rounded-xl" />
      <Skeleton className="h-96 rounded-xl" />
    </div>
  );
}

/** The job's open incidents with the on-call buttons (acknowledge, resolve, silence); focus stays in the card. */
function JobIncidents({ incidents, canAct }: { incidents: JobStory['incidents']; canAct: boolean }) {
  const open = incidents.filter((i) => i.status === 'open');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const t = useTranslations('jobs.story');
  const f = useFormat();
  if (!incidents.length) return null;
  return (
    <Card aria-labelledby="job-incidents-title">
      <div className="border-b border-slate-100 px-4 py-3.5 sm:px-5">
        <h2 id="job-incidents-title" ref={headingRef} tabIndex={-1} className="text-sm font-semibold text-slate-900">
          {t('incidentsTitle')}
        </h2>
      </div>
      {open.length ? (
        <ul className="divide-y divide-slate-100">
          {open.map((i) => (
            <li key={i.id} className="space-y-2 px-4 py-3 sm:px-5">
              <p className="flex flex-wrap items-center gap-2">
                <SignalBadge signal={i.signal} />
                <SeverityBadge severity={i.severity} />
                <HandlingBadge incident={i} />
              </p>
              <Link href={`/incidents/${i.id}`} className="block text-xs font-medium text-indigo-700 hover:underline">
                {t.rich('detailsLink', { signal: f.signal(i.signal), sr: (chunks) => <span className="sr-only">{chunks}</span> })}
              </Link>
              <IncidentActions incident={i} canAct={canAct} compact onResolved={() => headingRef.current?.focus()} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="px-4 py-3 text-sm text-slate-600 sm:px-5">{t('noneOpen')}</p>
      )}
    </Card>
  );
}

/** The job's pending release/reclaim requests, decided in place with the same confirmation as on Approvals. */
function JobDecisions({ story, canDecide }: { story: JobStory; canDecide: boolean }) {
  const pending = story.actions.filter((a) => a.result === 'pending' && (a.action === 'release' || a.action === 'reclaim'));
  const [outcome, setOutcome] = useState<DecisionOutcome | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [done, setDone] = useState<Set<string>>(() => new Set());
  const [focusNext, setFocusNext] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const shown = pending.filter((a) => !done.has(a.id));
  const t = useTranslations('jobs.story');
  const ta = useTranslations('approvals');
  const f = useFormat();
  useEffect(() => {
    if (!focusNext) return;
    const next = listRef.current?.querySelector<HTMLButtonElement>('button:not(:disabled)');
    (next ?? headingRef.current)?.focus();
    setFocusNext(false);
  }, [focusNext, shown.length]);
  if (!pending.length && !outcome && !notice) return null;
  const worker = story.lease?.worker_id ?? null;
  const leave = (id: string) => {
    setDone((d) => new Set(d).add(id));
    setFocusNext(true);
  };
  return (
    <Card aria-labelledby="job-decisions-title">
      <div className="border-b border-slate-100 px-4 py-3.5 sm:px-5">
        <h2 id="job-decisions-title" ref={headingRef} tabIndex={-1} className="text-sm font-semibold text-slate-900">
          {t('decisionsTitle')}
        </h2>
        <div role="status" aria-live="polite">
          {outcome ? (
            <p className="mt-2 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900 [overflow-wrap:anywhere]">
              <strong className="font-semibold">{t('outcomeTitle', { title: outcome.title })}</strong> {outcome.description}
            </p>
          ) : null}
        </div>
      </div>
      {notice ? (
        <div className="px-4 pt-3 sm:px-5">
          <InlineAlert tone="warning" title={t('alreadyDecided')} onDismiss={() => setNotice(null)}>
            {notice}
          </InlineAlert>
        </div>
      ) : null}
      {shown.length ? (
        <ul ref={listRef} className="divide-y divide-slate-100">
          {shown.map((a) => (
            <li key={a.id} className="space-y-2 px-4 py-3 sm:px-5">
              <p className="flex flex-wrap items-center gap-2 text-sm">
                <Badge tone={a.action === 'reclaim' ? 'accent' : 'warning'} className="uppercase tracking-wide">
                  {ta('actionName', { action: a.action })}
                </Badge>
                <span className="min-w-0 text-slate-700 [overflow-wrap:anywhere]" data-recorded={isSignal(a.trigger) ? undefined : ''}>
                  {triggerLabel(f, a.trigger)}
                </span>
              </p>
              <p className="text-xs text-slate-600 [overflow-wrap:anywhere]">{t('askedBy', { name: a.requested_by })}</p>
              <DecisionControls
                action={a}
                workerId={worker}
                canDecide={canDecide}
                onDecided={(o) => {
                  setOutcome(o);
                  leave(a.id);
                }}
                onAlreadyDecided={(m) => {
                  setNotice(m);
                  leave(a.id);
                }}
              />
            </li>
          ))}
        </ul>
      ) : (
        <p className="px-4 py-3 text-sm text-slate-600 sm:px-5">{t('nothingToDecide')}</p>
      )}
    </Card>
  );
}

export function JobStoryView({ jobId, initialData, canAct = false, canDecide = false }: { jobId: string; initialData?: JobStory; canAct?: boolean; canDecide?: boolean }) {
  const q = useJobStory(jobId, { initialData });
  const t = useTranslations('jobs.story');
  const tk = useTranslations('jobs.kinds');
  const f = useFormat();
  const [filter, setFilter] = useState<StoryKind | 'all'>('all');
  const [newestFirst, setNewestFirst] = useState(false);
  const story = useMemo(() => (q.data ? buildStory(q.data) : []), [q.data]);
  const shown = useMemo(() => {
    const f = filter === 'all' ? story : story.filter((i) => i.kind === filter);
    return newestFirst ? [...f].reverse() : f;
  }, [story, filter, newestFirst]);

  const s = q.data;
  const notFound = q.error instanceof ApiError && q.error.status === 404;

  return (
    <>
      <nav aria-label={t('breadcrumb')} className="mb-3 flex items-center gap-1 text-sm text-slate-500">
        <Link href="/jobs" className="hover:text-slate-900">
          {t('jobs')}
        </Link>
        <ChevronRightIcon className="size-3.5" />
        <span className="truncate font-mono text-slate-700">{jobId}</span>
      </nav>
      <PageHeader
        title={t('title', { job: jobId })}
        description={t('description')}
        actions={
          <>
            {s ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            <Link
              href={`/learnings?job_id=${encodeURIComponent(jobId)}&add=1`}
              className="inline-flex h-9.5 items-center gap-2 rounded-lg bg-white px-4 text-sm font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
            >
              {t('addLearning')}
            </Link>
          </>
        }
      />
      {!s ? (
        q.isError ? (
          <Card>
            {notFound ? (
              <EmptyState
                icon={<FlagIcon />}
                title={t('notFoundTitle')}
                description={t('notFoundDescription', { job: jobId })}
                action={
                  <Link href="/jobs" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
                    {t('backToJobs')}
                  </Link>
                }
              />
            ) : (
              <ErrorState error={q.error} onRetry={() => void q.refetch()} />
            )}
          </Card>
        ) : (
          <StorySkeleton />
        )
      ) : (
        <div className="grid grid-cols-1 gap-6 xl:grid-cols-[20rem_minmax(0,1fr)]">
          <div className="space-y-6">
            <Card aria-labelledby="lease-title">
              <CardHeader id="lease-title" title={t('leaseTitle')} />
              <CardBody>
                <JobHealthLine story={s} />
                {s.lease ? <LeaseFacts lease={s.lease} full hideRisk className="mt-3 gap-x-4 gap-y-2.5" /> : <p className="mt-3 text-sm text-slate-600">{t('noLease')}</p>}
              </CardBody>
            </Card>
            <Card aria-labelledby="summary-title">
              <CardHeader id="summary-title" title={t('evidenceTitle')} />
              <CardBody>
                <dl className="grid grid-cols-2 gap-3 text-sm">
                  {[
                    [t('helperEvents'), s.events.length],
                    [t('failedExits'), s.events.filter((e) => e.exit_code !== 0).length],
                    [t('repairs'), s.actions.length],
                    [t('artifactChecks'), s.checks.length],
                    [t('openIncidents'), s.incidents.filter((i) => i.status === 'open').length],
                    [t('auditEntries'), s.audit.length],
                  ].map(([label, n]) => (
                    <div key={label as string} className="rounded-lg bg-slate-50 px-3 py-2">
                      <dt className="text-xs text-slate-500">{label}</dt>
                      <dd className="text-lg font-semibold tabular-nums text-slate-900">{f.number(n as number)}</dd>
                    </div>
                  ))}
                </dl>
              </CardBody>
            </Card>
            <JobDecisions story={s} canDecide={canDecide} />
            <JobIncidents incidents={s.incidents} canAct={canAct} />
          </div>

          <Card aria-labelledby="timeline-title">
            <CardHeader
              id="timeline-title"
              title={t('timelineTitle')}
              description={t('timelineCount', { count: story.length, order: newestFirst ? 'newest' : 'oldest' })}
              actions={
                <button type="button" onClick={() => setNewestFirst((v) => !v)} className="rounded-md px-2 py-1 text-sm font-medium text-indigo-600 hover:bg-indigo-50">
                  {newestFirst ? t('oldestFirst') : t('newestFirst')}
                </button>
              }
            />
            <div className="flex flex-wrap gap-1.5 border-b border-slate-100 px-4 py-3 sm:px-5" role="group" aria-label={t('kindFilter')}>
              {(['all', ...storyKinds] as const).map((kind) => {
                const count = kind === 'all' ? story.length : story.filter((i) => i.kind === kind).length;
                if (kind !== 'all' && count === 0) return null;
                return (
                  <button
                    key={kind}
                    type="button"
                    aria-pressed={filter === kind}
                    onClick={() => setFilter(kind)}
                    className={cn(
                      'rounded-full px-3 py-1 text-xs font-medium ring-1 ring-inset transition-colors',
                      filter === kind ? 'bg-slate-900 text-white ring-slate-900' : 'bg-white text-slate-600 ring-slate-200 hover:bg-slate-50',
                    )}
                  >
                    {tk(kind)} <span className="tabular-nums opacity-70">{f.number(count)}</span>
                  </button>
                );
              })}
            </div>
            {shown.length === 0 ? (
              <EmptyState title={t('nothingOfKind')} description={t('nothingOfKindHint')} />
            ) : (
              <ol className="px-4 py-4 sm:px-5" aria-label={t('timelineLabel')}>
                {shown.map((item, idx) => (
                  <li key={item.key} className="relative flex gap-3 pb-5 last:pb-0" data-kind={item.kind}>
                    {idx < shown.length - 1 ? <span aria-hidden className="absolute left-4 top-9 -ml-px h-[calc(100%-2.25rem)] w-px bg-slate-200" /> : null}
                    <span className={cn('relative z-10 flex size-8 shrink-0 items-center justify-center rounded-full text-sm ring-1', kindStyle[item.kind].ring)} aria-hidden>
                      {kindStyle[item.kind].icon}
                    </span>
                    <div className="min-w-0 flex-1 pt-1">
                      <p className="mb-1 flex flex-wrap items-center gap-x-2 text-[11px] font-medium uppercase tracking-wide text-slate-600">
                        <span>{tk(item.kind)}</span>
                        <span aria-hidden>·</span>
                        <time dateTime={item.at} title={f.timestamp(item.at)} className="normal-case tracking-normal">
                          {f.timestamp(item.at)}
                        </time>
                      </p>
                      <ItemBody item={item} />
                    </div>
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
