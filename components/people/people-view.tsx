'use client';

import { useTranslations } from 'next-intl';
import { usePeople } from '@/components/hooks/use-people';
import { useFormat } from '@/components/lib/use-format';
import { Card, CardHeader } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingRows, ReadOnlyNotice } from '@/components/ui/states';
import type { User } from '@/lib/schemas/people';
import { AddPersonForm } from './add-person-form';
import { PersonRow } from './person-row';

/** Waiting people first (they need an owner), then by email. */
function ordered(users: User[]): User[] {
  return [...users].sort((a, b) => Number(a.role !== null) - Number(b.role !== null) || a.email.localeCompare(b.email));
}

function PeopleList({ selfId }: { selfId: string }) {
  const t = useTranslations('people');
  const q = usePeople();
  const users = q.data?.users ?? [];
  const activeOwners = users.filter((u) => u.role === 'owner' && !u.disabled);
  const waiting = users.filter((u) => !u.role && !u.disabled).length;
  return (
    <Card aria-labelledby="people-title">
      <CardHeader
        id="people-title"
        title={t('listTitle')}
        description={q.data ? t('summary', { total: users.length, owners: activeOwners.length, waiting, disabled: users.filter((u) => u.disabled).length }) : undefined}
      />
      {q.isPending ? (
        <LoadingRows rows={4} label={t('loading')} />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : users.length === 0 ? (
        <EmptyState title={t('emptyTitle')} description={t('emptyDescription')} />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label={t('listLabel')}>
          {ordered(users).map((u) => (
            <PersonRow key={u.id} user={u} isSelf={u.id === selfId} lastOwner={activeOwners.length === 1 && activeOwners[0].id === u.id} />
          ))}
        </ul>
      )}
    </Card>
  );
}

export function PeopleView({ role, selfId }: { role: 'supervisor' | 'owner'; selfId: string }) {
  const t = useTranslations('people');
  const f = useFormat();
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <div className="space-y-6">
        {role !== 'owner' ? (
          <ReadOnlyNotice>{t.rich('readOnly', { role: f.label('role', role), strong: (chunks) => <strong>{chunks}</strong> })}</ReadOnlyNotice>
        ) : (
          <>
            <AddPersonForm />
            <PeopleList selfId={selfId} />
          </>
        )}
      </div>
    </>
  );
}
