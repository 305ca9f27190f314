'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, apiFetch } from '@/components/lib/api';
import type { WorkerDetail, WorkerList } from '@/components/lib/types';
import { LIVE_MS, queryKeys } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

/** `GET /api/watchdog/workers[?include=retired]`: the fleet, silent workers first; keeps the last list while the next loads. */
export function useWorkers(includeRetired: boolean, initialData?: WorkerList) {
  return useQuery({
    queryKey: queryKeys.workers(includeRetired),
    queryFn: ({ signal }) => apiFetch<WorkerList>(`/api/watchdog/workers${includeRetired ? '?include=retired' : ''}`, { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
    placeholderData: keepPreviousData,
    initialData: includeRetired ? undefined : initialData,
  });
}

/** `GET /api/watchdog/workers/:worker_id`: one worker, its recent jobs and open incidents; an unknown worker is not retried. */
export function useWorker(workerId: string, initialData?: WorkerDetail) {
  return useQuery({
    queryKey: queryKeys.worker(workerId),
    queryFn: ({ signal }) => apiFetch<WorkerDetail>(`/api/watchdog/workers/${encodeURIComponent(workerId)}`, { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
    initialData,
    retry: (n, e) => !(e instanceof ApiError && e.status === 404) && n < 2,
  });
}
