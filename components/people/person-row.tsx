'use client';

import { useState } from 'react';
import { ApiError, errorMessage } from '@/components/lib/api';
import { useUpdatePerson } from '@/components/hooks/use-people';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { RoleBadge } from '@/components/ui/status';
import { RelativeTime } from '@/components/ui/time';
import { useToast } from '@/components/ui/toast';
import type { User, UserRole } from '@/lib/schemas/people';

const signInLabel: Record<User['sign_in'], string> = { password: 'password', sso: 'single sign-on', password_and_sso: 'password and single sign-on' };

function Status({ user }: { user: User }) {
  if (user.disabled) return <Badge tone="danger">disabled</Badge>;
  if (!user.role)
    return (
      <Badge tone="warning" dot>
        waiting for a role
      </Badge>
    );
  return (
    <Badge tone="success" dot>
      active
    </Badge>
  );
}

/** One person: role, status, last sign-in; change the role, disable or enable. */
export function PersonRow({ user, isSelf, lastOwner }: { user: User; isSelf: boolean; lastOwner: boolean }) {
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const update = useUpdatePerson(user.id, {
    onSuccess: (res, change) => {
      setConfirming(false);
      const u = res.user;
      const title = change.disabled === true ? `${u.email} disabled` : change.disabled === false ? `${u.email} enabled` : `${u.email} is now ${u.role}`;
      const description = change.disabled === true ? 'Their open sessions end on their next request.' : 'It counts from their next request.';
      toast({ tone: 'success', title, description });
    },
    onError: () => setConfirming(false),
  });
  const lastOwnerRefusal = update.error instanceof ApiError && update.error.code === 'last_owner';
  const errorId = `person-${user.id}-error`;

  return (
    <li className="px-4 py-3 sm:px-5" aria-label={user.email}>
      <div className="flex flex-col gap-3 md:flex-row md:items-center">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="break-all font-medium text-slate-900">{user.email}</span>
            {isSelf ? <Badge tone="muted">you</Badge> : null}
            {user.role ? <RoleBadge role={user.role} /> : null}
            <Status user={user} />
            {lastOwner ? <Badge tone="accent">last active owner</Badge> : null}
          </div>
          <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-slate-600">
            <span>signs in with {signInLabel[user.sign_in]}</span>
            <span>
              {user.last_sign_in_at ? (
                <>
                  last sign-in <RelativeTime iso={user.last_sign_in_at} />
                </>
              ) : (
                'never signed in'
              )}
            </span>
            <span>
              added <RelativeTime iso={user.created_at} />
            </span>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={`role-${user.id}`} className="sr-only">
            Role of {user.email}
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
            {!user.role ? <option value="">Give a role…</option> : null}
            <option value="supervisor">supervisor</option>
            <option value="owner">owner</option>
          </Select>
          {user.disabled ? (
            <Button size="sm" onClick={() => update.mutate({ disabled: false })} loading={update.isPending && update.variables?.disabled === false} aria-label={`Enable ${user.email}`}>
              Enable
            </Button>
          ) : confirming ? (
            <>
              <Button size="sm" variant="danger" onClick={() => update.mutate({ disabled: true })} loading={update.isPending && update.variables?.disabled === true}>
                Confirm disable
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </>
          ) : (
            <Button size="sm" variant="danger" onClick={() => setConfirming(true)} aria-label={`Disable ${user.email}`}>
              Disable
            </Button>
          )}
        </div>
      </div>
      {confirming ? <p className="mt-2 text-xs text-slate-600">Disable {user.email}? They cannot sign in, and their open sessions end on their next request.</p> : null}
      {update.isError ? (
        <div id={errorId} className="mt-2">
          <InlineAlert title={lastOwnerRefusal ? 'The console must keep an owner' : 'Not changed'} onDismiss={() => update.reset()}>
            {lastOwnerRefusal ? `${user.email} is the last active owner, so they cannot be disabled or lose the owner role. Give another person the owner role first.` : errorMessage(update.error)}
          </InlineAlert>
        </div>
      ) : null}
    </li>
  );
}
