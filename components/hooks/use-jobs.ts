'use client';

import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { JobList, JobStory } from '@/components/lib/types';
import { LIVE_MS, queryKeys, SLOW_MS } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

const JOBS_PAGE = 50;

/** The jobs list's filters as its query string (also the page's URL). */
export function jobsQueryString(f: { q: string; state: string }): string {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.state) p.set('state', f.state);
  return p.toString();
}

/**
 * `GET /api/watchdog/jobs?q=&state=&cursor=`: the most recently active jobs matching the filters, `JOBS_PAGE` at a
 * time (`fetchNextPage` follows `next_cursor`); keeps the last list while the next filter loads.
 */
export function useJobs(filters: { q: string; state: string }) {
  const qs = jobsQueryString(filters);
  return useInfiniteQuery({
    queryKey: queryKeys.jobs(qs),
    queryFn: ({ pageParam, signal }) => apiFetch<JobList>(`/api/watchdog/jobs?limit=${JOBS_PAGE}${qs ? `&${qs}` : ''}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`, { signal }),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: pollWhileOffline(SLOW_MS),
    placeholderData: keepPreviousData,
  });
}

/**
 * `GET /api/watchdog/jobs/:job_id`: one job's whole story. Live on the job page (seeded with the server-rendered
 * story); `slow` polls less where the story is only evidence beside something else (an approval).
 */
export function useJobStory(jobId: string, { initialData, slow = false }: { initialData?: JobStory; slow?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.job(jobId),
    queryFn: ({ signal }) => apiFetch<JobStory>(`/api/watchdog/jobs/${encodeURIComponent(jobId)}`, { signal }),
    refetchInterval: pollWhileOffline(slow ? SLOW_MS : LIVE_MS),
    initialData,
  });
}
