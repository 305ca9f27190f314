'use client';

import { useTranslations } from 'next-intl';
import { useId, useMemo, useRef, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { type Format, useFormat } from '@/components/lib/use-format';
import { useTextMessage } from '@/components/lib/use-text-message';
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
import { type D30View, DEFAULT_COVERAGE_GOAL, type Kpi, type KpiTone, mapD30 } from './map-d30';
import { D30_DECISIONS, type D30Decision, type UserRole } from '@/lib/schemas/enums';

const DAY_MS = 86_400_000;
const toDateInput = (t: number) => new Date(t).toISOString().slice(0, 10);

const toneText: Record<KpiTone, string> = { success: 'text-emerald-700', warning: 'text-amber-700', danger: 'text-rose-700', neutral: 'text-slate-900' };
const toneBar: Record<KpiTone, string> = { success: 'bg-emerald-500', warning: 'bg-amber-400', danger: 'bg-rose-500', neutral: 'bg-slate-300' };

const verdict = (holds: boolean | null) =>
  holds === true
    ? { tone: 'success' as const, key: 'holds' as const }
    : holds === false
      ? { tone: 'danger' as const, key: 'doesNotHold' as const }
      : { tone: 'muted' as const, key: 'notEnoughData' as const };

/** A KPI's figure in the reader's format: a percentage, a count or a duration ("—" when nothing was measured). */
function kpiValue(k: Kpi, f: Format): string {
  return k.kind === 'percent' ? f.percent(k.raw) : k.kind === 'duration' ? f.duration(k.raw) : f.number(k.raw);
}

/** A KPI's hint with its arguments worded: rates as percentages, counts as numbers. */
function useKpiHint() {
  const t = useTranslations('metrics');
  const f = useFormat();
  return (k: Kpi): string => {
    switch (k.key) {
      case 'coverage':
        return t('kpi.coverage.hint', { goal: f.percent(k.hint.goal) });
      case 'retry_success_rate':
        return t('kpi.retry_success_rate.hint', { recovered: f.number(k.hint.recovered), retries: f.number(k.hint.retries) });
      case 'gate_pass_rate':
        return t('kpi.gate_pass_rate.hint', { passed: f.number(k.hint.passed), failed: f.number(k.hint.failed) });
      default:
        return t(`kpi.${k.key}.hint`);
    }
  };
}

const isDecision = (d: string): d is D30Decision => (D30_DECISIONS as readonly string[]).includes(d);

/** The rollout's assumptions, each with the figure that decides it and its verdict. */
function Assumptions({ v }: { v: D30View }) {
  const t = useTranslations('metrics');
  const say = useTextMessage('metrics.assumption');
  if (!v.assumptions.length) return null;
  return (
    <Card aria-labelledby="assumptions-title">
      <CardHeader id="assumptions-title" title={t('assumptions.title')} description={t('assumptions.description')} />
      <ul className="divide-y divide-slate-100">
        {v.assumptions.map((a) => {
          const vd = verdict(a.holds);
          return (
            <li key={a.text} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-start sm:gap-4 sm:px-5">
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium text-slate-900">{say(a.text_message, a.text)}</p>
                <p className="mt-0.5 text-sm text-slate-600">{say(a.detail_message, a.detail)}</p>
              </div>
              <div className="flex shrink-0 flex-wrap items-center gap-2 sm:flex-col sm:items-end">
                <Badge tone={vd.tone}>{t(`assumptions.${vd.key}`)}</Badge>
                <span className="text-xs tabular-nums text-slate-600">{say(a.figure_message, a.figure)}</span>
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
  const t = useTranslations('metrics');
  const f = useFormat();
  const hint = useKpiHint();
  const kpi = v.kpis[0];
  const value = kpiValue(kpi, f);
  const pct = Math.min(100, Math.max(0, (v.coverage.value ?? 0) * 100));
  return (
    <Card className="col-span-2 p-4 sm:p-5">
      <div className="flex items-start justify-between gap-3">
        <div>
          <p className="text-sm font-medium text-slate-500">{t('coverage.title')}</p>
          <p className={cn('mt-1 text-4xl font-semibold tabular-nums tracking-tight', toneText[kpi.tone])}>{value}</p>
        </div>
        <Badge tone={v.coverage.value === null ? 'muted' : v.coverage.met ? 'success' : 'danger'} dot>
          {v.coverage.value === null ? t('coverage.noData') : v.coverage.met ? t('coverage.met') : t('coverage.below', { gap: f.percent(v.coverage.gap) })}
        </Badge>
      </div>
      <div
        className="relative mt-5 h-3 rounded-full bg-slate-100"
        role="meter"
        aria-label={t('kpi.coverage.label')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v.coverage.value === null ? undefined : Math.round(pct)}
        aria-valuetext={t('coverage.valueText', { value, goal: f.percent(v.coverage.goal) })}
      >
        <div className={cn('h-full rounded-full', toneBar[kpi.tone])} style={{ width: `${pct}%` }} />
        <div className="absolute -top-1.5 h-6 w-0.5 rounded bg-slate-900" style={{ left: `${v.coverage.goal * 100}%` }} aria-hidden />
        <span className="absolute top-5 -translate-x-1/2 whitespace-nowrap text-[11px] font-medium text-slate-600" style={{ left: `${v.coverage.goal * 100}%` }}>
          {t('coverage.goal', { goal: f.percent(v.coverage.goal) })}
        </span>
      </div>
      <p className="mt-7 text-xs text-slate-500">{hint(kpi)}</p>
    </Card>
  );
}

function Kpis({ v }: { v: D30View }) {
  const t = useTranslations('metrics');
  const f = useFormat();
  const hint = useKpiHint();
  return (
    <div className="grid grid-cols-2 gap-4 md:grid-cols-4 xl:grid-cols-7">
      <CoverageCard v={v} />
      {v.kpis.slice(1).map((k) => (
        <Card key={k.key} className="p-4">
          <p className="text-sm font-medium text-slate-500">{t(`kpi.${k.key}.label`)}</p>
          <p className={cn('mt-1 text-2xl font-semibold tabular-nums tracking-tight', toneText[k.tone])}>{kpiValue(k, f)}</p>
          <p className="mt-1 text-xs leading-snug text-slate-500">{hint(k)}</p>
        </Card>
      ))}
    </div>
  );
}

function DecisionForm({ v, canDecide, role, shown }: { v: D30View; canDecide: boolean; role: string; shown: { from: string; to: string } }) {
  const toast = useToast();
  const t = useTranslations('metrics');
  const f = useFormat();
  const errorText = useErrorText();
  const readOnlyId = useId();
  const noteErrorId = useId();
  const [decision, setDecision] = useState<string>(isDecision(v.recommendation.decision) ? v.recommendation.decision : 'continue');
  const [note, setNote] = useState('');
  const [missingNote, setMissingNote] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  // deciding otherwise than the figures recommend needs a reason (the server refuses it too)
  const noteRequired = decision !== v.recommendation.decision;
  const record = useD30Decision({
    onSuccess: () => {
      setNote('');
      toast({ tone: 'success', title: t('decision.recorded'), description: t('decision.recordedHelp', { decision: f.label('decision', decision) }) });
    },
  });
  const fieldErrors = record.error instanceof ApiError ? record.error.fieldErrors : [];
  const serverNoteError = fieldErrors.find((f) => f.path === 'note')?.message;
  const noteError = missingNote ? t('decision.noteMissing') : serverNoteError;
  return (
    <form
      aria-label={t('decision.formLabel')}
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
        <ReadOnlyNotice id={readOnlyId}>{t.rich('decision.readOnly', { role: f.label('role', role), owner: f.label('role', 'owner'), b: (chunks) => <strong>{chunks}</strong> })}</ReadOnlyNotice>
      ) : null}
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">{t('decision.legend')}</legend>
        <div className="grid gap-2 sm:grid-cols-3">
          {D30_DECISIONS.map((value) => (
            <label
              key={value}
              className={cn(
                'flex cursor-pointer items-start gap-2.5 rounded-lg border px-3 py-2.5 text-sm transition-colors has-[:disabled]:cursor-not-allowed',
                decision === value ? 'border-indigo-500 bg-indigo-50/60 ring-1 ring-indigo-500' : 'border-slate-200 hover:bg-slate-50',
              )}
            >
              <input type="radio" name="d30-decision" value={value} checked={decision === value} onChange={() => setDecision(value)} disabled={!canDecide} className="mt-0.5 accent-indigo-600" />
              <span>
                <span className="font-medium text-slate-900">{f.label('decision', value)}</span>
                {value === v.recommendation.decision ? <span className="block text-xs text-indigo-600">{t('decision.recommended')}</span> : null}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <Label htmlFor="d30-note" hint={noteRequired ? t('decision.noteRequired') : t('decision.noteOptional')}>
          {t('decision.note')}
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
          placeholder={canDecide ? t('decision.notePlaceholder') : t('decision.ownerOnly')}
        />
        {noteError ? (
          <p id={noteErrorId} className="mt-1 text-sm text-rose-700">
            {noteError}
          </p>
        ) : null}
      </div>
      {record.isError && !serverNoteError ? (
        <InlineAlert title={t('decision.notRecorded')}>
          {fieldErrors.length ? fieldErrors.map((e) => t('decision.fieldError', { path: e.path, message: e.message })).join(t('decision.fieldErrorSeparator')) : errorText(record.error)}
        </InlineAlert>
      ) : null}
      <Button type="submit" variant="primary" disabled={!canDecide} loading={record.isPending} aria-describedby={canDecide ? undefined : readOnlyId}>
        {t('decision.record')}
      </Button>
    </form>
  );
}

function MetricsSkeleton() {
  const t = useTranslations('metrics');
  return (
    <div role="status" aria-label={t('loading')} className="space-y-6">
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
  const t = useTranslations('metrics');
  const f = useFormat();
  const sayReason = useTextMessage('metrics.reason');
  const [range, setRange] = useState(() => {
    const today = Date.now();
    return { from: toDateInput(today - 29 * DAY_MS), to: toDateInput(today) };
  });
  const rangeError = range.from && range.to && range.from > range.to ? t('range.error') : null;
  const fromIso = `${range.from}T00:00:00.000Z`;
  const toIso = range.to ? new Date(Date.parse(`${range.to}T00:00:00.000Z`) + DAY_MS - 1).toISOString() : '';
  const q = useD30(fromIso, toIso, Boolean(range.from && range.to && !rangeError));
  const v = useMemo(() => (q.data ? mapD30(q.data) : null), [q.data]);
  const missingEndpoint = q.error instanceof ApiError && q.error.status === 404;

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description', { goal: f.percent(DEFAULT_COVERAGE_GOAL) })}
        actions={v ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
      />
      <Card className="mb-6">
        <div className="flex flex-wrap items-end gap-3 px-4 py-3 sm:px-5">
          <div>
            <Label htmlFor="d30-from">{t('range.from')}</Label>
            <div className="w-40">
              <Input id="d30-from" type="date" value={range.from} max={range.to || undefined} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} />
            </div>
          </div>
          <div>
            <Label htmlFor="d30-to">{t('range.to')}</Label>
            <div className="w-40">
              <Input id="d30-to" type="date" value={range.to} min={range.from || undefined} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} />
            </div>
          </div>
          <div className="flex gap-1.5 pb-0.5">
            {[7, 14, 30].map((n) => (
              <Button key={n} size="sm" variant="ghost" onClick={() => setRange({ from: toDateInput(Date.now() - (n - 1) * DAY_MS), to: toDateInput(Date.now()) })}>
                {t('range.last', { days: n })}
              </Button>
            ))}
          </div>
          {rangeError ? <p className="w-full text-sm text-rose-600">{rangeError}</p> : null}
        </div>
      </Card>

      {!v ? (
        q.isError ? (
          <Card>
            {missingEndpoint ? <EmptyState icon={<ChartIcon />} title={t('missing.title')} description={t('missing.description')} /> : <ErrorState error={q.error} onRetry={() => void q.refetch()} />}
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
              <EmptyState icon={<ChartIcon />} title={t('noActivity.title')} description={t('noActivity.description')} />
            </Card>
          )}

          <Assumptions v={v} />

          <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)] lg:items-start">
            <Card aria-labelledby="recommendation-title">
              <CardHeader id="recommendation-title" title={t('recommendation.title')} description={t('recommendation.description')} />
              <CardBody>
                <div className="flex items-center gap-3">
                  <Badge tone={decisionTone[v.recommendation.decision] ?? 'neutral'} className="px-3 py-1 text-sm">
                    {f.label('decision', v.recommendation.decision)}
                  </Badge>
                </div>
                {v.recommendation.reasons.length ? (
                  <ul className="mt-4 space-y-2 text-sm text-slate-700">
                    {v.recommendation.reasons.map((r) => (
                      <li key={r.text} className="flex gap-2.5">
                        <span className="mt-2 size-1.5 shrink-0 rounded-full bg-slate-400" aria-hidden />
                        <span>{sayReason(r.message, r.text)}</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="mt-4 text-sm text-slate-500">{t('recommendation.noReasons')}</p>
                )}
              </CardBody>
            </Card>
            <Card aria-labelledby="decision-title">
              <CardHeader id="decision-title" title={t('decision.title')} description={t('decision.description')} />
              <CardBody>
                <DecisionForm key={v.recommendation.decision} v={v} canDecide={role === 'owner'} role={role} shown={{ from: fromIso, to: toIso }} />
                {v.decisions.length ? (
                  <div className="mt-6 border-t border-slate-100 pt-4">
                    <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{t('decision.recordedList')}</h3>
                    <ul className="mt-2 divide-y divide-slate-100">
                      {v.decisions.map((d, i) => (
                        <li key={d.id ?? `${d.decided_at}-${i}`} className="py-2.5 text-sm">
                          <div className="flex flex-wrap items-center gap-2">
                            <Badge tone={decisionTone[d.decision] ?? 'neutral'}>{isDecision(d.decision) ? f.label('decision', d.decision) : d.decision}</Badge>
                            {i === 0 ? <Badge tone="muted">{t('decision.latest')}</Badge> : null}
                            <span className="text-slate-600">{d.decided_by}</span>
                            <span className="ml-auto text-xs text-slate-500">
                              <RelativeTime iso={d.decided_at ?? null} />
                            </span>
                          </div>
                          {d.note ? (
                            // the team's own words, in whatever language they wrote them: data, not the page's prose
                            <p className="mt-1 text-slate-600" translate="no">
                              {d.note}
                            </p>
                          ) : null}
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
