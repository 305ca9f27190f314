'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { ChannelAnswer, ChannelList, ChannelTestAnswer } from '@/components/lib/types';
import type { ChannelPatch } from '@/lib/schemas/oncall';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { queryKeys } from './query-keys';

/** `GET /api/watchdog/channels`: every channel, secrets masked. */
export function useChannels() {
  return useQuery({ queryKey: queryKeys.channels, queryFn: ({ signal }) => apiFetch<ChannelList>('/api/watchdog/channels', { signal }) });
}

/** What the channel form sends: the whole channel (with `kind` when it is new); the API checks each kind's config. */
export interface ChannelBody {
  name: string;
  config: Record<string, unknown>;
  level: number;
  after_s: number;
  min_severity: string;
  signals: string[] | null;
  enabled: boolean;
  kind?: string;
}

/** `PATCH /api/watchdog/channels/:id` when `id` is given (an edit), else `POST /api/watchdog/channels` (a new channel). */
export function useSaveChannel(id: string | undefined, callbacks: MutationCallbacks<ChannelAnswer, ChannelBody> = {}) {
  return useInvalidatingMutation(
    (body: ChannelBody) => (id ? apiFetch<ChannelAnswer>(`/api/watchdog/channels/${id}`, { method: 'PATCH', body }) : apiFetch<ChannelAnswer>('/api/watchdog/channels', { method: 'POST', body })),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.channels });
    },
    callbacks,
  );
}

/** `PATCH /api/watchdog/channels/:id` with a change (enable, disable). */
export function useUpdateChannel(id: string, callbacks: MutationCallbacks<ChannelAnswer, ChannelPatch> = {}) {
  return useInvalidatingMutation(
    (change: ChannelPatch) => apiFetch<ChannelAnswer>(`/api/watchdog/channels/${id}`, { method: 'PATCH', body: change }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.channels });
    },
    callbacks,
  );
}

/** `DELETE /api/watchdog/channels/:id`: its messages stay in the delivery log. */
export function useDeleteChannel(id: string, callbacks: MutationCallbacks<ChannelAnswer, void> = {}) {
  return useInvalidatingMutation(
    () => apiFetch<ChannelAnswer>(`/api/watchdog/channels/${id}`, { method: 'DELETE' }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.channels });
    },
    callbacks,
  );
}

/** `POST /api/watchdog/channels/:id/test`: sends a test message; nothing cached changes. */
export function useTestChannel(id: string, callbacks: MutationCallbacks<ChannelTestAnswer, void> = {}) {
  return useMutation({
    mutationFn: () => apiFetch<ChannelTestAnswer>(`/api/watchdog/channels/${id}/test`, { method: 'POST' }),
    onSuccess: callbacks.onSuccess,
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}
