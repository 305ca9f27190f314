'use client';

import { useId, useMemo, useRef, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { decisionLabels, formatPercent } from '@/components/lib/format';
import { useD30, useD30Decision } from '@/components/hooks/use-d30';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Input, Label, Textarea } from '@/components/ui/field';
import { ChartIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, ReadOnlyNotice, Skeleton } from '@/components/ui/states';
import { RelativeTime } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import { ActivityChart, FailureChart, GateChart, RetryChart, SignalChart } from './d30-charts';
import type { D30DecisionName } from '@/lib/schemas/metrics';
import { type D30View, type KpiTone, mapD30 } from './map-d30';
import type { D30Decision, UserRole } from '@/lib/schemas/enums';

const DAY_MS = 86_400_000;
const toDateInput = (t: number) => new Date(t).toISOString().slice(0, 10);

const toneText: Record<KpiTone, string> = { success: 'text-emerald-700', warning: 'text-amber-700', danger: 'text-rose-700', neutral: 'text-slate-900' };
const toneBar: Record<KpiTone, string> = { success: 'bg-emerald-500', warning: 'bg-amber-400', danger: 'bg-rose-500', neutral: 'bg-slate-300' };

const verdict = (holds: boolean | null) =>
  holds === true ? { tone: 'success' as const, label: 'Holds' } : holds === false ? { tone: 'danger' as const, label: 'Does not hold' } : { tone: 'muted' as const, label: 'Not enough data' };

/** The rollout's assumptions, each with the figure that decides it and its verdict. */
function Assumptions({ v }: { v: D30View }) {
  if (!v.assumptions.length) return null;
  return (
    <Card aria-labelledby="assumptions-title">
      <CardHeader id="assumptions-title" title="Assumptions tested by the evidence" description="The seed's assumptions, held against this period's figures." />
      <ul className="divide-y divide-slate-100">
        {v.assumptions.map((a) => {
          const vd = verdict(a.holds);
          return (
            <li key={a.text} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-start sm:gap-4 sm:px-5">
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium text-slate-900">{a.text}</p>
                <p className="mt-0.5 text-sm text-slate-600">{a.detail}</p>
              </div>
              <div className="flex shrink-0 flex-wrap items-center gap-2 sm:flex-col sm:items-end">
                <Badge tone={vd.tone}>{vd.label}</Badge>
                <span className="text-xs tabular-nums text-slate-600">{a.figure}</span>
              </div>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

const decisionTone: Record<D30Decision, 'success' | 'warning' | 'danger'> & Record<string, 'success' | 'warning' | 'danger' | undefined> = {
  continue: 'success',
  escalate_to_watchdog_agent: 'warning',
  change_owner: 'danger',
};

function CoverageCard({ v }: { v: D30View }) {
  const kpi = v.kpis[0];
  const pct = Math.min(100, Math.max(0, (v.coverage.value ?? 0) * 100));
  return (
    <Card className="col-span-2 p-4 sm:p-5">
      <div className="flex items-start justify-between gap-3">
        <div>
          <p className="text-sm font-medium text-slate-500">Coverage against the goal</p>
          <p className={cn('mt-1 text-4xl font-semibold tabular-nums tracking-tight', toneText[kpi.tone])}>{kpi.value}</p>
        </div>
        <Badge tone={v.coverage.value === null ? 'muted' : v.coverage.met ? 'success' : 'danger'} dot>
          {v.coverage.value === null ? 'No data' : v.coverage.met ? 'Goal met' : `${formatPercent(v.coverage.gap)} below goal`}
        </Badge>
      </div>
      <div
        className="relative mt-5 h-3 rounded-full bg-slate-100"
        role="meter"
        aria-label="Coverage"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v.coverage.value === null ? undefined : Math.round(pct)}
        aria-valuetext={`${kpi.value}, goal ${formatPercent(v.coverage.goal)}`}
      >
        <div className={cn('h-full rounded-full', toneBar[kpi.tone])} style={{ width: `${pct}%` }} />
        <div className="absolute -top-1.5 h-6 w-0.5 rounded bg-slate-900" style={{ left: `${v.coverage.goal * 100}%` }} aria-hidden />
        <span className="absolute top-5 -translate-x-1/2 whitespace-nowrap text-[11px] font-medium text-slate-600" style={{ left: `${v.coverage.goal * 100}%` }}>
          goal {formatPercent(v.coverage.goal)}
        </span>
      </div>
      <p className="mt-7 text-xs text-slate-500">{kpi.hint}</p>
    </Card>
  );
}

function Kpis({ v }: { v: D30View }) {
  return (
    <div className="grid grid-cols-2 gap-4 md:grid-cols-4 xl:grid-cols-7">
      <CoverageCard v={v} />
      {v.kpis.slice(1).map((k) => (
        <Card key={k.key} className="p-4">
          <p className="text-sm font-medium text-slate-500">{k.label}</p>
          <p className={cn('mt-1 text-2xl font-semibold tabular-nums tracking-tight', toneText[k.tone])}>{k.value}</p>
          <p className="mt-1 text-xs leading-snug text-slate-500">{k.hint}</p>
        </Card>
      ))}
    </div>
  );
}

function DecisionForm({ v, canDecide, role, shown }: { v: D30View; canDecide: boolean; role: string; shown: { from: string; to: string } }) {
  const toast = useToast();
  const readOnlyId = useId();
  const noteErrorId = useId();
  const [decision, setDecision] = useState<string>(v.recommendation.decision in decisionLabels ? v.recommendation.decision : 'continue');
  const [note, setNote] = useState('');
  const [missingNote, setMissingNote] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  // deciding otherwise than the figures recommend needs a reason (the server refuses it too)
  const noteRequired = decision !== v.recommendation.decision;
  const record = useD30Decision({
    onSuccess: () => {
      setNote('');
      toast({ tone: 'success', title: 'D30 decision recorded', description: `${decisionLabels[decision]} — kept with the figures it was based on.` });
    },
  });
  const fieldErrors = record.error instanceof ApiError ? record.error.fieldErrors : [];
  const serverNoteError = fieldErrors.find((f) => f.path === 'note')?.message;
  const noteError = missingNote ? 'Say why the decision differs from the recommendation.' : serverNoteError;
  return (
    <form
      aria-label="Record the D30 decision"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!canDecide) return;
        if (noteRequired && !note.trim()) {
          setMissingNote(true);
          noteRef.current?.focus();
          return;
        }
        record.mutate({ decision: decision as D30DecisionName, note, from: shown.from, to: shown.to });
      }}
      className="space-y-4"
    >
      {!canDecide ? (
        <ReadOnlyNotice id={readOnlyId}>
          Read only: you are signed in as <strong>{role}</strong>. Only the <strong>owner</strong> records the D30 decision.
        </ReadOnlyNotice>
      ) : null}
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">Decision</legend>
        <div className="grid gap-2 sm:grid-cols-3">
          {Object.entries(decisionLabels).map(([value, label]) => (
            <label
              key={value}
              className={cn(
                'flex cursor-pointer items-start gap-2.5 rounded-lg border px-3 py-2.5 text-sm transition-colors has-[:disabled]:cursor-not-allowed',
                decision === value ? 'border-indigo-500 bg-indigo-50/60 ring-1 ring-indigo-500' : 'border-slate-200 hover:bg-slate-50',
              )}
            >
              <input type="radio" name="d30-decision" value={value} checked={decision === value} onChange={() => setDecision(value)} disabled={!canDecide} className="mt-0.5 accent-indigo-600" />
              <span>
                <span className="font-medium text-slate-900">{label}</span>
                {value === v.recommendation.decision ? <span className="block text-xs text-indigo-600">recommended</span> : null}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <Label htmlFor="d30-note" hint={noteRequired ? '(required: the decision differs from the recommendation)' : '(optional)'}>
          Note
        </Label>
        <Textarea
          ref={noteRef}
          id="d30-note"
          value={note}
          onChange={(e) => {
            setNote(e.target.value);
            if (e.target.value.trim()) setMissingNote(false);
          }}
          maxLength={2000}
          disabled={!canDecide}
          required={noteRequired}
          aria-invalid={noteError ? true : undefined}
          aria-describedby={noteError ? noteErrorId : undefined}
          placeholder={canDecide ? 'What the team agreed, and why' : 'Owner only'}
        />
        {noteError ? (
          <p id={noteErrorId} className="mt-1 text-sm text-rose-700">
            {noteError}
          </p>
        ) : null}
      </div>
      {record.isError && !serverNoteError ? (
        <InlineAlert title="The decision was not recorded">{fieldErrors.length ? fieldErrors.map((f) => `${f.path}: ${f.message}`).join('; ') : errorMessage(record.error)}</InlineAlert>
      ) : null}
      <Button type="submit" variant="primary" disabled={!canDecide} loading={record.isPending} aria-describedby={canDecide ? undefined : readOnlyId}>
        Record decision
      </Button>
    </form>
  );
}

function MetricsSkeleton() {
  return (
    <div role="status" aria-label="Loading D30 metrics" className="space-y-6">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <Skeleton className="col-span-2 h-36 rounded-xl" />
        <Skeleton className="h-36 rounded-xl" />
        <Skeleton className="h-36 rounded-xl" />
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Skeleton className="h-72 rounded-xl" />
        <Skeleton className="h-72 rounded-xl" />
      </div>
    </div>
  );
}

export function D30View({ role }: { role: UserRole }) {
  const [range, setRange] = useState(() => {
    const today = Date.now();
    return { from: toDateInput(today - 29 * DAY_MS), to: toDateInput(today) };
  });
  const rangeError = range.from && range.to && range.from > range.to ? '“From” must be on or before “To”' : null;
  const fromIso = `${range.from}T00:00:00.000Z`;
  const toIso = range.to ? new Date(Date.parse(`${range.to}T00:00:00.000Z`) + DAY_MS - 1).toISOString() : '';
  const q = useD30(fromIso, toIso, Boolean(range.from && range.to && !rangeError));
  const v = useMemo(() => (q.data ? mapD30(q.data) : null), [q.data]);
  const missingEndpoint = q.error instanceof ApiError && q.error.status === 404;

  return (
    <>
      <PageHeader
        title="D30 review"
        description="Did the watchdog earn its place? Coverage against the 80% goal, recovery and gate figures, and the recommendation — then the owner records the decision."
        actions={v ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      <Card className="mb-6">
        <div className="flex flex-wrap items-end gap-3 px-4 py-3 sm:px-5">
          <div>
            <Label htmlFor="d30-from">From</Label>
            <div className="w-40">
              <Input id="d30-from" type="date" value={range.from} max={range.to || undefined} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} />
            </div>
          </div>
          <div>
            <Label htmlFor="d30-to">To</Label>
            <div className="w-40">
              <Input id="d30-to" type="date" value={range.to} min={range.from || undefined} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} />
            </div>
          </div>
          <div className="flex gap-1.5 pb-0.5">
            {[7, 14, 30].map((n) => (
              <Button key={n} size="sm" variant="ghost" onClick={() => setRange({ from: toDateInput(Date.now() - (n - 1) * DAY_MS), to: toDateInput(Date.now()) })}>
                Last {n} d
              </Button>
            ))}
          </div>
          {rangeError ? <p className="w-full text-sm text-rose-600">{rangeError}</p> : null}
        </div>
      </Card>

      {!v ? (
        q.isError ? (
          <Card>
            {missingEndpoint ? (
              <EmptyState
                icon={<ChartIcon />}
                title="D30 metrics are not available on this server"
                description="GET /api/watchdog/metrics/d30 did not answer. Update the console to a version that computes the D30 review."
              />
            ) : (
              <ErrorState error={q.error} onRetry={() => void q.refetch()} />
            )}
          </Card>
        ) : (
          <MetricsSkeleton />
        )
      ) : (
        <div className="space-y-6">
          <Kpis v={v} />

          {v.hasActivity ? (
            <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
              <ActivityChart data={v.daily} />
              <FailureChart data={v.daily} />
              <GateChart data={v.daily} />
              <RetryChart data={v.daily} goal={v.goals?.retry_success_min ?? null} />
              <SignalChart data={v.bySignal} />
            </div>
          ) : (
            <Card>
              <EmptyState icon={<ChartIcon />} title="No activity in this period" description="Pick a wider range, or wait for workers to report helper events and artifact checks." />
            </Card>
          )}

          <Assumptions v={v} />

          <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)] lg:items-start">
            <Card aria-labelledby="recommendation-title">
              <CardHeader id="recommendation-title" title="Recommendation" description="Computed from the figures above." />
              <CardBody>
                <div className="flex items-center gap-3">
                  <Badge tone={decisionTone[v.recommendation.decision] ?? 'neutral'} className="px-3 py-1 text-sm">
                    {v.recommendation.label}
                  </Badge>
                </div>
                {v.recommendation.reasons.length ? (
                  <ul className="mt-4 space-y-2 text-sm text-slate-700">
                    {v.recommendation.reasons.map((r) => (
                      <li key={r} className="flex gap-2.5">
                        <span className="mt-2 size-1.5 shrink-0 rounded-full bg-slate-400" aria-hidden />
                        {r}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="mt-4 text-sm text-slate-500">No reasons given.</p>
                )}
              </CardBody>
            </Card>
            <Card aria-labelledby="decision-title">
              <CardHeader id="decision-title" title="Final decision" description="Recorded once the team has reviewed the period; the figures are stored with it." />
              <CardBody>
                <DecisionForm key={v.recommendation.decision} v={v} canDecide={role === 'owner'} role={role} shown={{ from: fromIso, to: toIso }} />
                {v.decisions.length ? (
                  <div className="mt-6 border-t border-slate-100 pt-4">
                    <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Recorded decisions</h3>
                    <ul className="mt-2 divide-y divide-slate-100">
                      {v.decisions.map((d, i) => (
                        <li key={d.id ?? `${d.decided_at}-${i}`} className="py-2.5 text-sm">
                          <div className="flex flex-wrap items-center gap-2">
                            <Badge tone={decisionTone[d.decision] ?? 'neutral'}>{decisionLabels[d.decision] ?? d.decision}</Badge>
                            {i === 0 ? <Badge tone="muted">latest</Badge> : null}
                            <span className="text-slate-600">{d.decided_by}</span>
                            <span className="ml-auto text-xs text-slate-500">
                              <RelativeTime iso={d.decided_at ?? null} />
                            </span>
                          </div>
                          {d.note ? <p className="mt-1 text-slate-600">{d.note}</p> : null}
                        </li>
                      ))}
                    </ul>
                  </div>
                ) : null}
              </CardBody>
            </Card>
          </div>
        </div>
      )}
    </>
  );
}
