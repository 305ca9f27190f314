'use client';

import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Incident, LeaseJson, RepairAction, RuleSet } from '@/components/lib/types';
import { LIVE_EVENTS, type LiveEvent } from '@/lib/schemas/enums';
import { queryKeys } from './query-keys';

/** GET /api/watchdog/stream: the console's one live connection (API.md "Live updates"). */
const STREAM_PATH = '/api/watchdog/stream';
/** changes that arrive together refresh each query once */
const BATCH_MS = 150;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

// Whether the stream is up, for the whole page: the hooks below poll only while it is down.
let connected = false;

/**
 * A `refetchInterval` for data the stream covers: `ms` while the stream is down (the fallback), off while
 * it is up (the stream says when to refresh). React-query asks it again after every fetch, and the stream
 * refreshes every active query when it comes or goes, so polling stops and resumes with it.
 */
export const pollWhileOffline = (ms: number) => (): number | false => (connected ? false : ms);

/** The queries an announced change makes stale. */
function keysFor(event: LiveEvent, data: unknown, qc: QueryClient): QueryKey[] {
  switch (event) {
    case 'incident': {
      const i = data as Incident;
      return [
        queryKeys.incidentsAll,
        queryKeys.incident(i.id),
        ...(i.job_id ? [queryKeys.job(i.job_id)] : []),
        ['workers'],
        ...(i.worker_id ? [queryKeys.worker(i.worker_id)] : []),
        queryKeys.overview,
      ];
    }
    case 'action': {
      const a = data as RepairAction;
      return [['repair-actions'], queryKeys.job(a.job_id), queryKeys.overview];
    }
    case 'lease': {
      const l = data as LeaseJson;
      return [['jobs'], queryKeys.job(l.job_id), ['workers'], queryKeys.worker(l.worker_id), queryKeys.overview];
    }
    case 'rules': {
      const r = data as RuleSet;
      const current = qc.getQueryData<RuleSet>(queryKeys.rules);
      if (!current || current.version <= r.version) qc.setQueryData(queryKeys.rules, r);
      return [queryKeys.ruleVersions, queryKeys.overview];
    }
    case 'worker': {
      const w = data as { worker_id: string };
      return [['workers'], queryKeys.worker(w.worker_id)];
    }
  }
}

/**
 * Keeps every page live from one EventSource, mounted once in the console layout: each event refreshes
 * exactly the queries it changes (gathered for BATCH_MS), well within a second. When the stream drops it
 * reconnects with exponential backoff (1 s … 30 s) and, meanwhile, the hooks fall back to polling; when it
 * is back, everything on screen is refreshed once (changes made while it was down are not replayed).
 */
export function useLiveStream(): void {
  const qc = useQueryClient();
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let flush: ReturnType<typeof setTimeout> | null = null;
    let backoff = BACKOFF_FIRST_MS;
    let everOpen = false;
    let stopped = false;
    const stale = new Map<string, QueryKey>();

    const setConnected = (up: boolean) => {
      connected = up;
      document.documentElement.dataset.live = up ? 'connected' : 'reconnecting';
    };
    const refreshAll = () => void qc.invalidateQueries({ type: 'active' });
    const queue = (keys: QueryKey[]) => {
      for (const k of keys) stale.set(JSON.stringify(k), k);
      flush ??= setTimeout(() => {
        flush = null;
        const keys = [...stale.values()];
        stale.clear();
        for (const queryKey of keys) void qc.invalidateQueries({ queryKey });
      }, BATCH_MS);
    };

    const connect = () => {
      if (stopped) return;
      const es = new EventSource(STREAM_PATH);
      source = es;
      es.onopen = () => {
        backoff = BACKOFF_FIRST_MS;
        setConnected(true);
        // after a gap, whatever changed meanwhile; on the first open, this also turns the polling off
        if (everOpen) refreshAll();
        else
          qc.getQueryCache()
            .findAll({ type: 'active' })
            .forEach((q) => q.observers.forEach((o) => o.setOptions(o.options)));
        everOpen = true;
      };
      es.onerror = () => {
        es.close();
        if (source !== es || stopped) return;
        source = null;
        const wasUp = connected;
        setConnected(false);
        // polling resumes: each active query re-arms its interval after this refresh
        if (wasUp) refreshAll();
        retry = setTimeout(connect, backoff + Math.random() * 250);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      };
      for (const event of LIVE_EVENTS) {
        es.addEventListener(event, (e) => {
          try {
            queue(keysFor(event, JSON.parse((e as MessageEvent<string>).data), qc));
          } catch {
            /* a malformed event: the next poll or event catches up */
          }
        });
      }
    };

    connect();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
      if (flush) clearTimeout(flush);
      connected = false;
      delete document.documentElement.dataset.live;
    };
  }, [qc]);
}
