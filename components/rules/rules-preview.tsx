'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import type { RulesPreview } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Select } from '@/components/ui/field';
import { EmptyState, InlineAlert } from '@/components/ui/states';
import { Timestamp } from '@/components/ui/time';
import { signals } from '@/lib/schemas/common';

/** The evidence windows the preview offers, in days (1: the last 24 hours). */
const PREVIEW_RANGES = [1, 7, 14, 31] as const;

function Delta({ before, after, format }: { before: number | null; after: number | null; format: (v: number | null) => string }) {
  const changed = before !== after;
  return (
    <span className="tabular-nums">
      {format(before)}
      {' → '}
      <span className={changed ? 'font-semibold text-slate-900' : undefined}>{format(after)}</span>
    </span>
  );
}

/**
 * "Preview": the draft replayed over the stored evidence beside the rules in force — incidents per
 * signal now and with the draft, coverage and MTTD before and after, and each job or worker whose
 * detection would change, linked to its story.
 */
export function RulesPreviewPanel(props: {
  days: number;
  onDays: (days: number) => void;
  onRun: () => void;
  running: boolean;
  error: unknown;
  preview: RulesPreview | null;
  /** the draft changed since this preview ran */
  stale: boolean;
}) {
  const { preview } = props;
  const t = useTranslations('rules');
  const errorText = useErrorText();
  return (
    <Card aria-labelledby="preview-title">
      <CardHeader
        id="preview-title"
        title={t('preview.title')}
        description={t('preview.description')}
        actions={
          <div className="flex flex-wrap items-end gap-2">
            <div>
              <label htmlFor="preview-range" className="mb-1 block text-xs font-medium text-slate-700">
                {t('preview.window')}
              </label>
              <Select id="preview-range" value={String(props.days)} onChange={(e) => props.onDays(Number(e.target.value))}>
                {PREVIEW_RANGES.map((days) => (
                  <option key={days} value={days}>
                    {days === 1 ? t('preview.last24h') : t('preview.lastDays', { days })}
                  </option>
                ))}
              </Select>
            </div>
            <Button variant="secondary" onClick={props.onRun} loading={props.running}>
              {t('preview.run')}
            </Button>
          </div>
        }
      />
      <div className="space-y-4 px-4 py-4 sm:px-5">
        {props.error ? <InlineAlert title={t('preview.failed')}>{errorText(props.error)}</InlineAlert> : null}
        {props.stale && preview ? (
          <InlineAlert tone="warning" title={t('preview.staleTitle')}>
            {t('preview.staleText')}
          </InlineAlert>
        ) : null}
        {!preview ? <p className="text-sm text-slate-600">{t('preview.intro')}</p> : <PreviewResult preview={preview} />}
      </div>
    </Card>
  );
}

function PreviewResult({ preview }: { preview: RulesPreview }) {
  const t = useTranslations('rules');
  const f = useFormat();
  const rows = signals.filter((s) => preview.current.incidents_by_signal[s] || preview.draft.incidents_by_signal[s]);
  return (
    <div className="space-y-4" aria-live="polite">
      <p className="text-sm text-slate-600">
        {t.rich('preview.range', {
          version: String(preview.current.version),
          from: () => <Timestamp iso={preview.from} />,
          to: () => <Timestamp iso={preview.to} />,
        })}
      </p>
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3" aria-label={t('preview.figures')}>
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">{t('preview.coverage')}</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.coverage} after={preview.draft.coverage} format={(v) => f.percent(v, 1)} />
          </dd>
        </div>
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">{t('preview.mttd')}</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.mttd_s} after={preview.draft.mttd_s} format={f.duration} />
          </dd>
        </div>
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">{t('preview.jobsWithIncidents')}</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.jobs_with_incidents} after={preview.draft.jobs_with_incidents} format={(v) => f.number(v ?? 0)} />
          </dd>
        </div>
      </dl>
      <div className="overflow-x-auto">
        <table className="min-w-full text-sm" aria-label={t('preview.perSignal')}>
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
              <th scope="col" className="py-2 pr-4 font-medium">
                {t('preview.signal')}
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">
                {t('preview.now')}
              </th>
              <th scope="col" className="py-2 text-right font-medium">
                {t('preview.withDraft')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={3} className="py-3 text-slate-600">
                  {t('preview.nothing')}
                </td>
              </tr>
            ) : (
              rows.map((s) => {
                const a = preview.current.incidents_by_signal[s];
                const b = preview.draft.incidents_by_signal[s];
                return (
                  <tr key={s} className="border-b border-slate-100">
                    <th scope="row" className="py-2 pr-4 text-left font-normal text-slate-800">
                      {f.signal(s)}
                    </th>
                    <td className="py-2 pr-4 text-right tabular-nums">{f.number(a)}</td>
                    <td className="py-2 text-right tabular-nums">
                      <span className={a !== b ? 'font-semibold text-slate-900' : undefined}>{f.number(b)}</span>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
      <div>
        <h3 className="mb-2 text-sm font-semibold text-slate-900">
          {t('preview.changes')} <Badge tone={preview.changes_total ? 'warning' : 'success'}>{f.number(preview.changes_total)}</Badge>
          {preview.changes_total > preview.changes.length ? <span className="ml-2 text-xs font-normal text-slate-600">{t('preview.firstByTime', { count: preview.changes.length })}</span> : null}
        </h3>
        {preview.changes.length === 0 ? (
          <EmptyState title={t('preview.noChanges')} description={t('preview.noChangesHelp')} />
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm" aria-label={t('preview.changesLabel')}>
              <thead>
                <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
                  <th scope="col" className="py-2 pr-4 font-medium">
                    {t('preview.subject')}
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    {t('preview.signal')}
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    {t('preview.detectedNow')}
                  </th>
                  <th scope="col" className="py-2 font-medium">
                    {t('preview.wouldBeDetected')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {preview.changes.map((c) => (
                  <tr key={`${c.job_id ?? `worker:${c.worker_id}`}|${c.signal}`} className="border-b border-slate-100 align-top">
                    <td className="py-2 pr-4">
                      {c.job_id ? (
                        <Link href={`/jobs/${encodeURIComponent(c.job_id)}`} className="font-mono text-sky-800 underline hover:text-sky-950">
                          {c.job_id}
                        </Link>
                      ) : (
                        <Link href={`/workers/${encodeURIComponent(c.worker_id ?? '')}`} className="font-mono text-sky-800 underline hover:text-sky-950">
                          {t('preview.worker', { worker: c.worker_id ?? '' })}
                        </Link>
                      )}
                    </td>
                    <td className="py-2 pr-4">{f.signal(c.signal)}</td>
                    <td className="py-2 pr-4">{c.current_detected_at ? <Timestamp iso={c.current_detected_at} /> : <span className="text-slate-600">{t('preview.notDetected')}</span>}</td>
                    <td className="py-2">{c.draft_detected_at ? <Timestamp iso={c.draft_detected_at} /> : <span className="text-slate-600">{t('preview.notDetected')}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
