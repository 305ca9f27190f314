'use client';

import { useId, useState } from 'react';
import { errorMessage } from '@/components/lib/api';
import { signalLabel } from '@/components/lib/format';
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

const kindLabel: Record<string, string> = { slack: 'Slack', line: 'LINE', email: 'Email', webhook: 'Webhook' };

function ChannelItem({ c, canManage, readOnlyId }: { c: Channel; canManage: boolean; readOnlyId: string }) {
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<DeliveryOutcome | null>(null);
  const test = useTestChannel(c.id, {
    onSuccess: (r) => setOutcome(r.delivery),
    onError: (e) => setOutcome({ status: 'failed', error: errorMessage(e) }),
  });
  const toggle = useUpdateChannel(c.id, {
    onSuccess: (r) => toast({ tone: 'success', title: `${r.channel.name} ${r.channel.enabled ? 'enabled' : 'disabled'}` }),
    onError: (e) => toast({ tone: 'danger', title: 'Not changed', description: errorMessage(e) }),
  });
  const remove = useDeleteChannel(c.id, {
    onSuccess: () => toast({ tone: 'success', title: `Channel “${c.name}” deleted`, description: 'Its messages stay in the delivery log.' }),
    onError: (e) => toast({ tone: 'danger', title: 'Not deleted', description: errorMessage(e) }),
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
              <span className="font-medium text-slate-900">{c.name}</span>
              <Badge tone="accent">{kindLabel[c.kind] ?? c.kind}</Badge>
              <Badge tone={c.level === 2 ? 'warning' : 'info'}>level {c.level}</Badge>
              <Badge tone={c.enabled ? 'success' : 'muted'} dot>
                {c.enabled ? 'enabled' : 'disabled'}
              </Badge>
            </p>
            <p className="mt-1 text-xs text-slate-500">
              {c.signals ? c.signals.map(signalLabel).join(', ') : 'all signals'} · {c.min_severity === 'critical' ? 'critical only' : 'warning and critical'}
              {c.level === 2 ? ` · escalates ${Math.round(c.after_s / 60)} min after detection if nobody acknowledged` : ''}
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
                Test {outcome.status}
                {outcome.http_status ? ` (HTTP ${outcome.http_status})` : ''}
                {outcome.error ? `: ${outcome.error}` : ''}
              </p>
            ) : null}
          </div>
          <div className="flex flex-wrap gap-2">
            <Button size="sm" onClick={() => test.mutate()} loading={test.isPending} {...locked} aria-label={`Send test to ${c.name}`}>
              Send test
            </Button>
            <Button size="sm" onClick={() => setEditing(true)} {...locked} aria-label={`Edit ${c.name}`}>
              Edit
            </Button>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => toggle.mutate({ enabled: !c.enabled })}
              loading={toggle.isPending}
              {...locked}
              aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
            >
              {c.enabled ? 'Disable' : 'Enable'}
            </Button>
            {confirming ? (
              <>
                <Button size="sm" variant="danger" onClick={() => remove.mutate()} loading={remove.isPending} aria-label={`Confirm delete ${c.name}`}>
                  Confirm delete
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                  Keep
                </Button>
              </>
            ) : (
              <Button size="sm" variant="danger" onClick={() => setConfirming(true)} {...locked} aria-label={`Delete ${c.name}`}>
                Delete
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
  const readOnlyId = useId();
  const [adding, setAdding] = useState(false);
  const q = useChannels();
  return (
    <>
      <PageHeader
        title="Notification channels"
        description="Level 1 channels hear about every matching incident when it opens; level 2 channels get one escalation when nobody acknowledged in time. Resolved incidents are announced where they were told."
        actions={
          <Button variant="primary" onClick={() => setAdding(true)} disabled={!canManage || adding} aria-describedby={canManage ? undefined : readOnlyId}>
            Add channel
          </Button>
        }
      />
      {!canManage ? (
        <div className="mb-4">
          <ReadOnlyNotice id={readOnlyId}>Only the owner adds, edits, tests and deletes channels. You can see where incidents go.</ReadOnlyNotice>
        </div>
      ) : null}
      <div className="space-y-6">
        {adding ? (
          <Card aria-labelledby="add-channel-title">
            <CardHeader id="add-channel-title" title="Add a channel" description="Secrets are stored encrypted and shown as *** from now on." />
            <CardBody>
              <ChannelForm onDone={() => setAdding(false)} />
            </CardBody>
          </Card>
        ) : null}
        <Card aria-labelledby="channels-title">
          <CardHeader id="channels-title" title="Channels" description={q.data ? `${q.data.channels.filter((c) => c.enabled).length} enabled of ${q.data.channels.length}` : undefined} />
          {q.isPending ? (
            <LoadingRows rows={3} label="Loading channels" />
          ) : q.isError ? (
            <ErrorState error={q.error} onRetry={() => void q.refetch()} />
          ) : q.data.channels.length === 0 ? (
            <EmptyState icon={<InboxIcon />} title="No channels yet" description="Add Slack, LINE, email or a signed webhook so incidents reach the people on call." />
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Notification channels">
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
