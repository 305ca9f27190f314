'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { UserAnswer, UserList } from '@/components/lib/types';
import type { UserCreateInput, UserUpdateInput } from '@/lib/schemas/people';
import type { MutationCallbacks } from './mutation-callbacks';
import { queryKeys, SLOW_MS } from './query-keys';

/** `GET /api/watchdog/users`: everyone who signs in to the console. */
export function usePeople() {
  return useQuery({ queryKey: queryKeys.people, queryFn: ({ signal }) => apiFetch<UserList>('/api/watchdog/users', { signal }), refetchInterval: SLOW_MS });
}

/** `POST /api/watchdog/users`: a person who signs in with a password. */
export function useAddPerson(callbacks: MutationCallbacks<UserAnswer, UserCreateInput> = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UserCreateInput) => apiFetch<UserAnswer>('/api/watchdog/users', { method: 'POST', body }),
    onSuccess: (...args) => {
      const done = callbacks.onSuccess?.(...args);
      void qc.invalidateQueries({ queryKey: queryKeys.people });
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}

/** `PATCH /api/watchdog/users/:id`: a new role, disabled or enabled; counts from the person's next request. */
export function useUpdatePerson(id: string, callbacks: MutationCallbacks<UserAnswer, UserUpdateInput> = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (change: UserUpdateInput) => apiFetch<UserAnswer>(`/api/watchdog/users/${id}`, { method: 'PATCH', body: change }),
    onSuccess: (...args) => {
      const done = callbacks.onSuccess?.(...args);
      void qc.invalidateQueries({ queryKey: queryKeys.people });
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}
