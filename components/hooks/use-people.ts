'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { UserAnswer, UserList } from '@/components/lib/types';
import type { UserCreateInput, UserUpdateInput } from '@/lib/schemas/people';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { queryKeys, SLOW_MS } from './query-keys';

/** `GET /api/watchdog/users`: everyone who signs in to the console. */
export function usePeople() {
  return useQuery({ queryKey: queryKeys.people, queryFn: ({ signal }) => apiFetch<UserList>('/api/watchdog/users', { signal }), refetchInterval: SLOW_MS });
}

/** `POST /api/watchdog/users`: a person who signs in with a password. */
export function useAddPerson(callbacks: MutationCallbacks<UserAnswer, UserCreateInput> = {}) {
  return useInvalidatingMutation(
    (body: UserCreateInput) => apiFetch<UserAnswer>('/api/watchdog/users', { method: 'POST', body }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.people });
    },
    callbacks,
  );
}

/** `PATCH /api/watchdog/users/:id`: a new role, disabled or enabled; counts from the person's next request. */
export function useUpdatePerson(id: string, callbacks: MutationCallbacks<UserAnswer, UserUpdateInput> = {}) {
  return useInvalidatingMutation(
    (change: UserUpdateInput) => apiFetch<UserAnswer>(`/api/watchdog/users/${id}`, { method: 'PATCH', body: change }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.people });
    },
    callbacks,
  );
}
