'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/components/lib/api';
import type { RulesPreviewInput, RulesPutInput } from '@/lib/schemas/admin';
import type { RulesPreview, RuleSet, RuleVersions } from '@/components/lib/types';
import type { MutationCallbacks } from './mutation-callbacks';
import { queryKeys, SLOW_MS } from './query-keys';
import { pollWhileOffline } from './use-live-stream';

/** `GET /api/watchdog/rules`: the rule set in force. */
export function useRules() {
  return useQuery({ queryKey: queryKeys.rules, queryFn: ({ signal }) => apiFetch<RuleSet>('/api/watchdog/rules', { signal }), refetchInterval: pollWhileOffline(SLOW_MS) });
}

/** `GET /api/watchdog/rules/versions`: every version, newest first. */
export function useRuleVersions() {
  return useQuery({ queryKey: queryKeys.ruleVersions, queryFn: ({ signal }) => apiFetch<RuleVersions>('/api/watchdog/rules/versions', { signal }), refetchInterval: pollWhileOffline(SLOW_MS) });
}

/** `PUT /api/watchdog/rules`: publishes a new version; the answer becomes the rule set in force at once. */
export function useSaveRules(callbacks: MutationCallbacks<RuleSet, RulesPutInput> = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RulesPutInput) => apiFetch<RuleSet>('/api/watchdog/rules', { method: 'PUT', body }),
    onSuccess: (...args) => {
      qc.setQueryData(queryKeys.rules, args[0]);
      const done = callbacks.onSuccess?.(...args);
      void qc.invalidateQueries({ queryKey: queryKeys.ruleVersions });
      void qc.invalidateQueries({ queryKey: queryKeys.overview });
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}

/** `POST /api/watchdog/rules/preview`: the draft replayed beside the rules in force over a window (writes nothing). */
export function usePreviewRules(callbacks: MutationCallbacks<RulesPreview, RulesPreviewInput> = {}) {
  return useMutation({
    mutationFn: (body: RulesPreviewInput) => apiFetch<RulesPreview>('/api/watchdog/rules/preview', { method: 'POST', body }),
    onSuccess: callbacks.onSuccess,
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}
