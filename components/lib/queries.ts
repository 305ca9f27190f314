'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from './api';
import type { Overview } from './types';

/** How often live views poll. New incidents and approvals appear within this time without a reload. */
export const LIVE_MS = 5_000;
export const SLOW_MS = 15_000;

export const queryKeys = {
  overview: ['overview'] as const,
  pending: ['repair-actions', 'pending'] as const,
  jobs: (q: string) => ['jobs', q] as const,
  job: (id: string) => ['job', id] as const,
  incidents: (status: string, signal: string) => ['incidents', status, signal] as const,
  rules: ['rules'] as const,
  ruleVersions: ['rules', 'versions'] as const,
  d30: (from: string, to: string) => ['d30', from, to] as const,
  audit: ['audit'] as const,
  tokens: ['tokens'] as const,
  learnings: (signal: string, worker: string, job: string) => ['learnings', signal, worker, job] as const,
};

export function useOverview(initialData?: Overview) {
  return useQuery({
    queryKey: queryKeys.overview,
    queryFn: ({ signal }) => apiFetch<Overview>('/api/watchdog/overview', { signal }),
    refetchInterval: LIVE_MS,
    initialData,
    initialDataUpdatedAt: initialData ? Date.parse(initialData.generated_at) : undefined,
  });
}
