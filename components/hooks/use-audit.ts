'use client';

import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { AuditPage, AuditVerification } from '@/components/lib/types';
import { queryKeys, SLOW_MS } from './query-keys';

const PAGE = 50;

/** `GET /api/watchdog/audit`, newest first, `PAGE` entries at a time; `fetchNextPage` follows `next_cursor`. */
export function useAudit() {
  return useInfiniteQuery({
    queryKey: queryKeys.audit,
    queryFn: ({ pageParam, signal }) => apiFetch<AuditPage>(`/api/watchdog/audit?limit=${PAGE}${pageParam ? `&cursor=${pageParam}` : ''}`, { signal }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: SLOW_MS,
  });
}

/** `GET /api/watchdog/audit/verify`: walks the whole hash chain on demand (a button, not a poll). */
export function useAuditVerify() {
  return useMutation({ mutationFn: () => apiFetch<AuditVerification>('/api/watchdog/audit/verify') });
}
