'use client';

import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { apiFetch } from '@/components/lib/api';
import type { SilenceAnswer, SilenceList } from '@/components/lib/types';
import type { SilenceInput } from '@/lib/schemas/oncall';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
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
  return useInvalidatingMutation(
    (body: NewSilence) => apiFetch<SilenceAnswer>('/api/watchdog/silences', { method: 'POST', body }),
    (qc) => {
      invalidateOnCall(qc);
    },
    callbacks,
  );
}

/** `DELETE /api/watchdog/silences/:id`: ends a silence now; matching incidents notify again. */
export function useEndSilence(callbacks: MutationCallbacks<SilenceAnswer, string> = {}) {
  return useInvalidatingMutation(
    (id: string) => apiFetch<SilenceAnswer>(`/api/watchdog/silences/${id}`, { method: 'DELETE' }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.silences });
    },
    callbacks,
  );
}
