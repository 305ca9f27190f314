'use client';

import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { ApiError } from '@/components/lib/api';
import { useUpdatePerson } from '@/components/hooks/use-people';
import { useErrorText } from '@/components/lib/use-error-text';
import { useFormat } from '@/components/lib/use-format';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import type { User, UserRole } from '@/lib/schemas/people';

function Status({ user }: { user: User }) {
  const t = useTranslations('people');
  if (user.disabled) return <Badge tone="danger">{t('status.disabled')}</Badge>;
  if (!user.role)
    return (
      <Badge tone="warning" dot>
        {t('status.waiting')}
      </Badge>
    );
  return (
    <Badge tone="success" dot>
      {t('status.active')}
    </Badge>
  );
}

/** One person: role, status, last sign-in; change the role, disable or enable. */
export function PersonRow({ user, isSelf, lastOwner }: { user: User; isSelf: boolean; lastOwner: boolean }) {
  const t = useTranslations('people');
  const tc = useTranslations('common');
  const f = useFormat();
  const errorText = useErrorText();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const update = useUpdatePerson(user.id, {
    onSuccess: (res, change) => {
      setConfirming(false);
      const u = res.user;
      const title =
        change.disabled === true
          ? t('disabledToast', { email: u.email })
          : change.disabled === false
            ? t('enabledToast', { email: u.email })
            : t('roleChangedToast', { email: u.email, role: f.label('role', u.role) });
      const description = change.disabled === true ? t('disabledToastDescription') : t('changedToastDescription');
      toast({ tone: 'success', title, description });
    },
    onError: () => setConfirming(false),
  });
  const lastOwnerRefusal = update.error instanceof ApiError && update.error.code === 'last_owner';
  const errorId = `person-${user.id}-error`;
  const time = (iso: string) => () => <RelativeTime iso={iso} />;

  return (
    <li className="px-4 py-3 sm:px-5" aria-label={user.email}>
      <div className="flex flex-col gap-3 md:flex-row md:items-center">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="break-all font-medium text-slate-900">{user.email}</span>
            {isSelf ? <Badge tone="muted">{t('you')}</Badge> : null}
            {user.role ? <RoleBadge role={user.role} /> : null}
            <Status user={user} />
            {lastOwner ? <Badge tone="accent">{t('lastActiveOwner')}</Badge> : null}
          </div>
          <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-600">
            <span>{t('signsInWith', { method: user.sign_in })}</span>
            <span>{user.last_sign_in_at ? t.rich('lastSignIn', { time: time(user.last_sign_in_at) }) : t('neverSignedIn')}</span>
            <span>{t.rich('added', { time: time(user.created_at) })}</span>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={`role-${user.id}`} className="sr-only">
            {t('roleOf', { email: user.email })}
          </label>
          <Select
            id={`role-${user.id}`}
            className="w-auto min-w-36"
            value={user.role ?? ''}
            disabled={update.isPending}
            aria-describedby={update.isError ? errorId : undefined}
            onChange={(e) => {
              const role = e.target.value as UserRole | '';
              if (role) update.mutate({ role });
            }}
          >
            {!user.role ? <option value="">{t('giveRole')}</option> : null}
            <option value="supervisor">{f.label('role', 'supervisor')}</option>
            <option value="owner">{f.label('role', 'owner')}</option>
          </Select>
          {user.disabled ? (
            <Button
              size="sm"
              onClick={() => update.mutate({ disabled: false })}
              loading={update.isPending && update.variables?.disabled === false}
              aria-label={t('enableLabel', { email: user.email })}
            >
              {t('enable')}
            </Button>
          ) : confirming ? (
            <>
              <Button size="sm" variant="danger" onClick={() => update.mutate({ disabled: true })} loading={update.isPending && update.variables?.disabled === true}>
                {t('confirmDisable')}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                {tc('cancel')}
              </Button>
            </>
          ) : (
            <Button size="sm" variant="danger" onClick={() => setConfirming(true)} aria-label={t('disableLabel', { email: user.email })}>
              {t('disable')}
            </Button>
          )}
        </div>
      </div>
      {confirming ? <p className="mt-2 text-xs text-slate-600">{t('disableConfirmText', { email: user.email })}</p> : null}
      {update.isError ? (
        <div id={errorId} className="mt-2">
          <InlineAlert title={lastOwnerRefusal ? t('lastOwnerTitle') : t('notChanged')} onDismiss={() => update.reset()}>
            {lastOwnerRefusal ? t('lastOwnerText', { email: user.email }) : errorText(update.error)}
          </InlineAlert>
        </div>
      ) : null}
    </li>
  );
}
