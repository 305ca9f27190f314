'use client';

import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { IncidentAnswer, IncidentDetail, IncidentPage } from '@/components/lib/types';
import type { z } from 'zod';
import type { incidentStatusFilters, ResolveInput } from '@/lib/schemas/oncall';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { LIVE_MS, queryKeys } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

export type IncidentStatus = (typeof incidentStatusFilters)[number];
export interface IncidentFilters {
  status: IncidentStatus;
  signal: string;
  severity: '' | 'warning' | 'critical';
  worker_id: string;
  job_id: string;
}

const PAGE = 25;

/** The filters as a query string (the default status, open, left out): the page's URL and the list's query key. */
export function incidentQueryString(f: IncidentFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v && !(k === 'status' && v === 'open')) p.set(k, v);
  return p.toString();
}

/** `GET /api/watchdog/incidents?status=&signal=&severity=&worker_id=&job_id=&cursor=`, `PAGE` at a time, live; keeps the last page while the next loads. */
export function useIncidentPage(filters: IncidentFilters, cursor: string) {
  return useQuery({
    queryKey: queryKeys.incidents(incidentQueryString(filters), cursor),
    queryFn: ({ signal }) =>
      apiFetch<IncidentPage>(`/api/watchdog/incidents?${incidentQueryString(filters, { status: filters.status, limit: String(PAGE), ...(cursor ? { cursor } : {}) })}`, { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
    placeholderData: keepPreviousData,
  });
}

/** `GET /api/watchdog/incidents/:id`: the incident, its deliveries and the silence that covers it, live. */
export function useIncident(id: string) {
  return useQuery({
    queryKey: queryKeys.incident(id),
    queryFn: ({ signal }) => apiFetch<IncidentDetail>(`/api/watchdog/incidents/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: pollWhileOffline(LIVE_MS),
  });
}

/** What an on-call action (acknowledge, resolve, a new silence) changes: the incident lists and details, job stories, silences, the overview. */
export function invalidateOnCall(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: queryKeys.incidentsAll });
  void qc.invalidateQueries({ queryKey: queryKeys.incidentAll });
  void qc.invalidateQueries({ queryKey: queryKeys.jobAll });
  void qc.invalidateQueries({ queryKey: queryKeys.silences });
  void qc.invalidateQueries({ queryKey: queryKeys.overview });
}

/** `POST /api/watchdog/incidents/:id/acknowledge`: escalation stops, the incident stays open. */
export function useAcknowledgeIncident(id: string, callbacks: MutationCallbacks<IncidentAnswer, void> = {}) {
  return useInvalidatingMutation(
    () => apiFetch<IncidentAnswer>(`/api/watchdog/incidents/${id}/acknowledge`, { method: 'POST', body: {} }),
    (qc) => {
      invalidateOnCall(qc);
    },
    callbacks,
  );
}

/** `POST /api/watchdog/incidents/:id/resolve` with the (required) note saying how it was resolved. */
/** What `POST /api/watchdog/incidents/:id/resolve` takes: the note, and optionally what was learned. */
export type ResolveBody = z.input<typeof ResolveInput>;

export function useResolveIncident(id: string, callbacks: MutationCallbacks<IncidentAnswer, ResolveBody> = {}) {
  return useInvalidatingMutation(
    (body: ResolveBody) => apiFetch<IncidentAnswer>(`/api/watchdog/incidents/${id}/resolve`, { method: 'POST', body: { ...body, note: body.note.trim() } }),
    (qc) => {
      invalidateOnCall(qc);
      // resolving writes the system's learning (and the resolver's, when given)
      void qc.invalidateQueries({ queryKey: queryKeys.learningsAll });
    },
    callbacks,
  );
}
