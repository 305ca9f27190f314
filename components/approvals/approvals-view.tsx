'use client';

import Link from 'next/link';
import { useId, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { formatMs, humanize, signalLabel, signalLabels } from '@/components/lib/format';
import type { RepairAction } from '@/components/lib/types';
import { useJobStory } from '@/components/hooks/use-jobs';
import { useDecidedActions, useDecideAction, usePendingActions } from '@/components/hooks/use-repair-actions';
import { LeaseFacts } from '@/components/jobs/lease-facts';
import { HashText, OutputBlock } from '@/components/jobs/output-block';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { CheckBadgeIcon, ChevronDownIcon, ChevronRightIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows, ReadOnlyNotice, Skeleton } from '@/components/ui/states';
import { ExitCodeBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import type { UserRole } from '@/lib/schemas/enums';

function Evidence({ action }: { action: RepairAction }) {
  const story = useJobStory(action.job_id, { slow: true });
  if (story.isPending) {
    return (
      <div role="status" aria-label="Loading evidence" className="space-y-2">
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
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Lease now</h4>
        {s.lease ? <LeaseFacts lease={s.lease} className="mt-2 gap-x-3 gap-y-1.5" /> : <p className="mt-2 text-sm text-slate-500">No lease recorded for this job.</p>}
        {openIncidents.length ? (
          <div className="mt-3 flex flex-wrap gap-1.5">
            {openIncidents.map((i) => (
              <SignalBadge key={i.id} signal={i.signal} />
            ))}
          </div>
        ) : null}
      </div>
      <div className="min-w-0">
        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{ids.size ? 'Evidence events' : 'Latest helper events'}</h4>
        {evidence.length ? (
          <ul className="mt-2 space-y-3">
            {evidence.map((e) => (
              <li key={e.id} className="space-y-1.5">
                <div className="flex flex-wrap items-center gap-2 text-sm">
                  <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">{e.command}</code>
                  <ExitCodeBadge code={e.exit_code} />
                  {e.signal ? <SignalBadge signal={e.signal} /> : null}
                  <span className="text-xs text-slate-500">
                    {formatMs(e.duration_ms)} · <RelativeTime iso={e.created_at} />
                  </span>
                </div>
                <HashText hash={e.output_hash} />
                <OutputBlock output={e.output} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-2 text-sm text-slate-500">No helper events recorded for this job.</p>
        )}
      </div>
    </div>
  );
}

function PendingRow({ action, canDecide, readOnlyId, onAlreadyDecided }: { action: RepairAction; canDecide: boolean; readOnlyId: string; onAlreadyDecided: (msg: string) => void }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const noteId = useId();
  const titleId = useId();
  const decide = useDecideAction(action, {
    onSuccess: (res, { decision }) => {
      toast({
        tone: 'success',
        title: `${humanize(action.action)} ${decision === 'approve' ? 'approved' : 'rejected'}`,
        description:
          decision === 'approve' && res.lease
            ? `Job ${action.job_id}: lease ${res.lease.state}, fencing token now ${res.lease.fencing_token}. The old holder is fenced off.`
            : `Job ${action.job_id}: the lease stays as it is.`,
      });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'already_decided') {
        const d = (e.details ?? {}) as { decision?: string | null; decided_by?: string | null };
        const verdict = d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : 'decided';
        onAlreadyDecided(`The ${action.action} of job ${action.job_id} was already ${verdict}${d.decided_by ? ` by ${d.decided_by}` : ''}. Nothing changed; the list is up to date.`);
      } else {
        toast({ tone: 'danger', title: 'The decision was not recorded', description: errorMessage(e) });
      }
    },
  });
  const busy = decide.isPending;

  return (
    <li className="px-4 py-4 sm:px-5" aria-labelledby={titleId}>
      <div className="flex flex-col gap-3 lg:flex-row lg:items-start lg:justify-between">
        <div className="min-w-0 space-y-2">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={action.action === 'reclaim' ? 'accent' : 'warning'} className="uppercase tracking-wide">
              {action.action}
            </Badge>
            <h3 id={titleId} className="font-mono text-sm font-semibold text-slate-900">
              <Link href={`/jobs/${encodeURIComponent(action.job_id)}`} className="hover:text-indigo-600 hover:underline">
                {action.job_id}
              </Link>
            </h3>
          </div>
          <dl className="flex flex-wrap gap-x-5 gap-y-1 text-sm">
            <div className="flex gap-1.5">
              <dt className="text-slate-500">Trigger</dt>
              <dd className="font-medium text-slate-800">{signalLabels[action.trigger] ? signalLabel(action.trigger) : action.trigger}</dd>
            </div>
            <div className="flex gap-1.5">
              <dt className="text-slate-500">Asked by</dt>
              <dd className="font-medium text-slate-800">{action.requested_by}</dd>
            </div>
            <div className="flex gap-1.5">
              <dt className="text-slate-500">Asked</dt>
              <dd className="text-slate-800">
                <RelativeTime iso={action.created_at} />
              </dd>
            </div>
          </dl>
          <div className="text-sm text-slate-600">
            <span className="sr-only">Evidence: </span>
            {action.note ? <p className="max-w-3xl">{action.note}</p> : <p className="italic text-slate-400">No note given with the request.</p>}
            <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500">
              <span>
                {action.evidence_event_ids.length} evidence {action.evidence_event_ids.length === 1 ? 'event' : 'events'}
              </span>
              {action.output_hash ? (
                <span className="inline-flex items-center gap-1">
                  output <HashText hash={action.output_hash} />
                </span>
              ) : null}
              {action.incident_id ? <span>incident {action.incident_id.slice(0, 8)}</span> : null}
            </p>
          </div>
        </div>
        <div className="flex shrink-0 flex-col gap-2 sm:flex-row sm:items-center lg:flex-col lg:items-end">
          <div className="flex gap-2">
            <Button
              variant="success"
              onClick={() => decide.mutate({ decision: 'approve', note })}
              disabled={!canDecide || busy}
              loading={busy && decide.variables?.decision === 'approve'}
              aria-describedby={canDecide ? undefined : readOnlyId}
              title={canDecide ? undefined : 'Only a supervisor can decide'}
            >
              Approve
            </Button>
            <Button
              variant="danger"
              onClick={() => decide.mutate({ decision: 'reject', note })}
              disabled={!canDecide || busy}
              loading={busy && decide.variables?.decision === 'reject'}
              aria-describedby={canDecide ? undefined : readOnlyId}
              title={canDecide ? undefined : 'Only a supervisor can decide'}
            >
              Reject
            </Button>
          </div>
          <button type="button" onClick={() => setOpen((v) => !v)} aria-expanded={open} className="inline-flex items-center gap-1 text-sm font-medium text-indigo-600 hover:text-indigo-500">
            {open ? <ChevronDownIcon /> : <ChevronRightIcon />}
            {open ? 'Hide evidence' : 'Show evidence'}
          </button>
        </div>
      </div>
      {open ? (
        <div className="mt-4 space-y-4 rounded-lg border border-slate-200 bg-slate-50/70 p-4">
          <Evidence action={action} />
          <div className="max-w-md">
            <label htmlFor={noteId} className="mb-1 block text-xs font-medium text-slate-600">
              Decision note (optional, kept in the audit log)
            </label>
            <Input
              id={noteId}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              maxLength={2000}
              disabled={!canDecide}
              placeholder={canDecide ? 'e.g. worker confirmed dead on host' : 'Supervisors only'}
            />
          </div>
        </div>
      ) : null}
    </li>
  );
}

function RecentDecisions() {
  const q = useDecidedActions();
  return (
    <Card>
      <CardHeader title="Recent decisions" description="The last releases and reclaims decided by a supervisor." />
      {q.isPending ? (
        <LoadingRows rows={3} label="Loading recent decisions" />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.actions.length === 0 ? (
        <EmptyState title="No decisions yet" description="Approved and rejected requests appear here." className="py-8" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.actions.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-sm sm:px-5">
              <Badge tone={a.decision === 'approve' ? 'success' : 'danger'}>{a.decision === 'approve' ? 'Approved' : 'Rejected'}</Badge>
              <span className="text-slate-600">{a.action}</span>
              <Link href={`/jobs/${encodeURIComponent(a.job_id)}`} className="font-mono text-xs font-medium text-slate-900 hover:text-indigo-600 hover:underline">
                {a.job_id}
              </Link>
              <span className="ml-auto flex items-center gap-2 text-xs text-slate-500">
                by {a.decided_by} · <RelativeTime iso={a.decided_at} />
              </span>
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
  const q = usePendingActions();

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Release and reclaim requests wait here for a supervisor. Approving fences the old holder off at once: its next heartbeat or complete is refused."
        actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      <div className="space-y-6">
        {!canDecide ? (
          <ReadOnlyNotice id={readOnlyId}>
            You are signed in as <strong>owner</strong>: you can read the requests and their evidence, but only a <strong>supervisor</strong> can approve or reject them.
          </ReadOnlyNotice>
        ) : null}
        {notices.map((n) => (
          <InlineAlert key={n.id} tone="warning" title="Already decided" onDismiss={() => setNotices((ns) => ns.filter((x) => x.id !== n.id))}>
            {n.text}
          </InlineAlert>
        ))}
        <Card aria-labelledby="pending-title">
          <CardHeader id="pending-title" title="Pending requests" description={q.data ? `${q.data.actions.length} waiting for a decision` : undefined} />
          {q.isPending ? (
            <LoadingRows rows={3} label="Loading pending requests" />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : q.data.actions.length === 0 ? (
            <EmptyState icon={<CheckBadgeIcon />} title="Nothing to decide" description="When a lease goes stale or a worker asks for a release, the request appears here within seconds." />
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Pending requests">
              {q.data.actions.map((a) => (
                <PendingRow key={a.id} action={a} canDecide={canDecide} readOnlyId={readOnlyId} onAlreadyDecided={(text) => setNotices((ns) => [...ns.slice(-2), { id: Date.now(), text }])} />
              ))}
            </ul>
          )}
        </Card>
        <RecentDecisions />
      </div>
    </>
  );
}
