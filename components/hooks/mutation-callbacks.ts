import type { UseMutationOptions } from '@tanstack/react-query';

/**
 * What a component adds to a mutation hook: its own reaction (a toast, a form reset). The hook does the cache
 * work first, then calls these; both run even when the component that started the mutation has unmounted
 * (a decided approval leaves the list at once, its toast still shows).
 */
export type MutationCallbacks<TData, TVariables> = Pick<UseMutationOptions<TData, Error, TVariables>, 'onSuccess' | 'onError' | 'onSettled'>;
