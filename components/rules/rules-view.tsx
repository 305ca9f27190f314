'use client';

import { useTranslations } from 'next-intl';
import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
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
import { changedSignals, type Draft, draftOf, type DraftErrors, type GeneralError, mapFieldErrors, putBody, validateDraft } from './rule-form';
import { RuleRow } from './rule-row';
import { RulesPreviewPanel } from './rules-preview';
import { useProblemText } from './use-problem-text';
import type { UserRole } from '@/lib/schemas/enums';

function VersionHistory() {
  const t = useTranslations('rules');
  const f = useFormat();
  const q = useRuleVersions();
  const severityText = (v: unknown) => (v === 'warning' || v === 'critical' ? t(`severity.${v}`) : String(v));
  return (
    <Card aria-labelledby="versions-title">
      <CardHeader id="versions-title" title={t('history.title')} description={t('history.description')} />
      {q.isPending ? (
        <LoadingRows rows={3} label={t('history.loading')} />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.versions.length === 0 ? (
        <EmptyState title={t('history.empty')} />
      ) : (
        <ol className="divide-y divide-slate-100" aria-label={t('history.label')}>
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
                  {i === 0 ? <Badge tone="success">{t('history.inForce')}</Badge> : null}
                  <RoleBadge role={v.updated_by_role} />
                  <span className="text-sm text-slate-700">{v.updated_by}</span>
                  <span className="ml-auto text-xs text-slate-500" title={v.updated_at}>
                    <RelativeTime iso={v.updated_at} />
                  </span>
                </div>
                <p className="mt-1.5 text-sm text-slate-600">
                  {!prev ? (
                    t('history.defaults')
                  ) : changes.length === 0 ? (
                    <span>{t('history.confirmed')}</span>
                  ) : (
                    changes.map(({ r, before }) => (
                      <span key={r.signal} className="mr-3 inline-flex flex-wrap items-center gap-1">
                        {t('history.signal', { signal: f.signal(r.signal) })}{' '}
                        {!before ? (
                          <span className="font-semibold text-slate-900">{t('history.added')}</span>
                        ) : (
                          <>
                            {before.threshold !== r.threshold ? (
                              <>
                                <span className="font-mono text-slate-500 line-through">{before.threshold}</span> → <span className="font-mono font-semibold text-slate-900">{r.threshold}</span>
                              </>
                            ) : null}
                            {before.enabled !== r.enabled ? <span className="font-semibold text-slate-900">{r.enabled ? t('history.turnedOn') : t('history.turnedOff')}</span> : null}
                            {before.params.severity !== r.params.severity ? <span className="font-semibold text-slate-900">{severityText(r.params.severity)}</span> : null}
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
  const t = useTranslations('rules');
  const f = useFormat();
  const errorText = useErrorText();
  const problemText = useProblemText();
  const readOnlyId = useId();
  const toast = useToast();
  const q = useRules();
  const [draft, setDraft] = useState<Draft>({});
  const [baseVersion, setBaseVersion] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [clientErrors, setClientErrors] = useState<DraftErrors>({});
  const [apiErrors, setApiErrors] = useState<{ bySignal: DraftErrors; general: GeneralError[] }>({ bySignal: {}, general: [] });
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
      toast({ tone: 'success', title: t('saved.toast', { version: String(set.version) }), description: t('saved.toastHelp') });
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
        else setApiErrors({ bySignal: {}, general: [{ path: '', problem: { key: 'other', text: errorText(err) } }] });
      },
    });
  }

  const stale = q.data && baseVersion !== null && q.data.version !== baseVersion && dirty;

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <div className="space-y-6">
        {!canEdit ? (
          <ReadOnlyNotice id={readOnlyId}>{t.rich('readOnly', { role: f.label('role', role), owner: f.label('role', 'owner'), b: (chunks) => <strong>{chunks}</strong> })}</ReadOnlyNotice>
        ) : null}
        <Card aria-labelledby="rules-title">
          <CardHeader
            id="rules-title"
            title={q.data ? t('inForceVersion', { version: String(q.data.version) }) : t('inForce')}
            description={
              q.data ? (
                <>
                  {t.rich('savedBy', {
                    who: q.data.updated_by,
                    relative: () => <RelativeTime iso={q.data.updated_at} />,
                    exact: () => <Timestamp iso={q.data.updated_at} />,
                  })}
                </>
              ) : undefined
            }
          />
          {q.isPending ? (
            <LoadingRows rows={6} label={t('loading')} />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : (
            <form onSubmit={onSubmit} noValidate aria-label={t('formLabel')}>
              <ul className="divide-y divide-slate-100" aria-label={t('title')}>
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
                  <InlineAlert title={t('notSaved')}>
                    <ul className="list-inside list-disc">
                      {apiErrors.general.map((g, i) => (
                        <li key={i}>{g.path ? t('pathProblem', { path: g.path, problem: problemText(g.problem) }) : problemText(g.problem)}</li>
                      ))}
                    </ul>
                  </InlineAlert>
                ) : Object.keys(apiErrors.bySignal).length ? (
                  <InlineAlert title={t('notSaved')}>{t('fixAndSave')}</InlineAlert>
                ) : null}
                {stale ? (
                  <InlineAlert tone="warning" title={t('staleTitle')}>
                    {t('staleText', { version: String(q.data.version) })}
                  </InlineAlert>
                ) : null}
                {saved ? (
                  <InlineAlert tone="success" title={t('saved.title', { version: String(saved) })}>
                    {t('saved.text')}
                  </InlineAlert>
                ) : null}
                <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
                  <div className="flex-1 sm:max-w-md">
                    <label htmlFor="rules-note" className="mb-1.5 block text-sm font-medium text-slate-700">
                      {t.rich('note.label', { hint: (chunks) => <span className="font-normal text-slate-500">{chunks}</span> })}
                    </label>
                    <Input id="rules-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} readOnly={!canEdit} placeholder={canEdit ? t('note.placeholder') : t('ownerOnly')} />
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
                        {t('discard')}
                      </Button>
                    ) : null}
                    <Button
                      type="submit"
                      variant="primary"
                      disabled={!canEdit || !dirty || Object.keys(clientErrors).length > 0}
                      loading={save.isPending}
                      aria-describedby={canEdit ? 'save-help' : readOnlyId}
                    >
                      {t('publish')}
                    </Button>
                  </div>
                </div>
                <p id="save-help" className="text-xs text-slate-500">
                  {canEdit
                    ? dirty
                      ? Object.keys(clientErrors).length
                        ? t('help.fix')
                        : t('help.changed', {
                            count: changedSignals(q.data.rules, draft).length,
                            version: String(q.data.version + 1),
                            previewed: preview && !previewStale ? 'yes' : 'no',
                          })
                      : t('help.noChanges')
                    : t('help.ownerOnly')}
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
