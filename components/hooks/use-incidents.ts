'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { IncidentList } from '@/components/lib/types';
import { LIVE_MS, queryKeys } from './query-keys';

export type IncidentStatus = 'open' | 'resolved' | 'all';

/** `GET /api/watchdog/incidents?status=&signal=`, live; keeps the last list while a new filter loads. */
export function useIncidents(status: IncidentStatus, signal: string) {
  return useQuery({
    queryKey: queryKeys.incidents(status, signal),
    queryFn: ({ signal: abort }) => apiFetch<IncidentList>(`/api/watchdog/incidents?status=${status}&limit=500${signal ? `&signal=${encodeURIComponent(signal)}` : ''}`, { signal: abort }),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });
}
