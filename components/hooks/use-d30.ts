'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { D30DecisionAnswer, D30Metrics } from '@/components/lib/types';
import type { D30DecisionName } from '@/lib/schemas/metrics';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { queryKeys, SLOW_MS } from './query-keys';

/** `GET /api/watchdog/metrics/d30?from=&to=` for a window given as ISO times; off while `enabled` is false (a bad range). */
export function useD30(fromIso: string, toIso: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.d30(fromIso, toIso),
    queryFn: ({ signal }) => apiFetch<D30Metrics>(`/api/watchdog/metrics/d30?from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`, { signal }),
    enabled,
    refetchInterval: SLOW_MS,
    placeholderData: keepPreviousData,
  });
}

/** `POST /api/watchdog/metrics/d30/decision`: records the owner's decision with the figures it was based on. */
type D30DecisionVars = { decision: D30DecisionName; note: string; from: string; to: string };

/** `from`/`to`: the window on screen; its figures are the ones stored with the decision. */
export function useD30Decision(callbacks: MutationCallbacks<D30DecisionAnswer, D30DecisionVars> = {}) {
  return useInvalidatingMutation(
    ({ decision, note, from, to }: D30DecisionVars) =>
      apiFetch<D30DecisionAnswer>('/api/watchdog/metrics/d30/decision', { method: 'POST', body: note.trim() ? { decision, note: note.trim(), from, to } : { decision, from, to } }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.d30All });
      void qc.invalidateQueries({ queryKey: queryKeys.overview });
    },
    callbacks,
  );
}
