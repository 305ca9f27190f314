'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiFetch } from '@/components/lib/api';
import type { DecisionAnswer, RepairAction, RepairActionList } from '@/components/lib/types';
import type { MutationCallbacks } from './mutation-callbacks';
import { LIVE_MS, queryKeys, SLOW_MS } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

/** `GET /api/watchdog/repair-actions?status=pending`: the requests waiting for a supervisor, live. */
export function usePendingActions() {
  return useQuery({
    queryKey: queryKeys.pending,
    queryFn: ({ signal }) => apiFetch<RepairActionList>('/api/watchdog/repair-actions?status=pending&limit=500', { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
  });
}

/** `GET /api/watchdog/repair-actions?status=decided`: the last few decisions. */
export function useDecidedActions() {
  return useQuery({
    queryKey: queryKeys.decided,
    queryFn: ({ signal }) => apiFetch<RepairActionList>('/api/watchdog/repair-actions?status=decided&limit=8', { signal }),
    refetchInterval: pollWhileOffline(SLOW_MS),
  });
}

export type Decision = 'approve' | 'reject';

/**
 * `POST /api/watchdog/repair-actions/:id/decision`. Takes the action off the pending list as soon as it is decided
 * (by this call, or already by someone else: `already_decided`), then refreshes the lists, the overview and the job.
 */
export function useDecideAction(action: Pick<RepairAction, 'id' | 'job_id'>, callbacks: MutationCallbacks<DecisionAnswer, { decision: Decision; note: string }> = {}) {
  const qc = useQueryClient();
  const dropFromPending = () => qc.setQueryData<RepairActionList>(queryKeys.pending, (old) => (old ? { actions: old.actions.filter((a) => a.id !== action.id) } : old));
  return useMutation({
    mutationFn: ({ decision, note }: { decision: Decision; note: string }) =>
      apiFetch<DecisionAnswer>(`/api/watchdog/repair-actions/${action.id}/decision`, { method: 'POST', body: note.trim() ? { decision, note: note.trim() } : { decision } }),
    onSuccess: (...args) => {
      dropFromPending();
      return callbacks.onSuccess?.(...args);
    },
    onError: (...args) => {
      if (args[0] instanceof ApiError && args[0].code === 'already_decided') dropFromPending();
      return callbacks.onError?.(...args);
    },
    onSettled: (...args) => {
      void qc.invalidateQueries({ queryKey: queryKeys.pending });
      void qc.invalidateQueries({ queryKey: queryKeys.decided });
      void qc.invalidateQueries({ queryKey: queryKeys.overview });
      void qc.invalidateQueries({ queryKey: queryKeys.job(action.job_id) });
      return callbacks.onSettled?.(...args);
    },
  });
}
