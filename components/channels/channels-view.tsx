'use client';

import { useTranslations } from 'next-intl';
import { useId, useState } from 'react';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { useChannels, useDeleteChannel, useTestChannel, useUpdateChannel } from '@/components/hooks/use-channels';
import type { Channel, DeliveryOutcome } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { InboxIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows, ReadOnlyNotice } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { ChannelForm } from './channel-form';

const KINDS = ['slack', 'line', 'email', 'webhook'] as const;
const isKind = (k: string): k is (typeof KINDS)[number] => (KINDS as readonly string[]).includes(k);

function ChannelItem({ c, canManage, readOnlyId }: { c: Channel; canManage: boolean; readOnlyId: string }) {
  const t = useTranslations('channels');
  const tc = useTranslations('common');
  const f = useFormat();
  const errorText = useErrorText();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<DeliveryOutcome | null>(null);
  const test = useTestChannel(c.id, {
    onSuccess: (r) => setOutcome(r.delivery),
    onError: (e) => setOutcome({ status: 'failed', error: errorText(e) }),
  });
  const toggle = useUpdateChannel(c.id, {
    onSuccess: (r) => toast({ tone: 'success', title: t('toggledToast', { name: r.channel.name, enabled: r.channel.enabled ? 'yes' : 'no' }) }),
    onError: (e) => toast({ tone: 'danger', title: t('notChanged'), description: errorText(e) }),
  });
  const remove = useDeleteChannel(c.id, {
    onSuccess: () => toast({ tone: 'success', title: t('deletedToast', { name: c.name }), description: t('deletedToastDescription') }),
    onError: (e) => toast({ tone: 'danger', title: t('notDeleted'), description: errorText(e) }),
  });
  const locked = { disabled: !canManage, 'aria-describedby': canManage ? undefined : readOnlyId };
  return (
    <li className="px-4 py-3 sm:px-5">
      {editing ? (
        <ChannelForm channel={c} onDone={() => setEditing(false)} />
      ) : (
        <div className="flex flex-col gap-3 lg:flex-row lg:items-start">
          <div className="min-w-0 flex-1">
            <p className="flex flex-wrap items-center gap-2">
              <span className="font-medium text-slate-900" data-recorded="">
                {c.name}
              </span>
              <Badge tone="accent">{isKind(c.kind) ? t(`kind.${c.kind}`) : c.kind}</Badge>
              <Badge tone={c.level === 2 ? 'warning' : 'info'}>{t('levelBadge', { level: c.level })}</Badge>
              <Badge tone={c.enabled ? 'success' : 'muted'} dot>
                {c.enabled ? t('enabled') : t('disabled')}
              </Badge>
            </p>
            <p className="mt-1 text-xs text-slate-500">
              {t('summary', {
                all: c.signals ? 'no' : 'yes',
                signals: (c.signals ?? []).map(f.signal).join(t('listSeparator')),
                severity: c.min_severity,
                escalates: c.level === 2 ? 'yes' : 'no',
                minutes: Math.round(c.after_s / 60),
              })}
            </p>
            <dl className="mt-1 space-y-0.5 text-xs text-slate-600">
              {Object.entries(c.config).map(([k, v]) => (
                <div key={k} className="flex gap-1.5">
                  <dt className="text-slate-500">{k}:</dt>
                  <dd className="min-w-0 break-all font-mono">{Array.isArray(v) ? v.join(', ') : String(v)}</dd>
                </div>
              ))}
            </dl>
            {outcome ? (
              <p role="status" className={outcome.status === 'delivered' ? 'mt-2 text-sm text-emerald-700' : 'mt-2 break-words text-sm text-rose-700'}>
                {t('testOutcome', {
                  status: outcome.status,
                  hasHttp: outcome.http_status ? 'yes' : 'no',
                  http: outcome.http_status ?? 0,
                  hasError: outcome.error ? 'yes' : 'no',
                  error: outcome.error ?? '',
                })}
              </p>
            ) : null}
          </div>
          <div className="flex flex-wrap gap-2">
            <Button size="sm" onClick={() => test.mutate()} loading={test.isPending} {...locked} aria-label={t('sendTestLabel', { name: c.name })}>
              {t('sendTest')}
            </Button>
            <Button size="sm" onClick={() => setEditing(true)} {...locked} aria-label={t('editLabel', { name: c.name })}>
              {tc('edit')}
            </Button>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => toggle.mutate({ enabled: !c.enabled })}
              loading={toggle.isPending}
              {...locked}
              aria-label={c.enabled ? t('disableLabel', { name: c.name }) : t('enableLabel', { name: c.name })}
            >
              {c.enabled ? t('disable') : t('enable')}
            </Button>
            {confirming ? (
              <>
                <Button size="sm" variant="danger" onClick={() => remove.mutate()} loading={remove.isPending} aria-label={t('confirmDeleteLabel', { name: c.name })}>
                  {t('confirmDelete')}
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                  {t('keep')}
                </Button>
              </>
            ) : (
              <Button size="sm" variant="danger" onClick={() => setConfirming(true)} {...locked} aria-label={t('deleteLabel', { name: c.name })}>
                {tc('delete')}
              </Button>
            )}
          </div>
        </div>
      )}
    </li>
  );
}

/** Notification channels: where incidents reach people (level 1) and where they escalate (level 2). Owners manage them. */
export function ChannelsView({ canManage }: { canManage: boolean }) {
  const t = useTranslations('channels');
  const readOnlyId = useId();
  const [adding, setAdding] = useState(false);
  const q = useChannels();
  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <Button variant="primary" onClick={() => setAdding(true)} disabled={!canManage || adding} aria-describedby={canManage ? undefined : readOnlyId}>
            {t('addSubmit')}
          </Button>
        }
      />
      {!canManage ? (
        <div className="mb-4">
          <ReadOnlyNotice id={readOnlyId}>{t('readOnly')}</ReadOnlyNotice>
        </div>
      ) : null}
      <div className="space-y-6">
        {adding ? (
          <Card aria-labelledby="add-channel-title">
            <CardHeader id="add-channel-title" title={t('addTitle')} description={t('addDescription')} />
            <CardBody>
              <ChannelForm onDone={() => setAdding(false)} />
            </CardBody>
          </Card>
        ) : null}
        <Card aria-labelledby="channels-title">
          <CardHeader
            id="channels-title"
            title={t('listTitle')}
            description={q.data ? t('listSummary', { enabled: q.data.channels.filter((c) => c.enabled).length, total: q.data.channels.length }) : undefined}
          />
          {q.isPending ? (
            <LoadingRows rows={3} label={t('loading')} />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : q.data.channels.length === 0 ? (
            <EmptyState icon={<InboxIcon />} title={t('emptyTitle')} description={t('emptyDescription')} />
          ) : (
            <ul className="divide-y divide-slate-100" aria-label={t('listLabel')}>
              {q.data.channels.map((c) => (
                <ChannelItem key={c.id} c={c} canManage={canManage} readOnlyId={readOnlyId} />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
