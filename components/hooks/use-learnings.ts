'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { apiFetch } from '@/components/lib/api';
import type { Learning, LearningPage } from '@/components/lib/types';
import type { LearningInput } from '@/lib/schemas/learnings';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { queryKeys, SLOW_MS } from './query-keys';

/** What `POST /api/watchdog/learnings` takes (the schema's input side: the two optional lists may be left out). */
export type NewLearning = z.input<typeof LearningInput>;

export interface LearningFilter {
  signal: string;
  worker: string;
  job: string;
}

/** `GET /api/watchdog/learnings`, filtered, newest first, a page of `limit` at a time. */
export function useLearnings(filter: LearningFilter, limit: number) {
  return useInfiniteQuery({
    queryKey: queryKeys.learnings(filter.signal, filter.worker, filter.job),
    queryFn: ({ pageParam, signal }) => {
      const p = new URLSearchParams({ limit: String(limit) });
      if (filter.signal) p.set('signal', filter.signal);
      if (filter.worker) p.set('worker_id', filter.worker);
      if (filter.job) p.set('job_id', filter.job);
      if (pageParam) p.set('cursor', pageParam);
      return apiFetch<LearningPage>(`/api/watchdog/learnings?${p}`, { signal });
    },
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: SLOW_MS,
  });
}

/** `POST /api/watchdog/learnings`: every learnings list is refreshed. */
export function useCreateLearning(callbacks: MutationCallbacks<{ learning: Learning }, NewLearning> = {}) {
  return useInvalidatingMutation(
    (body: NewLearning) => apiFetch<{ learning: Learning }>('/api/watchdog/learnings', { method: 'POST', body }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.learningsAll });
    },
    callbacks,
  );
}
