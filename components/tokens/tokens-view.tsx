'use client';

import { useId, useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
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

const roleHelp: Record<RoleName, string> = {
  worker: 'reports runs, heartbeats, events and checks for one worker_id',
  system: 'records automatic repairs for any worker and runs the sweep',
  supervisor: 'reads everything and decides releases and reclaims',
  owner: 'everything, including rules, tokens and the D30 decision',
};

function SecretOnce({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 p-4">
      <p className="text-sm font-semibold text-emerald-900">Token “{name}” created</p>
      <p className="mt-0.5 text-sm text-emerald-800">Copy it now: this is the only time the secret is shown. Only its hash is stored.</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="new-token-secret" className="sr-only">
          New token secret
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
          <CopyIcon /> {copied ? 'Copied' : 'Copy'}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}

function CreateForm({ canManage, readOnlyId }: { canManage: boolean; readOnlyId: string }) {
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
      <CardHeader id="create-token-title" title="Create a token" description="For a worker, a system runner or a script. The secret is shown once." />
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
            <Label htmlFor="token-name">Name</Label>
            <Input
              id="token-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              disabled={!canManage}
              placeholder="e.g. build-box-3"
              aria-invalid={errorFor('name') ? true : undefined}
            />
            {errorFor('name') ? <p className="mt-1 text-xs text-rose-600">{errorFor('name')}</p> : null}
          </div>
          <div>
            <Label htmlFor="token-role">Role</Label>
            <Select id="token-role" value={role} onChange={(e) => setRole(e.target.value as RoleName)} disabled={!canManage}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
            <p className="mt-1 text-xs text-slate-500">{roleHelp[role]}</p>
          </div>
          <div>
            <Label htmlFor="token-worker" hint={role === 'worker' ? '(required)' : '(workers only)'}>
              Worker ID
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
              <KeyIcon /> Create token
            </Button>
          </div>
        </form>
        {create.isError && !fieldErrors.length ? <InlineAlert title="The token was not created">{errorMessage(create.error)}</InlineAlert> : null}
      </CardBody>
    </Card>
  );
}

function TokenList() {
  const toast = useToast();
  const q = useTokens();
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useRevokeToken({
    onSuccess: (res) => {
      setConfirming(null);
      toast({ tone: 'success', title: `Token “${res.token.name}” revoked`, description: 'Calls with it are refused from now on.' });
    },
    onError: (e) => toast({ tone: 'danger', title: 'Not revoked', description: errorMessage(e) }),
  });
  return (
    <Card aria-labelledby="tokens-title">
      <CardHeader
        id="tokens-title"
        title="Tokens"
        description={q.data ? `${q.data.tokens.filter((t) => !t.revoked_at).length} active · ${q.data.tokens.filter((t) => t.revoked_at).length} revoked` : undefined}
      />
      {q.isPending ? (
        <LoadingRows rows={4} label="Loading tokens" />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.tokens.length === 0 ? (
        <EmptyState icon={<KeyIcon />} title="No tokens yet" description="Create one for each worker and for the system runner." />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="API tokens">
          {q.data.tokens.map((t) => (
            <li key={t.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium text-slate-900">{t.name}</span>
                  <RoleBadge role={t.role} />
                  {t.worker_id ? <span className="font-mono text-xs text-slate-500">{t.worker_id}</span> : null}
                  {t.revoked_at ? (
                    <Badge tone="danger">revoked</Badge>
                  ) : (
                    <Badge tone="success" dot>
                      active
                    </Badge>
                  )}
                </div>
                <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-500">
                  <span className="font-mono">{t.prefix}…</span>
                  <span>
                    created <RelativeTime iso={t.created_at} /> by {t.created_by}
                  </span>
                  <span>
                    {t.last_used_at ? (
                      <>
                        last used <RelativeTime iso={t.last_used_at} />
                      </>
                    ) : (
                      'never used'
                    )}
                  </span>
                  {t.revoked_at ? (
                    <span>
                      revoked <RelativeTime iso={t.revoked_at} />
                    </span>
                  ) : null}
                </p>
              </div>
              {!t.revoked_at ? (
                confirming === t.id ? (
                  <div className="flex items-center gap-2">
                    <span className="text-xs text-slate-600">Revoke “{t.name}”?</span>
                    <Button size="sm" variant="danger" onClick={() => revoke.mutate(t.id)} loading={revoke.isPending && revoke.variables === t.id}>
                      Confirm revoke
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                      Cancel
                    </Button>
                  </div>
                ) : (
                  <Button size="sm" variant="danger" className="self-start sm:self-auto" onClick={() => setConfirming(t.id)} aria-label={`Revoke ${t.name}`}>
                    Revoke
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
  const canManage = role === 'owner';
  const readOnlyId = useId();
  return (
    <>
      <PageHeader title="API tokens" description="Workers, runners and scripts authenticate with bearer tokens. Tokens are random, stored only as a hash, and can be revoked at any time." />
      <div className="space-y-6">
        {!canManage ? (
          <ReadOnlyNotice id={readOnlyId}>
            You are signed in as <strong>{role}</strong>. Only the <strong>owner</strong> creates, lists and revokes API tokens, so the list is not shown to you.
          </ReadOnlyNotice>
        ) : null}
        <CreateForm canManage={canManage} readOnlyId={readOnlyId} />
        {canManage ? <TokenList /> : null}
      </div>
    </>
  );
}
