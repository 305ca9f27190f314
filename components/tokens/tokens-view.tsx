'use client';

import { useTranslations } from 'next-intl';
import { useId, useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { useCreateToken, useRevokeToken, useTokens } from '@/components/hooks/use-tokens';
import type { RoleName } from '@/components/lib/types';
import { ROLES, type UserRole } from '@/lib/schemas/enums';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { Input, Label, Select } from '@/components/ui/field';
import { CopyIcon, KeyIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, InlineAlert, LoadingRows, ReadOnlyNotice } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';

function SecretOnce({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const t = useTranslations('tokens');
  const tc = useTranslations('common');
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 p-4">
      <p className="text-sm font-semibold text-emerald-900">{t('createdTitle', { name })}</p>
      <p className="mt-0.5 text-sm text-emerald-800">{t('createdText')}</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="new-token-secret" className="sr-only">
          {t('secretLabel')}
        </label>
        <Input id="new-token-secret" readOnly value={token} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
        <Button
          onClick={() =>
            void navigator.clipboard?.writeText(token).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 2000);
            })
          }
        >
          <CopyIcon /> {copied ? tc('copied') : tc('copy')}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          {t('done')}
        </Button>
      </div>
    </div>
  );
}

function CreateForm({ canManage, readOnlyId }: { canManage: boolean; readOnlyId: string }) {
  const t = useTranslations('tokens');
  const f = useFormat();
  const errorText = useErrorText();
  const [name, setName] = useState('');
  const [role, setRole] = useState<RoleName>('worker');
  const [workerId, setWorkerId] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useCreateToken({
    onSuccess: (res, sent) => {
      setCreated({ name: sent.name, token: res.token });
      setName('');
      setWorkerId('');
    },
  });
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors : [];
  const errorFor = (path: string) => fieldErrors.find((f) => f.path === path)?.message;
  const missing = !name.trim() || (role === 'worker' && !workerId.trim());

  return (
    <Card aria-labelledby="create-token-title">
      <CardHeader id="create-token-title" title={t('createTitle')} description={t('createDescription')} />
      <CardBody className="space-y-4">
        {created ? <SecretOnce {...created} onDone={() => setCreated(null)} /> : null}
        <form
          className="grid gap-4 md:grid-cols-[1fr_12rem_1fr_auto] md:items-start"
          onSubmit={(e) => {
            e.preventDefault();
            if (canManage && !missing) create.mutate({ name: name.trim(), role, ...(role === 'worker' ? { worker_id: workerId.trim() } : {}) });
          }}
        >
          <div>
            <Label htmlFor="token-name">{t('name')}</Label>
            <Input
              id="token-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              disabled={!canManage}
              placeholder={t('namePlaceholder')}
              aria-invalid={errorFor('name') ? true : undefined}
            />
            {errorFor('name') ? <p className="mt-1 text-xs text-rose-600">{errorFor('name')}</p> : null}
          </div>
          <div>
            <Label htmlFor="token-role">{t('role')}</Label>
            <Select id="token-role" value={role} onChange={(e) => setRole(e.target.value as RoleName)} disabled={!canManage}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {f.label('role', r)}
                </option>
              ))}
            </Select>
            <p className="mt-1 text-xs text-slate-500">{t(`roleHelp.${role}`)}</p>
          </div>
          <div>
            <Label htmlFor="token-worker" hint={role === 'worker' ? t('workerIdRequired') : t('workerIdWorkersOnly')}>
              {t('workerId')}
            </Label>
            <Input
              id="token-worker"
              value={role === 'worker' ? workerId : ''}
              onChange={(e) => setWorkerId(e.target.value)}
              maxLength={200}
              disabled={!canManage || role !== 'worker'}
              placeholder={role === 'worker' ? 'w-1' : '—'}
              aria-invalid={errorFor('worker_id') ? true : undefined}
            />
            {errorFor('worker_id') ? <p className="mt-1 text-xs text-rose-600">{errorFor('worker_id')}</p> : null}
          </div>
          <div className="md:pt-7">
            <Button type="submit" variant="primary" disabled={!canManage || missing} loading={create.isPending} aria-describedby={canManage ? undefined : readOnlyId} className="w-full md:w-auto">
              <KeyIcon /> {t('createSubmit')}
            </Button>
          </div>
        </form>
        {create.isError && !fieldErrors.length ? <InlineAlert title={t('notCreated')}>{errorText(create.error)}</InlineAlert> : null}
      </CardBody>
    </Card>
  );
}

function TokenList() {
  const t = useTranslations('tokens');
  const tc = useTranslations('common');
  const errorText = useErrorText();
  const toast = useToast();
  const q = useTokens();
  const [confirming, setConfirming] = useState<string | null>(null);
  const time = (iso: string) => () => <RelativeTime iso={iso} />;
  const revoke = useRevokeToken({
    onSuccess: (res) => {
      setConfirming(null);
      toast({ tone: 'success', title: t('revokedToast', { name: res.token.name }), description: t('revokedToastDescription') });
    },
    onError: (e) => toast({ tone: 'danger', title: t('notRevoked'), description: errorText(e) }),
  });
  return (
    <Card aria-labelledby="tokens-title">
      <CardHeader
        id="tokens-title"
        title={t('listTitle')}
        description={q.data ? t('summary', { active: q.data.tokens.filter((k) => !k.revoked_at).length, revoked: q.data.tokens.filter((k) => k.revoked_at).length }) : undefined}
      />
      {q.isPending ? (
        <LoadingRows rows={4} label={t('loading')} />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.tokens.length === 0 ? (
        <EmptyState icon={<KeyIcon />} title={t('emptyTitle')} description={t('emptyDescription')} />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label={t('listLabel')}>
          {q.data.tokens.map((k) => (
            <li key={k.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium text-slate-900">{k.name}</span>
                  <RoleBadge role={k.role} />
                  {k.worker_id ? <span className="font-mono text-xs text-slate-500">{k.worker_id}</span> : null}
                  {k.revoked_at ? (
                    <Badge tone="danger">{t('revoked')}</Badge>
                  ) : (
                    <Badge tone="success" dot>
                      {t('active')}
                    </Badge>
                  )}
                </div>
                <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-500">
                  <span className="font-mono">{k.prefix}…</span>
                  <span>{t.rich('createdBy', { who: k.created_by, time: time(k.created_at) })}</span>
                  <span>{k.last_used_at ? t.rich('lastUsed', { time: time(k.last_used_at) }) : t('neverUsed')}</span>
                  {k.revoked_at ? <span>{t.rich('revokedAt', { time: time(k.revoked_at) })}</span> : null}
                </p>
              </div>
              {!k.revoked_at ? (
                confirming === k.id ? (
                  <div className="flex items-center gap-2">
                    <span className="text-xs text-slate-600">{t('revokeQuestion', { name: k.name })}</span>
                    <Button size="sm" variant="danger" onClick={() => revoke.mutate(k.id)} loading={revoke.isPending && revoke.variables === k.id}>
                      {t('confirmRevoke')}
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                      {tc('cancel')}
                    </Button>
                  </div>
                ) : (
                  <Button size="sm" variant="danger" className="self-start sm:self-auto" onClick={() => setConfirming(k.id)} aria-label={t('revokeLabel', { name: k.name })}>
                    {t('revoke')}
                  </Button>
                )
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function TokensView({ role }: { role: UserRole }) {
  const t = useTranslations('tokens');
  const f = useFormat();
  const canManage = role === 'owner';
  const readOnlyId = useId();
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <div className="space-y-6">
        {!canManage ? <ReadOnlyNotice id={readOnlyId}>{t.rich('readOnly', { role: f.label('role', role), strong: (chunks) => <strong>{chunks}</strong> })}</ReadOnlyNotice> : null}
        <CreateForm canManage={canManage} readOnlyId={readOnlyId} />
        {canManage ? <TokenList /> : null}
      </div>
    </>
  );
}
