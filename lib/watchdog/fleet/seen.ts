import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { recordResolutionLearnings } from '../incidents';

/**
 * A worker is *seen* when a call authenticates with a token bound to it, or evidence names it.
 * `workers.last_seen_at` is precise to SEEN_RESOLUTION_MS: each process writes a worker's sighting at
 * most that often (and at once when its runner version changes), so the hot ingest path costs no
 * extra statement for a busy worker. worker_silent's shortest `silent_s` (30 s) is well above it.
 */
export const SEEN_RESOLUTION_MS = 5_000;

const key = Symbol.for('worker-watchdog.workers-seen');
type Noted = Map<string, { at: number; version: string | null }>;
type G = typeof globalThis & { [key]?: WeakMap<object, Noted> };

function noted(db: Db): Noted {
  const g = globalThis as G;
  g[key] ??= new WeakMap();
  let m = g[key]!.get(db);
  if (!m) {
    m = new Map();
    g[key]!.set(db, m);
  }
  return m;
}

/** `User-Agent: watchdog-runner/<version>` → the version; null for any other agent. */
export function runnerVersionOf(userAgent: string | null | undefined): string | null {
  const m = userAgent ? /^watchdog-runner\/([0-9A-Za-z][0-9A-Za-z.+_-]{0,63})(?:\s|$)/.exec(userAgent) : null;
  return m ? m[1] : null;
}

/**
 * Records that a worker was seen at `now` (with its runner version, when the call came from the
 * runner): one upsert of its `workers` row that also clears a detected silence and resolves its
 * open worker_silent incident. Skipped (no statement) when this process wrote the same worker less
 * than SEEN_RESOLUTION_MS ago with the same version. Returns whether a write was made.
 */
export async function noteWorkerSeen(db: Db, workerId: string, now: Date, runnerVersion: string | null = null): Promise<boolean> {
  const map = noted(db);
  const last = map.get(workerId);
  const version = runnerVersion ?? last?.version ?? null;
  if (last && now.getTime() - last.at < SEEN_RESOLUTION_MS && now.getTime() >= last.at && version === last.version) return false;
  if (map.size >= 50_000 && !last) map.clear();
  map.set(workerId, { at: now.getTime(), version });
  try {
    const { resolved } = await writeWorkerSeen(db, workerId, now, runnerVersion);
    // the worker is back: its worker_silent incident resolved, and the system writes what was learned
    if (resolved.length) await recordResolutionLearnings(db, now, resolved);
  } catch (e) {
    if (map.get(workerId)?.at === now.getTime()) map.delete(workerId);
    throw e;
  }
  return true;
}

/** noteWorkerSeen for several workers named by one call (a batch of evidence). */
export async function noteWorkersSeen(db: Db, workerIds: Iterable<string>, now: Date, runnerVersion: string | null = null): Promise<void> {
  for (const id of new Set(workerIds)) await noteWorkerSeen(db, id, now, runnerVersion);
}

/** The write itself, unthrottled: the upsert and the resolution of a silence, one statement. */
export async function writeWorkerSeen(db: Db, workerId: string, now: Date, runnerVersion: string | null = null): Promise<{ resolved: string[] }> {
  const at = now.toISOString();
  const res = await db.execute(sql`
    with up as (
      insert into workers (worker_id, first_seen_at, last_seen_at, runner_version)
      values (${workerId}, ${at}::timestamptz, ${at}::timestamptz, ${runnerVersion})
      on conflict (worker_id) do update set
        last_seen_at = greatest(workers.last_seen_at, excluded.last_seen_at),
        first_seen_at = least(workers.first_seen_at, excluded.first_seen_at),
        runner_version = coalesce(excluded.runner_version, workers.runner_version),
        silent_detected_at = case when excluded.last_seen_at > workers.last_seen_at then null else workers.silent_detected_at end
      returning worker_id
    ),
    resolved as (
      update incidents set status = 'resolved', resolved_at = ${at}::timestamptz, resolution = ${`worker seen again at ${at}`}
      where worker_id = ${workerId} and signal = 'worker_silent' and status = 'open' and job_id is null
        and coalesce((details->>'last_seen_at')::timestamptz, first_failure_at) < ${at}::timestamptz
      returning id
    )
    select (select count(*) from up)::int as upserted, coalesce((select json_agg(id) from resolved), '[]'::json) as resolved`);
  const row = rowsOf<{ resolved: string[] | string }>(res)[0];
  const resolved = typeof row?.resolved === 'string' ? (JSON.parse(row.resolved) as string[]) : (row?.resolved ?? []);
  return { resolved };
}

/** Forgets this process's write throttle (tests that move the clock backwards). */
export function forgetWorkersSeen(db: Db): void {
  noted(db).clear();
}
