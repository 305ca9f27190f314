'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { Overview } from '@/components/lib/types';
import { LIVE_MS, queryKeys } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

/** `GET /api/watchdog/overview`, live; seeded with the server-rendered answer when there is one. */
export function useOverview(initialData?: Overview) {
  return useQuery({
    queryKey: queryKeys.overview,
    queryFn: ({ signal }) => apiFetch<Overview>('/api/watchdog/overview', { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
    initialData,
    initialDataUpdatedAt: initialData ? Date.parse(initialData.generated_at) : undefined,
  });
}
