'use client';

import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { usePathname, useRouter } from 'next/navigation';
import { useState } from 'react';
import { useLearnings } from '@/components/hooks/use-learnings';
import { signalOrder } from '@/components/lib/format';
import { useFormat } from '@/components/lib/use-format';
import type { Learning } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { Input, Label, Select } from '@/components/ui/field';
import { BulbIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows } from '@/components/ui/states';
import { SignalBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { LearningForm } from './learning-form';

const PAGE = 25;

export interface LearningFilters {
  signal: string;
  worker: string;
  job: string;
  add: boolean;
}

function Section({ title, items }: { title: string; items: string[] }) {
  if (!items.length) return null;
  return (
    <div>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      <ul className="mt-1 list-disc space-y-1 pl-5 text-sm text-slate-800">
        {items.map((t, i) => (
          <li key={i} className="break-words" data-recorded="">
            {t}
          </li>
        ))}
      </ul>
    </div>
  );
}

function LearningCard({ l }: { l: Learning }) {
  const t = useTranslations('learnings');
  return (
    <li className="space-y-3 px-4 py-4 sm:px-5">
      <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
        {l.signal ? <SignalBadge signal={l.signal} /> : <Badge>{t('card.noSignal')}</Badge>}
        <Badge tone={l.source === 'system' ? 'info' : 'neutral'}>{l.source === 'system' ? t('card.bySystem') : t('card.byPerson')}</Badge>
        {l.job_id ? (
          <Link href={`/jobs/${encodeURIComponent(l.job_id)}`} className="break-all font-mono text-indigo-700 underline-offset-2 hover:underline">
            {l.job_id}
          </Link>
        ) : null}
        {l.worker_id ? <span className="break-all">{t('card.worker', { worker: l.worker_id })}</span> : null}
        <span>
          {l.created_by} · <RelativeTime iso={l.created_at} />
        </span>
      </div>
      <Section title={t('learned')} items={l.learned} />
      <Section title={t('nextWorker')} items={l.next_worker_should_check} />
      <Section title={t('assumptions')} items={l.assumptions_to_test} />
    </li>
  );
}

/** The Learnings page: filters in the URL (`signal`, `worker_id`, `job_id`; `add=1` opens the form). */
export function LearningsView({ initial }: { initial: LearningFilters }) {
  const t = useTranslations('learnings');
  const f = useFormat();
  const router = useRouter();
  const pathname = usePathname();
  const [filters, setFilters] = useState(initial);
  const [workerDraft, setWorkerDraft] = useState(initial.worker);
  const update = (next: Partial<LearningFilters>) => {
    const f = { ...filters, ...next };
    setFilters(f);
    const p = new URLSearchParams();
    if (f.signal) p.set('signal', f.signal);
    if (f.worker) p.set('worker_id', f.worker);
    if (f.job) p.set('job_id', f.job);
    if (f.add) p.set('add', '1');
    router.replace(p.size ? `${pathname}?${p}` : pathname, { scroll: false });
  };
  const q = useLearnings(filters, PAGE);
  const items = q.data?.pages.flatMap((p) => p.learnings) ?? [];
  const filtered = Boolean(filters.signal || filters.worker || filters.job);

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            {q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            {!filters.add ? (
              <Button variant="primary" onClick={() => update({ add: true })}>
                {t('add')}
              </Button>
            ) : null}
          </>
        }
      />
      <div className="space-y-4">
        {filters.add ? (
          <Card>
            <CardHeader title={t('add')} description={filters.job ? t('forJob', { job: filters.job }) : t('oneItemPerRow')} />
            <CardBody>
              <LearningForm jobId={filters.job} signal={filters.signal} onDone={() => update({ add: false })} />
            </CardBody>
          </Card>
        ) : null}
        <Card>
          <form
            className="flex flex-col gap-3 border-b border-slate-100 px-4 py-3 sm:flex-row sm:items-end sm:px-5"
            role="search"
            aria-label={t('filter.label')}
            onSubmit={(e) => {
              e.preventDefault();
              update({ worker: workerDraft.trim() });
            }}
          >
            <div className="sm:w-60">
              <Label htmlFor="learnings-signal">{t('signal')}</Label>
              <Select id="learnings-signal" value={filters.signal} onChange={(e) => update({ signal: e.target.value })}>
                <option value="">{t('filter.allSignals')}</option>
                {signalOrder.map((s) => (
                  <option key={s} value={s}>
                    {f.signal(s)}
                  </option>
                ))}
              </Select>
            </div>
            <div className="sm:w-60">
              <Label htmlFor="learnings-worker">{t('filter.worker')}</Label>
              <Input id="learnings-worker" value={workerDraft} onChange={(e) => setWorkerDraft(e.target.value)} placeholder={t('filter.workerPlaceholder')} />
            </div>
            <div className="flex gap-2">
              <Button type="submit">{t('filter.apply')}</Button>
              {filtered ? (
                <Button
                  variant="ghost"
                  onClick={() => {
                    setWorkerDraft('');
                    update({ signal: '', worker: '', job: '' });
                  }}
                >
                  {t('filter.clear')}
                </Button>
              ) : null}
            </div>
          </form>
          {filters.job ? (
            <p className="border-b border-slate-100 px-4 py-2 text-sm text-slate-600 sm:px-5">
              {t.rich('filter.showingJob', { job: filters.job, code: (chunks) => <span className="break-all font-mono">{chunks}</span> })}
            </p>
          ) : null}
          {q.isPending ? (
            <LoadingRows rows={5} label={t('loading')} />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : items.length === 0 ? (
            <EmptyState icon={<BulbIcon />} title={filtered ? t('emptyFiltered') : t('empty')} description={t('emptyHelp')} />
          ) : (
            <>
              <ul className="divide-y divide-slate-100" aria-label={t('title')}>
                {items.map((l) => (
                  <LearningCard key={l.id} l={l} />
                ))}
              </ul>
              {q.hasNextPage ? (
                <div className="border-t border-slate-100 px-4 py-3 sm:px-5">
                  <Button onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
                    {t('showOlder')}
                  </Button>
                </div>
              ) : null}
            </>
          )}
        </Card>
      </div>
    </>
  );
}
