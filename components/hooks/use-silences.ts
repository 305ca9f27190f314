'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import { apiFetch } from '@/components/lib/api';
import type { SilenceAnswer, SilenceList } from '@/components/lib/types';
import type { SilenceInput } from '@/lib/schemas/oncall';
import type { MutationCallbacks } from './mutation-callbacks';
import { LIVE_MS, queryKeys } from './query-keys';
import { invalidateOnCall } from './use-incidents';

/** What `POST /api/watchdog/silences` takes: times as ISO strings (the schema's input side). */
type NewSilence = z.input<typeof SilenceInput>;

/** `GET /api/watchdog/silences?state=all`: active, pending and expired, live. */
export function useSilences() {
  return useQuery({ queryKey: queryKeys.silences, queryFn: ({ signal }) => apiFetch<SilenceList>('/api/watchdog/silences?state=all', { signal }), refetchInterval: LIVE_MS });
}

/** `POST /api/watchdog/silences`: a new silence changes which incidents are silenced, so everything on-call is refreshed. */
export function useCreateSilence(callbacks: MutationCallbacks<SilenceAnswer, NewSilence> = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NewSilence) => apiFetch<SilenceAnswer>('/api/watchdog/silences', { method: 'POST', body }),
    onSuccess: (...args) => {
      const done = callbacks.onSuccess?.(...args);
      invalidateOnCall(qc);
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}

/** `DELETE /api/watchdog/silences/:id`: ends a silence now; matching incidents notify again. */
export function useEndSilence(callbacks: MutationCallbacks<SilenceAnswer, string> = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<SilenceAnswer>(`/api/watchdog/silences/${id}`, { method: 'DELETE' }),
    onSuccess: (...args) => {
      const done = callbacks.onSuccess?.(...args);
      void qc.invalidateQueries({ queryKey: queryKeys.silences });
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}
