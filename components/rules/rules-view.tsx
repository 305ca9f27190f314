'use client';

import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { signalLabel } from '@/components/lib/format';
import { usePreviewRules, useRules, useRuleVersions, useSaveRules } from '@/components/hooks/use-rules';
import type { RulesPreview } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows, ReadOnlyNotice } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import { changedSignals, type Draft, draftOf, type DraftErrors, mapFieldErrors, putBody, validateDraft } from './rule-form';
import { RuleRow } from './rule-row';
import { RulesPreviewPanel } from './rules-preview';
import type { UserRole } from '@/lib/schemas/enums';

function VersionHistory() {
  const q = useRuleVersions();
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
                  .filter(({ r, before }) => !before || before.threshold !== r.threshold || before.enabled !== r.enabled || before.params.severity !== r.params.severity)
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
                      <span key={r.signal} className="mr-3 inline-flex flex-wrap items-center gap-1">
                        {signalLabel(r.signal)}:{' '}
                        {!before ? (
                          <span className="font-semibold text-slate-900">added at its defaults</span>
                        ) : (
                          <>
                            {before.threshold !== r.threshold ? (
                              <>
                                <span className="font-mono text-slate-500 line-through">{before.threshold}</span> → <span className="font-mono font-semibold text-slate-900">{r.threshold}</span>
                              </>
                            ) : null}
                            {before.enabled !== r.enabled ? <span className="font-semibold text-slate-900">{r.enabled ? 'turned on' : 'turned off'}</span> : null}
                            {before.params.severity !== r.params.severity ? <span className="font-semibold text-slate-900">{String(r.params.severity)}</span> : null}
                          </>
                        )}
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
  const toast = useToast();
  const q = useRules();
  const [draft, setDraft] = useState<Draft>({});
  const [baseVersion, setBaseVersion] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [clientErrors, setClientErrors] = useState<DraftErrors>({});
  const [apiErrors, setApiErrors] = useState<{ bySignal: DraftErrors; general: string[] }>({ bySignal: {}, general: [] });
  const [saved, setSaved] = useState<number | null>(null);
  const canPreview = role === 'owner' || role === 'supervisor';
  const [days, setDays] = useState(7);
  const [preview, setPreview] = useState<{ result: RulesPreview; key: string } | null>(null);
  const runPreview = usePreviewRules();

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

  /** what the preview replays: the changed rules (or, with no change, the rules in force as they are) */
  const draftRules = useMemo(() => {
    if (!rules) return [];
    const changed = putBody(rules, draft, '').rules;
    return changed.length ? changed : [{ signal: rules[0].signal, threshold: rules[0].threshold }];
  }, [rules, draft]);
  const draftKey = JSON.stringify(draftRules);
  const previewStale = preview !== null && preview.key !== draftKey;

  function onPreview() {
    if (!rules || Object.keys(validateDraft(rules, draft)).length) return;
    const to = new Date();
    const from = new Date(to.getTime() - days * 86_400_000);
    const key = draftKey;
    runPreview.mutate({ rules: draftRules, from: from.toISOString(), to: to.toISOString() }, { onSuccess: (result) => setPreview({ result, key }) });
  }

  const save = useSaveRules({
    onSuccess: (set) => {
      setPreview(null);
      setDraft(draftOf(set.rules));
      setBaseVersion(set.version);
      setNote('');
      setSaved(set.version);
      toast({ tone: 'success', title: `Rules v${set.version} in force`, description: 'Runners pick up the new thresholds on their next fetch.' });
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
    const put = putBody(rules, draft, note);
    // the preview the owner saw of exactly this draft goes into the version's audit entry
    const body =
      preview && !previewStale
        ? { ...put, preview: { from: preview.result.from, to: preview.result.to, current: preview.result.current, draft: preview.result.draft, changes_total: preview.result.changes_total } }
        : put;
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
      <PageHeader
        title="Rules"
        description="The thresholds the classifier, the sweeper and every runner apply. Changes take effect as a new version; runners fetch them from GET /api/watchdog/rules."
      />
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
              <ul className="divide-y divide-slate-100" aria-label="Rules">
                {q.data.rules.map((r) => (
                  <RuleRow
                    key={r.signal}
                    rule={r}
                    draft={draft[r.signal]}
                    errors={clientErrors[r.signal] ?? apiErrors.bySignal[r.signal]}
                    canEdit={canEdit}
                    readOnlyId={readOnlyId}
                    onChange={(next) => {
                      const nextDraft = { ...draft, [r.signal]: next };
                      setDraft(nextDraft);
                      // checked as typed, with the server's own schema
                      setClientErrors(validateDraft(q.data.rules, nextDraft));
                    }}
                  />
                ))}
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
                  <InlineAlert title="The rules were not saved">Fix the highlighted values and save again.</InlineAlert>
                ) : null}
                {stale ? (
                  <InlineAlert tone="warning" title="The rules changed while you were editing">
                    Version {q.data.version} is now in force. Saving will replace it with your thresholds.
                  </InlineAlert>
                ) : null}
                {saved ? (
                  <InlineAlert tone="success" title={`Saved as version ${saved}`}>
                    The new thresholds are in force.
                  </InlineAlert>
                ) : null}
                <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
                  <div className="flex-1 sm:max-w-md">
                    <label htmlFor="rules-note" className="mb-1.5 block text-sm font-medium text-slate-700">
                      Change note <span className="font-normal text-slate-500">(optional, audited)</span>
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
                    <Button
                      type="submit"
                      variant="primary"
                      disabled={!canEdit || !dirty || Object.keys(clientErrors).length > 0}
                      loading={save.isPending}
                      aria-describedby={canEdit ? 'save-help' : readOnlyId}
                    >
                      Publish
                    </Button>
                  </div>
                </div>
                <p id="save-help" className="text-xs text-slate-500">
                  {canEdit
                    ? dirty
                      ? Object.keys(clientErrors).length
                        ? 'Fix the highlighted values to save.'
                        : `${changedSignals(q.data.rules, draft).length} rule(s) changed. Publishing creates version ${q.data.version + 1}${preview && !previewStale ? ' and records the preview in its audit entry' : ' — preview it first to see what it would change'}.`
                      : 'No changes: edit a value, a severity or a switch to publish a new version.'
                    : 'Only the owner can publish rules.'}
                </p>
              </div>
            </form>
          )}
        </Card>
        {canPreview && q.data ? (
          <RulesPreviewPanel days={days} onDays={setDays} onRun={onPreview} running={runPreview.isPending} error={runPreview.error} preview={preview?.result ?? null} stale={previewStale} />
        ) : null}
        <VersionHistory />
      </div>
    </>
  );
}
