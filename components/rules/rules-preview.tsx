'use client';

import Link from 'next/link';
import { errorMessage } from '@/components/lib/api';
import { formatDuration, formatPercent, signalLabel } from '@/components/lib/format';
import type { RulesPreview } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Select } from '@/components/ui/field';
import { EmptyState, InlineAlert } from '@/components/ui/states';
import { Timestamp } from '@/components/ui/time';
import { signals } from '@/lib/schemas/common';

export const PREVIEW_RANGES = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 14, label: 'Last 14 days' },
  { days: 31, label: 'Last 31 days' },
] as const;

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
  return (
    <Card aria-labelledby="preview-title">
      <CardHeader
        id="preview-title"
        title="Preview"
        description="Replays the stored evidence (helper events, lease history and heartbeats, artifact checks) through your draft and the rules in force. Nothing is written."
        actions={
          <div className="flex flex-wrap items-end gap-2">
            <div>
              <label htmlFor="preview-range" className="mb-1 block text-xs font-medium text-slate-700">
                Evidence window
              </label>
              <Select id="preview-range" value={String(props.days)} onChange={(e) => props.onDays(Number(e.target.value))}>
                {PREVIEW_RANGES.map((r) => (
                  <option key={r.days} value={r.days}>
                    {r.label}
                  </option>
                ))}
              </Select>
            </div>
            <Button variant="secondary" onClick={props.onRun} loading={props.running}>
              Preview
            </Button>
          </div>
        }
      />
      <div className="space-y-4 px-4 py-4 sm:px-5">
        {props.error ? <InlineAlert title="The preview did not run">{errorMessage(props.error)}</InlineAlert> : null}
        {props.stale && preview ? (
          <InlineAlert tone="warning" title="The draft changed since this preview">
            Run the preview again to see the effect of the current draft.
          </InlineAlert>
        ) : null}
        {!preview ? (
          <p className="text-sm text-slate-600">Edit a threshold, a severity or a switch, then run the preview to see what the draft would detect before you publish it.</p>
        ) : (
          <PreviewResult preview={preview} />
        )}
      </div>
    </Card>
  );
}

function PreviewResult({ preview }: { preview: RulesPreview }) {
  const rows = signals.filter((s) => preview.current.incidents_by_signal[s] || preview.draft.incidents_by_signal[s]);
  return (
    <div className="space-y-4" aria-live="polite">
      <p className="text-sm text-slate-600">
        <Timestamp iso={preview.from} /> – <Timestamp iso={preview.to} />: rules v{preview.current.version} against the draft.
      </p>
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3" aria-label="Figures before and after">
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">Coverage</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.coverage} after={preview.draft.coverage} format={(v) => formatPercent(v, 1)} />
          </dd>
        </div>
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">MTTD</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.mttd_s} after={preview.draft.mttd_s} format={formatDuration} />
          </dd>
        </div>
        <div className="rounded-lg bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs font-medium text-slate-600">Jobs with incidents</dt>
          <dd className="mt-1 text-sm text-slate-700">
            <Delta before={preview.current.jobs_with_incidents} after={preview.draft.jobs_with_incidents} format={(v) => String(v ?? 0)} />
          </dd>
        </div>
      </dl>
      <div className="overflow-x-auto">
        <table className="min-w-full text-sm" aria-label="Incidents per signal">
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
              <th scope="col" className="py-2 pr-4 font-medium">
                Signal
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">
                Now
              </th>
              <th scope="col" className="py-2 text-right font-medium">
                With the draft
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={3} className="py-3 text-slate-600">
                  Neither rule set detects anything in this window.
                </td>
              </tr>
            ) : (
              rows.map((s) => {
                const a = preview.current.incidents_by_signal[s];
                const b = preview.draft.incidents_by_signal[s];
                return (
                  <tr key={s} className="border-b border-slate-100">
                    <th scope="row" className="py-2 pr-4 text-left font-normal text-slate-800">
                      {signalLabel(s)}
                    </th>
                    <td className="py-2 pr-4 text-right tabular-nums">{a}</td>
                    <td className="py-2 text-right tabular-nums">
                      <span className={a !== b ? 'font-semibold text-slate-900' : undefined}>{b}</span>
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
          Changes <Badge tone={preview.changes_total ? 'warning' : 'success'}>{preview.changes_total}</Badge>
          {preview.changes_total > preview.changes.length ? <span className="ml-2 text-xs font-normal text-slate-600">the first {preview.changes.length} by time</span> : null}
        </h3>
        {preview.changes.length === 0 ? (
          <EmptyState title="No changes" description="The draft detects the same things at the same times as the rules in force." />
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full text-sm" aria-label="Detections that would change">
              <thead>
                <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Job or worker
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Signal
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Detected now
                  </th>
                  <th scope="col" className="py-2 font-medium">
                    Would be detected
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
                          worker {c.worker_id}
                        </Link>
                      )}
                    </td>
                    <td className="py-2 pr-4">{signalLabel(c.signal)}</td>
                    <td className="py-2 pr-4">{c.current_detected_at ? <Timestamp iso={c.current_detected_at} /> : <span className="text-slate-600">not detected</span>}</td>
                    <td className="py-2">{c.draft_detected_at ? <Timestamp iso={c.draft_detected_at} /> : <span className="text-slate-600">not detected</span>}</td>
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
