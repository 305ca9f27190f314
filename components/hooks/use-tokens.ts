'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { RoleName, TokenAnswer, TokenCreated, TokenList } from '@/components/lib/types';
import { type MutationCallbacks, useInvalidatingMutation } from './mutation-callbacks';
import { queryKeys } from './query-keys';

/** `GET /api/watchdog/tokens`: every token, active and revoked (never the secret). */
export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens, queryFn: ({ signal }) => apiFetch<TokenList>('/api/watchdog/tokens', { signal }) });
}

export interface NewToken {
  name: string;
  role: RoleName;
  /** required for a worker token: the worker it may act for */
  worker_id?: string;
}

/** `POST /api/watchdog/tokens`: the answer carries the secret, shown once. */
export function useCreateToken(callbacks: MutationCallbacks<TokenCreated, NewToken> = {}) {
  return useInvalidatingMutation(
    (body: NewToken) => apiFetch<TokenCreated>('/api/watchdog/tokens', { method: 'POST', body }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.tokens });
    },
    callbacks,
  );
}

/** `DELETE /api/watchdog/tokens/:id`: calls with the token are refused from then on. */
export function useRevokeToken(callbacks: MutationCallbacks<TokenAnswer, string> = {}) {
  return useInvalidatingMutation(
    (id: string) => apiFetch<TokenAnswer>(`/api/watchdog/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    (qc) => {
      void qc.invalidateQueries({ queryKey: queryKeys.tokens });
    },
    callbacks,
  );
}
