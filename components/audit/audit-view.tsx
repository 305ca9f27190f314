'use client';

import { useTranslations } from 'next-intl';
import Link from 'next/link';
import { Fragment, useEffect, useState } from 'react';
import { useErrorText } from '@/components/lib/use-error-text';
import { type AuditFilters, auditQueryString, useAudit, useAuditVerify } from '@/components/hooks/use-audit';
import type { AuditEntry } from '@/components/lib/types';
import { HashText } from '@/components/jobs/output-block';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input, Label } from '@/components/ui/field';
import { cn } from '@/components/ui/cn';
import { ChevronDownIcon, ChevronRightIcon, ScrollIcon, ShieldIcon } from '@/components/ui/icons';
import { LiveIndicator, PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime, Timestamp } from '@/components/ui/time';
import { groupRefusals, type RefusalGroup, refusalKind } from './group-refusals';

/** Suggestions for the action filter: an exact action, or a family ending with `*` (label: `audit.suggestion.<label>`). */
const ACTION_SUGGESTIONS = [
  { value: 'login.refused', label: 'loginRefused' },
  { value: 'access.*', label: 'access' },
  { value: 'incident.*', label: 'incident' },
  { value: 'decision.*', label: 'decision' },
  { value: 'repair.*', label: 'repair' },
  { value: 'rules.*', label: 'rules' },
  { value: 'token.*', label: 'token' },
  { value: 'user.*', label: 'user' },
  { value: 'lease.*', label: 'lease' },
  { value: 'job.complete', label: 'jobComplete' },
  { value: 'channel.*', label: 'channel' },
  { value: 'silence.*', label: 'silence' },
] as const;

const EMPTY_FILTERS: AuditFilters = { action: '', actor: '', from: '', to: '' };

/** An ISO time → the value of a datetime-local input (local time), and back. */
const toLocalInput = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (local: string) => {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
};

function FilterForm({ filters, onApply }: { filters: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const t = useTranslations('audit');
  const tc = useTranslations('common');
  const [draft, setDraft] = useState({ action: filters.action, actor: filters.actor, from: toLocalInput(filters.from), to: toLocalInput(filters.to) });
  const set = (k: keyof typeof draft) => (e: React.ChangeEvent<HTMLInputElement>) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const active = Object.values(filters).some(Boolean);
  return (
    <form
      aria-label={t('filterLabel')}
      className="grid items-end gap-3 border-b border-slate-100 px-4 py-3 sm:grid-cols-2 sm:px-5 xl:grid-cols-[1fr_1fr_auto_auto_auto]"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ action: draft.action.trim(), actor: draft.actor.trim(), from: fromLocalInput(draft.from), to: fromLocalInput(draft.to) });
      }}
    >
      <div>
        <Label htmlFor="audit-action" hint={t('patternHint')}>
          {t('action')}
        </Label>
        <Input id="audit-action" list="audit-action-suggestions" value={draft.action} onChange={set('action')} placeholder="login.refused, access.*" maxLength={200} autoComplete="off" />
        <datalist id="audit-action-suggestions">
          {ACTION_SUGGESTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {t(`suggestion.${o.label}`)}
            </option>
          ))}
        </datalist>
      </div>
      <div>
        <Label htmlFor="audit-actor" hint={t('patternHint')}>
          {t('actor')}
        </Label>
        <Input id="audit-actor" value={draft.actor} onChange={set('actor')} placeholder="supervisor:ana@example.com, anonymous*" maxLength={200} autoComplete="off" />
      </div>
      <div>
        <Label htmlFor="audit-from">{t('from')}</Label>
        <Input id="audit-from" type="datetime-local" value={draft.from} onChange={set('from')} />
      </div>
      <div>
        <Label htmlFor="audit-to">{t('to')}</Label>
        <Input id="audit-to" type="datetime-local" value={draft.to} onChange={set('to')} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" variant="primary">
          {t('apply')}
        </Button>
        {active ? (
          <Button
            onClick={() => {
              setDraft({ action: '', actor: '', from: '', to: '' });
              onApply(EMPTY_FILTERS);
            }}
          >
            {tc('clear')}
          </Button>
        ) : null}
      </div>
    </form>
  );
}

function actionTone(action: string) {
  if (action.startsWith('access.') || action.endsWith('.refused')) return 'text-rose-700';
  if (action.startsWith('decision.') || action.startsWith('rules.') || action.startsWith('token.') || action.startsWith('user.')) return 'text-indigo-700';
  return 'text-slate-800';
}

function DetailsRow({ e }: { e: AuditEntry }) {
  const t = useTranslations('audit');
  return (
    <div className="grid gap-3 text-xs md:grid-cols-2">
      <div>
        <p className="mb-1 font-semibold uppercase tracking-wide text-slate-500">{t('details')}</p>
        <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded-lg bg-slate-950 p-3 font-mono text-[11px] leading-relaxed text-slate-100">{JSON.stringify(e.details, null, 2)}</pre>
      </div>
      <dl className="grid grid-cols-[auto_1fr] content-start gap-x-3 gap-y-1.5">
        <dt className="text-slate-500">{t('at')}</dt>
        <dd>
          <Timestamp iso={e.at} />
        </dd>
        <dt className="text-slate-500">{t('target')}</dt>
        <dd className="break-all font-mono">{e.target ?? '—'}</dd>
        <dt className="text-slate-500">{t('output')}</dt>
        <dd>
          <HashText hash={e.output_hash} />
        </dd>
        <dt className="text-slate-500">{t('previous')}</dt>
        <dd>
          <HashText hash={e.prev_hash} />
        </dd>
        <dt className="text-slate-500">{t('hash')}</dt>
        <dd>
          <HashText hash={e.hash} />
        </dd>
      </dl>
    </div>
  );
}

function EntryRows({ e, expanded, onToggle, nested = false }: { e: AuditEntry; expanded: boolean; onToggle: () => void; nested?: boolean }) {
  const t = useTranslations('audit');
  return (
    <Fragment>
      <tr className={cn('hover:bg-slate-50', (expanded || nested) && 'bg-slate-50')}>
        <td className={cn('py-2.5 pl-4 sm:pl-5', nested && 'sm:pl-9')}>
          <button
            type="button"
            onClick={onToggle}
            aria-expanded={expanded}
            aria-label={t('entryToggle', { expanded: expanded ? 'yes' : 'no', id: String(e.id) })}
            className="rounded p-1 text-slate-500 hover:bg-slate-200 hover:text-slate-700"
          >
            {expanded ? <ChevronDownIcon /> : <ChevronRightIcon />}
          </button>
        </td>
        <td className="hidden px-3 py-2.5 font-mono text-xs tabular-nums text-slate-500 sm:table-cell">{e.id}</td>
        <td className="whitespace-nowrap px-3 py-2.5 text-slate-600">
          <RelativeTime iso={e.at} />
        </td>
        <td className="px-3 py-2.5">
          <span className={cn('font-mono text-xs font-medium', actionTone(e.action))}>{e.action}</span>
          <span className="mt-0.5 block max-w-[12rem] truncate text-xs text-slate-500 sm:hidden">{e.actor}</span>
        </td>
        <td className="hidden px-3 py-2.5 sm:table-cell">
          <span className="flex items-center gap-2">
            <RoleBadge role={e.actor_role} />
            <span className="max-w-[14rem] truncate text-xs text-slate-600" title={e.actor}>
              {e.actor}
            </span>
          </span>
        </td>
        <td className="hidden px-3 py-2.5 md:table-cell">
          {e.job_id ? (
            <Link href={`/jobs/${encodeURIComponent(e.job_id)}`} className="font-mono text-xs text-indigo-700 hover:underline">
              {e.job_id}
            </Link>
          ) : (
            <span className="text-slate-400">—</span>
          )}
        </td>
        <td className="hidden px-5 py-2.5 lg:table-cell">
          <HashText hash={e.hash} />
        </td>
      </tr>
      {expanded ? (
        <tr className="bg-slate-50">
          <td colSpan={7} className="px-4 pb-4 pt-1 sm:px-5">
            <DetailsRow e={e} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

/** "24 refused sign-ins from 127.0.0.1": one row for a run of the same refusal; opened, its entries one by one. */
function GroupRows({ group, open, toggle }: { group: RefusalGroup; open: Set<number | string>; toggle: (id: number | string) => void }) {
  const t = useTranslations('audit');
  const expanded = open.has(group.key);
  const newest = group.entries[0];
  const oldest = group.entries[group.entries.length - 1];
  const summary = t('groupSummary', { kind: refusalKind(group.action), count: group.entries.length, action: group.action, address: group.address });
  return (
    <Fragment>
      <tr className={cn('hover:bg-rose-50/60', expanded && 'bg-rose-50/60')} data-audit-group={group.action}>
        <td className="py-2.5 pl-4 sm:pl-5">
          <button
            type="button"
            onClick={() => toggle(group.key)}
            aria-expanded={expanded}
            aria-label={t('groupToggle', { expanded: expanded ? 'yes' : 'no', summary })}
            className="rounded p-1 text-slate-500 hover:bg-slate-200 hover:text-slate-700"
          >
            {expanded ? <ChevronDownIcon /> : <ChevronRightIcon />}
          </button>
        </td>
        <td className="hidden px-3 py-2.5 font-mono text-xs tabular-nums text-slate-500 sm:table-cell">
          {oldest.id}–{newest.id}
        </td>
        <td className="whitespace-nowrap px-3 py-2.5 text-slate-600">
          <RelativeTime iso={newest.at} />
        </td>
        <td className="px-3 py-2.5" colSpan={4}>
          <span className="text-sm font-medium text-rose-700">{summary}</span>
          <span className="ml-2 font-mono text-xs text-slate-500">{group.action}</span>
          <span className="block text-xs text-slate-500">{t.rich('since', { time: () => <RelativeTime iso={oldest.at} /> })}</span>
        </td>
      </tr>
      {expanded ? group.entries.map((e) => <EntryRows key={e.id} e={e} nested expanded={open.has(e.id)} onToggle={() => toggle(e.id)} />) : null}
    </Fragment>
  );
}

export function AuditView({ initialFilters = EMPTY_FILTERS }: { initialFilters?: AuditFilters }) {
  const t = useTranslations('audit');
  const errorText = useErrorText();
  const [open, setOpen] = useState<Set<number | string>>(new Set());
  const [filters, setFilters] = useState<AuditFilters>(initialFilters);
  useEffect(() => {
    // the filters live in the URL too (shareable, back button) without a server round trip
    const qs = auditQueryString(filters);
    window.history.replaceState(null, '', qs ? `/audit?${qs}` : '/audit');
  }, [filters]);
  const q = useAudit(filters);
  const verify = useAuditVerify();
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  const rows = groupRefusals(entries);
  const filtered = Object.values(filters).some(Boolean);
  const toggle = (id: number | string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            {q.data ? <LiveIndicator updatedAt={q.dataUpdatedAt} fetching={q.isFetching} failed={q.isRefetchError} /> : null}
            <Button variant="primary" onClick={() => verify.mutate()} loading={verify.isPending}>
              <ShieldIcon /> {t('verify')}
            </Button>
          </>
        }
      />
      <div className="space-y-4">
        {verify.isSuccess ? (
          verify.data.ok ? (
            <InlineAlert tone="success" title={t('chainIntact')} onDismiss={() => verify.reset()}>
              {t('chainIntactText', { count: verify.data.checked })}
            </InlineAlert>
          ) : (
            <InlineAlert tone="danger" title={t('chainBroken', { id: String(verify.data.first_bad_id) })} onDismiss={() => verify.reset()}>
              {t('chainBrokenText', { reason: verify.data.reason ?? '', count: verify.data.checked })}
            </InlineAlert>
          )
        ) : null}
        {verify.isError ? (
          <InlineAlert title={t('verifyFailed')} onDismiss={() => verify.reset()}>
            {errorText(verify.error)}
          </InlineAlert>
        ) : null}
        <Card>
          <FilterForm filters={filters} onApply={setFilters} />
          {q.isPending ? (
            <LoadingRows rows={8} label={t('loading')} />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : entries.length === 0 ? (
            filtered ? (
              <EmptyState icon={<ScrollIcon />} title={t('emptyFilteredTitle')} description={t('emptyFilteredDescription')} />
            ) : (
              <EmptyState icon={<ScrollIcon />} title={t('emptyTitle')} description={t('emptyDescription')} />
            )
          ) : (
            <>
              <div className="overflow-x-auto">
                <table className="min-w-full text-sm">
                  <thead>
                    <tr className="border-b border-slate-100 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                      <th scope="col" className="w-8 py-2.5 pl-4 sm:pl-5">
                        <span className="sr-only">{t('colExpand')}</span>
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                        #
                      </th>
                      <th scope="col" className="px-3 py-2.5">
                        {t('colWhen')}
                      </th>
                      <th scope="col" className="px-3 py-2.5">
                        {t('colAction')}
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                        {t('colActor')}
                      </th>
                      <th scope="col" className="hidden px-3 py-2.5 md:table-cell">
                        {t('colJob')}
                      </th>
                      <th scope="col" className="hidden px-5 py-2.5 lg:table-cell">
                        {t('colHash')}
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {rows.map((row) =>
                      row.kind === 'entry' ? (
                        <EntryRows key={row.entry.id} e={row.entry} expanded={open.has(row.entry.id)} onToggle={() => toggle(row.entry.id)} />
                      ) : (
                        <GroupRows key={row.key} group={row} open={open} toggle={toggle} />
                      ),
                    )}
                  </tbody>
                </table>
              </div>
              <div className="flex items-center justify-between border-t border-slate-100 px-4 py-3 sm:px-5">
                <p className="text-xs text-slate-500">{t('footer', { filtered: filtered ? 'yes' : 'no', count: entries.length })}</p>
                {q.hasNextPage ? (
                  <Button size="sm" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
                    {t('loadOlder')}
                  </Button>
                ) : (
                  <span className="text-xs text-slate-500">{filtered ? t('noOlderMatch') : t('startOfChain')}</span>
                )}
              </div>
            </>
          )}
        </Card>
      </div>
    </>
  );
}
