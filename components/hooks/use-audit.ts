'use client';

import { keepPreviousData, useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { AuditPage, AuditVerification } from '@/components/lib/types';
import { queryKeys, SLOW_MS } from './query-keys';

const PAGE = 50;

/** The audit page's filters (API.md: `action` and `actor` exact or a prefix ending with `*`, `from` and `to` ISO times). */
export interface AuditFilters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

/** The filters as a query string (unset ones left out): the page's URL and the list's query key. */
export function auditQueryString(f: AuditFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return p.toString();
}

/** `GET /api/watchdog/audit?action=&actor=&from=&to=`, newest first, `PAGE` entries at a time; `fetchNextPage` follows `next_cursor`. */
export function useAudit(filters: AuditFilters) {
  const qs = auditQueryString(filters);
  return useInfiniteQuery({
    queryKey: [...queryKeys.audit, qs],
    queryFn: ({ pageParam, signal }) => apiFetch<AuditPage>(`/api/watchdog/audit?limit=${PAGE}${qs ? `&${qs}` : ''}${pageParam ? `&cursor=${pageParam}` : ''}`, { signal }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: SLOW_MS,
    placeholderData: keepPreviousData,
  });
}

/** `GET /api/watchdog/audit/verify`: walks the whole hash chain on demand (a button, not a poll). */
export function useAuditVerify() {
  return useMutation({ mutationFn: () => apiFetch<AuditVerification>('/api/watchdog/audit/verify') });
}
