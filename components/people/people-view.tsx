'use client';

import { usePeople } from '@/components/hooks/use-people';
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
  const q = usePeople();
  const users = q.data?.users ?? [];
  const activeOwners = users.filter((u) => u.role === 'owner' && !u.disabled);
  const waiting = users.filter((u) => !u.role && !u.disabled).length;
  return (
    <Card aria-labelledby="people-title">
      <CardHeader
        id="people-title"
        title="People"
        description={
          q.data
            ? `${users.length} in all · ${activeOwners.length} active ${activeOwners.length === 1 ? 'owner' : 'owners'} · ${waiting} waiting for a role · ${users.filter((u) => u.disabled).length} disabled`
            : undefined
        }
      />
      {q.isPending ? (
        <LoadingRows rows={4} label="Loading people" />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : users.length === 0 ? (
        <EmptyState title="Nobody yet" description="Add a person above." />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="People">
          {ordered(users).map((u) => (
            <PersonRow key={u.id} user={u} isSelf={u.id === selfId} lastOwner={activeOwners.length === 1 && activeOwners[0].id === u.id} />
          ))}
        </ul>
      )}
    </Card>
  );
}

export function PeopleView({ role, selfId }: { role: 'supervisor' | 'owner'; selfId: string }) {
  return (
    <>
      <PageHeader
        title="People"
        description="Who signs in to the console, with which role. A change counts from the person's next request; a disabled person's open sessions end there. Every change is in the audit log."
      />
      <div className="space-y-6">
        {role !== 'owner' ? (
          <ReadOnlyNotice>
            You are signed in as <strong>{role}</strong>. Only an <strong>owner</strong> sees and manages people.
          </ReadOnlyNotice>
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
