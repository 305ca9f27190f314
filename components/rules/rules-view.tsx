'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError, apiFetch, errorMessage } from '@/components/lib/api';
import { signalLabel } from '@/components/lib/format';
import { queryKeys, SLOW_MS } from '@/components/lib/queries';
import type { RuleSet, RuleVersions } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Input } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows, ReadOnlyNotice } from '@/components/ui/states';
import { RoleBadge, SignalBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import { changedSignals, type Draft, draftOf, mapFieldErrors, putBody, thresholdUnits, validateDraft } from './rule-form';
import type { UserRole } from '@/lib/schemas/enums';

function paramText(params: Record<string, unknown>) {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' · ');
}

function VersionHistory() {
  const q = useQuery({ queryKey: queryKeys.ruleVersions, queryFn: ({ signal }) => apiFetch<RuleVersions>('/api/watchdog/rules/versions', { signal }), refetchInterval: SLOW_MS });
  return (
    <Card aria-labelledby="versions-title">
      <CardHeader id="versions-title" title="Version history" description="Every change is a new version; the old ones are kept. The highest version is in force." />
      {q.isPending ? (
        <LoadingRows rows={3} label="Loading versions" />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.versions.length === 0 ? (
        <EmptyState title="No versions" />
      ) : (
        <ol className="divide-y divide-slate-100" aria-label="Rule versions">
          {q.data.versions.map((v, i) => {
            const prev = q.data.versions[i + 1];
            const changes = prev
              ? v.rules
                  .map((r) => ({ r, before: prev.rules.find((p) => p.signal === r.signal) }))
                  .filter(({ r, before }) => before && before.threshold !== r.threshold)
              : [];
            return (
              <li key={v.version} className="px-4 py-3 sm:px-5">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="rounded-md bg-slate-900 px-2 py-0.5 font-mono text-xs font-semibold text-white">v{v.version}</span>
                  {i === 0 ? <Badge tone="success">in force</Badge> : null}
                  <RoleBadge role={v.updated_by_role} />
                  <span className="text-sm text-slate-700">{v.updated_by}</span>
                  <span className="ml-auto text-xs text-slate-500" title={v.updated_at}>
                    <RelativeTime iso={v.updated_at} />
                  </span>
                </div>
                <p className="mt-1.5 text-sm text-slate-600">
                  {!prev ? (
                    'The defaults of the contract.'
                  ) : changes.length === 0 ? (
                    <span>Confirmed without threshold changes.</span>
                  ) : (
                    changes.map(({ r, before }) => (
                      <span key={r.signal} className="mr-3 inline-flex items-center gap-1">
                        {signalLabel(r.signal)}: <span className="font-mono text-slate-400 line-through">{before!.threshold}</span> → <span className="font-mono font-semibold text-slate-900">{r.threshold}</span>
                      </span>
                    ))
                  )}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}

export function RulesView({ role }: { role: UserRole }) {
  const canEdit = role === 'owner';
  const readOnlyId = useId();
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: queryKeys.rules, queryFn: ({ signal }) => apiFetch<RuleSet>('/api/watchdog/rules', { signal }), refetchInterval: SLOW_MS });
  const [draft, setDraft] = useState<Draft>({});
  const [baseVersion, setBaseVersion] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [apiErrors, setApiErrors] = useState<{ bySignal: Record<string, string>; general: string[] }>({ bySignal: {}, general: [] });
  const [saved, setSaved] = useState<number | null>(null);

  const rules = q.data?.rules;
  const dirty = useMemo(() => (rules ? changedSignals(rules, draft).length > 0 : false), [rules, draft]);
  // Load (or reload, while nothing is being edited) the version in force into the form.
  useEffect(() => {
    if (!q.data) return;
    if (baseVersion === null || (!dirty && q.data.version !== baseVersion)) {
      setDraft(draftOf(q.data.rules));
      setBaseVersion(q.data.version);
    }
  }, [q.data, baseVersion, dirty]);

  const save = useMutation({
    mutationFn: (body: ReturnType<typeof putBody>) => apiFetch<RuleSet>('/api/watchdog/rules', { method: 'PUT', body }),
    onSuccess: (set) => {
      qc.setQueryData(queryKeys.rules, set);
      setDraft(draftOf(set.rules));
      setBaseVersion(set.version);
      setNote('');
      setSaved(set.version);
      toast({ tone: 'success', title: `Rules v${set.version} in force`, description: 'Runners pick up the new thresholds on their next fetch.' });
      void qc.invalidateQueries({ queryKey: queryKeys.ruleVersions });
      void qc.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });

  function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (!rules || !canEdit) return;
    setSaved(null);
    setApiErrors({ bySignal: {}, general: [] });
    const errs = validateDraft(rules, draft);
    setClientErrors(errs);
    if (Object.keys(errs).length) return;
    const body = putBody(rules, draft, note);
    save.mutate(body, {
      onError: (err) => {
        if (err instanceof ApiError && err.code === 'validation_failed') setApiErrors(mapFieldErrors(body.rules, err.fieldErrors));
        else setApiErrors({ bySignal: {}, general: [errorMessage(err)] });
      },
    });
  }

  const stale = q.data && baseVersion !== null && q.data.version !== baseVersion && dirty;

  return (
    <>
      <PageHeader title="Rules" description="The thresholds the classifier, the sweeper and every runner apply. Changes take effect as a new version; runners fetch them from GET /api/watchdog/rules." />
      <div className="space-y-6">
        {!canEdit ? (
          <ReadOnlyNotice id={readOnlyId}>
            Read only: you are signed in as <strong>{role}</strong>. Only the <strong>owner</strong> changes thresholds.
          </ReadOnlyNotice>
        ) : null}
        <Card aria-labelledby="rules-title">
          <CardHeader
            id="rules-title"
            title={q.data ? `Rules in force · v${q.data.version}` : 'Rules in force'}
            description={
              q.data ? (
                <>
                  Saved by {q.data.updated_by} <RelativeTime iso={q.data.updated_at} /> (<Timestamp iso={q.data.updated_at} />)
                </>
              ) : undefined
            }
          />
          {q.isPending ? (
            <LoadingRows rows={6} label="Loading rules" />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : (
            <form onSubmit={onSubmit} noValidate aria-label="Rule thresholds">
              <div className="hidden grid-cols-[11rem_13rem_1fr_1fr] gap-4 border-b border-slate-100 px-5 py-2.5 text-xs font-medium uppercase tracking-wide text-slate-500 md:grid" aria-hidden>
                <span>Signal</span>
                <span>Threshold</span>
                <span>Auto repair</span>
                <span>Escalate</span>
              </div>
              <ul className="divide-y divide-slate-100" aria-label="Rules">
                {q.data.rules.map((r) => {
                  const unit = thresholdUnits[r.signal];
                  const error = clientErrors[r.signal] ?? apiErrors.bySignal[r.signal];
                  const inputId = `threshold-${r.signal}`;
                  const changed = Number(draft[r.signal]) !== r.threshold && draft[r.signal] !== undefined;
                  return (
                    <li key={r.signal} className="grid grid-cols-1 gap-3 px-4 py-4 sm:px-5 md:grid-cols-[11rem_13rem_1fr_1fr] md:gap-4">
                      <div className="flex items-center justify-between gap-2 md:block">
                        <SignalBadge signal={r.signal} />
                        <p className="font-mono text-[11px] text-slate-400 md:mt-1">{r.signal}</p>
                      </div>
                      <div>
                        <label htmlFor={inputId} className="sr-only">
                          {`Threshold for ${r.signal}`}
                        </label>
                        <div className="flex items-center gap-2">
                          <div className="w-28 shrink-0">
                            <Input
                              id={inputId}
                              inputMode="decimal"
                              value={draft[r.signal] ?? ''}
                              onChange={(e) => setDraft((d) => ({ ...d, [r.signal]: e.target.value }))}
                              readOnly={!canEdit}
                              aria-readonly={!canEdit || undefined}
                              aria-invalid={error ? true : undefined}
                              aria-describedby={[error ? `${inputId}-error` : null, `${inputId}-help`, canEdit ? null : readOnlyId].filter(Boolean).join(' ')}
                              className={cn('text-right font-mono tabular-nums', changed && !error && 'ring-2 ring-indigo-400')}
                            />
                          </div>
                          <span className="text-xs text-slate-500">{unit?.unit}</span>
                          {changed && !error ? <Badge tone="accent">was {r.threshold}</Badge> : null}
                        </div>
                        <p id={`${inputId}-help`} className="mt-1 text-xs text-slate-400">
                          {unit?.help}
                        </p>
                        {error ? (
                          <p id={`${inputId}-error`} className="mt-1 text-xs font-medium text-rose-600">
                            {error}
                          </p>
                        ) : null}
                      </div>
                      <div className="text-sm text-slate-700">
                        <span className="mb-0.5 block text-xs font-medium uppercase tracking-wide text-slate-400 md:hidden">Auto repair</span>
                        {r.auto_repair}
                      </div>
                      <div className="text-sm text-slate-700">
                        <span className="mb-0.5 block text-xs font-medium uppercase tracking-wide text-slate-400 md:hidden">Escalate</span>
                        {r.escalate}
                        <p className="mt-1 font-mono text-[11px] text-slate-400">{paramText(r.params)}</p>
                      </div>
                    </li>
                  );
                })}
              </ul>
              <div className="space-y-3 border-t border-slate-100 px-4 py-4 sm:px-5">
                {apiErrors.general.length ? (
                  <InlineAlert title="The rules were not saved">
                    <ul className="list-inside list-disc">
                      {apiErrors.general.map((g) => (
                        <li key={g}>{g}</li>
                      ))}
                    </ul>
                  </InlineAlert>
                ) : Object.keys(apiErrors.bySignal).length ? (
                  <InlineAlert title="The rules were not saved">Fix the highlighted thresholds and save again.</InlineAlert>
                ) : null}
                {stale ? <InlineAlert tone="warning" title="The rules changed while you were editing">Version {q.data.version} is now in force. Saving will replace it with your thresholds.</InlineAlert> : null}
                {saved ? <InlineAlert tone="success" title={`Saved as version ${saved}`}>The new thresholds are in force.</InlineAlert> : null}
                <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
                  <div className="flex-1 sm:max-w-md">
                    <label htmlFor="rules-note" className="mb-1.5 block text-sm font-medium text-slate-700">
                      Change note <span className="font-normal text-slate-400">(optional, audited)</span>
                    </label>
                    <Input id="rules-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} readOnly={!canEdit} placeholder={canEdit ? 'Why the change' : 'Owner only'} />
                  </div>
                  <div className="flex items-center gap-2">
                    {canEdit && dirty ? (
                      <Button
                        variant="ghost"
                        onClick={() => {
                          setDraft(draftOf(q.data.rules));
                          setClientErrors({});
                          setApiErrors({ bySignal: {}, general: [] });
                        }}
                      >
                        Discard
                      </Button>
                    ) : null}
                    <Button type="submit" variant="primary" disabled={!canEdit} loading={save.isPending} aria-describedby={canEdit ? 'save-help' : readOnlyId}>
                      Save rules
                    </Button>
                  </div>
                </div>
                <p id="save-help" className="text-xs text-slate-500">
                  {canEdit
                    ? dirty
                      ? `${changedSignals(q.data.rules, draft).length} threshold(s) changed. Saving creates version ${q.data.version + 1}.`
                      : `No changes. Saving now records your confirmation of these thresholds as version ${q.data.version + 1} (rollout D1).`
                    : 'Only the owner can save rules.'}
                </p>
              </div>
            </form>
          )}
        </Card>
        <VersionHistory />
      </div>
    </>
  );
}
