'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { JobList, JobStory } from '@/components/lib/types';
import { LIVE_MS, queryKeys, SLOW_MS } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

/** `GET /api/watchdog/jobs?q=`: the 200 most recently active jobs matching `q`; keeps the last list while the next loads. */
export function useJobs(q: string) {
  return useQuery({
    queryKey: queryKeys.jobs(q),
    queryFn: ({ signal }) => apiFetch<JobList>(`/api/watchdog/jobs?limit=200${q ? `&q=${encodeURIComponent(q)}` : ''}`, { signal }),
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
