'use client';

import { useTranslations } from 'next-intl';
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { useAcknowledgeIncident, useResolveIncident } from '@/components/hooks/use-incidents';
import { useCreateSilence } from '@/components/hooks/use-silences';
import type { Incident } from '@/components/lib/types';
import { cleanItems, ListEditor } from '@/components/learnings/list-editor';
import { Button } from '@/components/ui/button';
import { Input, Label, Select, Textarea } from '@/components/ui/field';
import { useToast } from '@/components/ui/toast';

type Panel = null | 'resolve' | 'silence';
const durations = ['1', '4', '24', 'custom'] as const;

/** A datetime-local value (the browser's local time) for a Date. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Acknowledge, Resolve (with a note) and Silence… for one open incident; used by the incidents list, its detail and the job story. */
export function IncidentActions({ incident, canAct, compact, onResolved }: { incident: Incident; canAct: boolean; compact?: boolean; onResolved?: () => void }) {
  const toast = useToast();
  const t = useTranslations('incidents.actions');
  const f = useFormat();
  const errorText = useErrorText();
  // focus stays on the incident's buttons: after Acknowledge (which goes away) it moves to Resolve
  const resolveRef = useRef<HTMLButtonElement>(null);
  const [focusResolve, setFocusResolve] = useState(false);
  useEffect(() => {
    if (focusResolve && incident.acknowledged_at) {
      resolveRef.current?.focus();
      setFocusResolve(false);
    }
  }, [focusResolve, incident.acknowledged_at]);
  const uid = useId();
  const [panel, setPanel] = useState<Panel>(null);
  const [note, setNote] = useState('');
  const [learned, setLearned] = useState<string[]>(['']);
  const [checks, setChecks] = useState<string[]>(['']);
  const [assumptions, setAssumptions] = useState<string[]>(['']);
  const [duration, setDuration] = useState<(typeof durations)[number]>('1');
  const [until, setUntil] = useState(() => localInput(new Date(Date.now() + 2 * 3_600_000)));
  const [match, setMatch] = useState({ signal: true, worker: Boolean(incident.worker_id), job: Boolean(incident.job_id) });
  const [comment, setComment] = useState('');
  const ack = useAcknowledgeIncident(incident.id, {
    onSuccess: () => {
      setFocusResolve(true);
      toast({ tone: 'success', title: t('acknowledgedTitle'), description: t('acknowledgedDescription') });
    },
    onError: (e) => toast({ tone: 'danger', title: t('notAcknowledged'), description: errorText(e) }),
  });
  const resolve = useResolveIncident(incident.id, {
    onSuccess: () => {
      toast({ tone: 'success', title: t('resolvedTitle'), description: t('resolvedDescription') });
      setPanel(null);
      setNote('');
      setLearned(['']);
      setChecks(['']);
      setAssumptions(['']);
      onResolved?.();
    },
  });
  const resolveBody = () => {
    const body = { note, learned: cleanItems(learned), next_worker_should_check: cleanItems(checks), assumptions_to_test: cleanItems(assumptions) };
    return body.learned.length || body.next_worker_should_check.length || body.assumptions_to_test.length ? body : { note };
  };
  const silence = useCreateSilence({
    onSuccess: (r) => {
      toast({ tone: 'success', title: t('silencedTitle'), description: t('silencedDescription', { time: f.timestamp(r.silence.ends_at) }) });
      setPanel(null);
      setComment('');
    },
  });
  const silenceBody = () => {
    const ends = duration === 'custom' ? new Date(until) : new Date(Date.now() + Number(duration) * 3_600_000);
    return {
      matchers: {
        ...(match.signal ? { signal: incident.signal } : {}),
        ...(match.worker && incident.worker_id ? { worker_id: incident.worker_id } : {}),
        ...(match.job && incident.job_id ? { job_id: incident.job_id } : {}),
      },
      ends_at: Number.isNaN(ends.getTime()) ? until : ends.toISOString(),
      comment: comment.trim(),
    };
  };
  if (incident.status !== 'open') return null;
  const fieldError = (m: typeof resolve | typeof silence, path: string) =>
    m.error instanceof ApiError ? m.error.fieldErrors.find((f) => f.path === path || f.path.startsWith(path + '.'))?.message : undefined;
  const otherError = (m: typeof resolve | typeof silence) => (m.error && !(m.error instanceof ApiError && m.error.fieldErrors.length) ? errorText(m.error) : null);
  const target = incident.job_id ?? incident.worker_id;
  const what = target ? t('whatOn', { signal: f.signal(incident.signal), target }) : f.signal(incident.signal);

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {incident.acknowledged_at ? null : (
          <Button size="sm" variant="primary" onClick={() => ack.mutate()} loading={ack.isPending} disabled={!canAct} aria-label={compact ? t('acknowledgeLabel', { what }) : undefined}>
            {t('acknowledge')}
          </Button>
        )}
        <Button
          ref={resolveRef}
          size="sm"
          onClick={() => setPanel(panel === 'resolve' ? null : 'resolve')}
          disabled={!canAct}
          aria-expanded={panel === 'resolve'}
          aria-label={compact ? t('resolveLabel', { what }) : undefined}
        >
          {t('resolve')}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => setPanel(panel === 'silence' ? null : 'silence')}
          disabled={!canAct}
          aria-expanded={panel === 'silence'}
          aria-label={compact ? t('silenceLabel', { what }) : undefined}
        >
          {t('silence')}
        </Button>
      </div>
      {panel === 'resolve' ? (
        <form
          className="max-w-lg space-y-2 rounded-lg border border-slate-200 bg-slate-50 p-3"
          aria-label={t('resolveLabel', { what })}
          onSubmit={(e) => {
            e.preventDefault();
            if (note.trim()) resolve.mutate(resolveBody());
          }}
        >
          <Label htmlFor={`${uid}-note`} hint={t('required')}>
            {t('resolutionNote')}
          </Label>
          <Textarea
            id={`${uid}-note`}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            maxLength={2000}
            required
            placeholder={t('resolutionPlaceholder')}
            aria-invalid={fieldError(resolve, 'note') ? true : undefined}
          />
          {fieldError(resolve, 'note') ? <p className="text-xs text-rose-600">{fieldError(resolve, 'note')}</p> : null}
          <details className="rounded-md border border-slate-200 bg-white p-2">
            <summary className="cursor-pointer text-sm font-medium text-slate-700">{t('learnedSummary')}</summary>
            <p className="mt-1 text-xs text-slate-600">{t('learnedHint', { signal: f.signal(incident.signal) })}</p>
            <div className="mt-2 space-y-3">
              <ListEditor id={`${uid}-learned`} label={t('learned')} items={learned} onChange={setLearned} error={fieldError(resolve, 'learned')} />
              <ListEditor id={`${uid}-checks`} label={t('nextWorkerShouldCheck')} items={checks} onChange={setChecks} error={fieldError(resolve, 'next_worker_should_check')} />
              <ListEditor id={`${uid}-assumptions`} label={t('assumptionsToTest')} items={assumptions} onChange={setAssumptions} error={fieldError(resolve, 'assumptions_to_test')} />
            </div>
          </details>
          {otherError(resolve) ? <p className="text-xs text-rose-600">{otherError(resolve)}</p> : null}
          <div className="flex gap-2">
            <Button type="submit" size="sm" variant="success" loading={resolve.isPending} disabled={!note.trim()}>
              {t('resolveIncident')}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setPanel(null)}>
              {t('cancel')}
            </Button>
          </div>
        </form>
      ) : null}
      {panel === 'silence' ? (
        <form
          className="max-w-lg space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-3"
          aria-label={t('silenceLabel', { what })}
          onSubmit={(e) => {
            e.preventDefault();
            if (comment.trim()) silence.mutate(silenceBody());
          }}
        >
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-slate-700">{t('silenceMatching')}</legend>
            <div className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700">
              <label className="inline-flex items-center gap-1.5">
                <input type="checkbox" checked={match.signal} onChange={(e) => setMatch({ ...match, signal: e.target.checked })} /> {t('matchSignal', { signal: f.signal(incident.signal) })}
              </label>
              {incident.worker_id ? (
                <label className="inline-flex items-center gap-1.5">
                  <input type="checkbox" checked={match.worker} onChange={(e) => setMatch({ ...match, worker: e.target.checked })} />{' '}
                  {t.rich('matchWorker', { worker: incident.worker_id, mono: (chunks) => <span className="font-mono">{chunks}</span> })}
                </label>
              ) : null}
              {incident.job_id ? (
                <label className="inline-flex items-center gap-1.5">
                  <input type="checkbox" checked={match.job} onChange={(e) => setMatch({ ...match, job: e.target.checked })} />{' '}
                  {t.rich('matchJob', { job: incident.job_id, mono: (chunks) => <span className="break-all font-mono">{chunks}</span> })}
                </label>
              ) : null}
            </div>
            {fieldError(silence, 'matchers') ? <p className="mt-1 text-xs text-rose-600">{fieldError(silence, 'matchers')}</p> : null}
          </fieldset>
          <div className="grid gap-2 sm:grid-cols-2">
            <div>
              <Label htmlFor={`${uid}-duration`}>{t('duration')}</Label>
              <Select id={`${uid}-duration`} value={duration} onChange={(e) => setDuration(e.target.value as typeof duration)}>
                {durations.map((d) => (
                  <option key={d} value={d}>
                    {d === 'custom' ? t('custom') : t('hours', { hours: Number(d) })}
                  </option>
                ))}
              </Select>
            </div>
            {duration === 'custom' ? (
              <div>
                <Label htmlFor={`${uid}-until`}>{t('until')}</Label>
                <Input id={`${uid}-until`} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} aria-invalid={fieldError(silence, 'ends_at') ? true : undefined} />
              </div>
            ) : null}
          </div>
          {fieldError(silence, 'ends_at') ? <p className="text-xs text-rose-600">{fieldError(silence, 'ends_at')}</p> : null}
          <div>
            <Label htmlFor={`${uid}-comment`} hint={t('required')}>
              {t('why')}
            </Label>
            <Input id={`${uid}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} required placeholder={t('whyPlaceholder')} />
          </div>
          {otherError(silence) ? <p className="text-xs text-rose-600">{otherError(silence)}</p> : null}
          <div className="flex gap-2">
            <Button type="submit" size="sm" variant="primary" loading={silence.isPending} disabled={!comment.trim()}>
              {t('createSilence')}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setPanel(null)}>
              {t('cancel')}
            </Button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
