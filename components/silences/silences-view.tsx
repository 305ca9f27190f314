'use client';

import { useTranslations } from 'next-intl';
import { useErrorText } from '@/components/lib/use-error-text';
import { type Format, useFormat } from '@/components/lib/use-format';
import { useEndSilence, useSilences } from '@/components/hooks/use-silences';
import type { Silence } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { ClockIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';

const groups = ['active', 'pending', 'expired'] as const;

function matcherText(t: ReturnType<typeof useTranslations<'silences'>>, f: Format, s: Silence): string {
  const m = s.matchers;
  return [m.signal ? t('matchSignal', { signal: f.signal(m.signal) }) : null, m.worker_id ? t('matchWorker', { worker: m.worker_id }) : null, m.job_id ? t('matchJob', { job: m.job_id }) : null]
    .filter(Boolean)
    .join(' · ');
}

/** Silences: active, pending and expired, who made them and why; "End now" for the ones still running. */
export function SilencesView({ canAct }: { canAct: boolean }) {
  const toast = useToast();
  const t = useTranslations('silences');
  const f = useFormat();
  const errorText = useErrorText();
  const q = useSilences();
  const end = useEndSilence({
    onSuccess: () => toast({ tone: 'success', title: t('endedTitle'), description: t('endedDescription') }),
    onError: (e) => toast({ tone: 'danger', title: t('notEnded'), description: errorText(e) }),
  });
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null} />
      {q.isPending ? (
        <Card>
          <LoadingRows rows={4} label={t('loading')} />
        </Card>
      ) : q.isError ? (
        <Card>
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        </Card>
      ) : (
        <div className="space-y-6">
          {groups.map((state) => {
            const list = q.data.silences.filter((s) => s.state === state);
            return (
              <Card key={state} aria-labelledby={`silences-${state}`}>
                <CardHeader id={`silences-${state}`} title={t('groupTitle', { state, count: f.number(list.length) })} description={t('groupDescription', { state })} />
                {list.length === 0 ? (
                  <EmptyState icon={<ClockIcon />} title={t('none', { state })} className="py-6" />
                ) : (
                  <ul className="divide-y divide-slate-100" aria-label={t('listLabel', { state })}>
                    {list.map((s) => (
                      <li key={s.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
                        <div className="min-w-0 flex-1">
                          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                            <span className="break-all">{matcherText(t, f, s)}</span>
                            <Badge tone={s.state === 'active' ? 'info' : s.state === 'pending' ? 'warning' : 'muted'}>{t('state', { state: s.state })}</Badge>
                          </p>
                          <p className="mt-0.5 break-words text-sm text-slate-700" data-recorded="">
                            {s.comment}
                          </p>
                          <p className="mt-0.5 text-xs text-slate-500">
                            {t('window', { name: s.created_by, start: f.timestamp(s.starts_at), end: f.timestamp(s.ends_at) })}
                            {s.ended_by ? ` · ${t('endedBy', { name: s.ended_by })}` : ''}
                          </p>
                        </div>
                        {s.state !== 'expired' ? (
                          <Button
                            size="sm"
                            variant="danger"
                            disabled={!canAct}
                            loading={end.isPending && end.variables === s.id}
                            onClick={() => end.mutate(s.id)}
                            aria-label={t('endNowLabel', { what: matcherText(t, f, s) })}
                          >
                            {t('endNow')}
                          </Button>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
            );
          })}
        </div>
      )}
    </>
  );
}
