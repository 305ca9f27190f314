import type { Db } from '@/db/client';
import { log } from '@/lib/log';
import { Identifier } from '@/lib/schemas/common';
import { noteWorkersSeen, runnerVersionOf } from '@/lib/watchdog/fleet';

/** The routes whose bodies are evidence (a token-management body's worker_id is not a sighting). */
const EVIDENCE_WRITES: ReadonlySet<string> = new Set(['workerRuns.write', 'leases.write', 'helperEvents.write', 'artifactChecks.write', 'jobs.complete']);

export function writesEvidence(permission: string): boolean {
  return EVIDENCE_WRITES.has(permission);
}

/** The worker ids a request body names as evidence: `worker_id`, or each `events[].worker_id` of a batch. */
export function workersNamedIn(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && Identifier.safeParse(v).success) out.push(v);
  };
  add((body as { worker_id?: unknown }).worker_id);
  const events = (body as { events?: unknown }).events;
  if (Array.isArray(events)) for (const e of events) if (e && typeof e === 'object') add((e as { worker_id?: unknown }).worker_id);
  return out;
}

/**
 * The route step that keeps the fleet's `last_seen_at` (lib/watchdog/fleet/seen.ts): the worker a
 * token is bound to, on every authenticated call, and the workers that stored evidence names. Off the
 * request's critical path; at most one write per worker and process every few seconds.
 */
export function noteSeen(db: Db, workerIds: string[], userAgent: string | null): void {
  if (!workerIds.length) return;
  noteWorkersSeen(db, workerIds, new Date(), runnerVersionOf(userAgent)).catch((e: unknown) => log.warn({ err: e }, 'could not record a worker sighting'));
}
