import { type QueryClient, useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query';

/**
 * What a component adds to a mutation hook: its own reaction (a toast, a form reset). The hook does the cache
 * work first, then calls these; both run even when the component that started the mutation has unmounted
 * (a decided approval leaves the list at once, its toast still shows).
 */
export type MutationCallbacks<TData, TVariables> = Pick<UseMutationOptions<TData, Error, TVariables>, 'onSuccess' | 'onError' | 'onSettled'>;

/**
 * A mutation that refreshes what it changed: the component's `onSuccess` first (it runs even when the
 * component has unmounted), then `invalidate` marks the cached answers stale.
 */
export function useInvalidatingMutation<TData, TVariables>(
  mutationFn: (variables: TVariables) => Promise<TData>,
  invalidate: (qc: QueryClient) => void,
  callbacks: MutationCallbacks<TData, TVariables>,
) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: (...args) => {
      const done = callbacks.onSuccess?.(...args);
      invalidate(qc);
      return done;
    },
    onError: callbacks.onError,
    onSettled: callbacks.onSettled,
  });
}
