/** A worker's status on the fleet page and in GET /workers (API.md "The fleet"). */
export const workerStatuses = ['working', 'idle', 'silent', 'retired'] as const;
export type WorkerStatus = (typeof workerStatuses)[number];

/** Not seen for this long: retired, listed only with `include=retired`. */
export const RETIRED_AFTER_MS = 7 * 24 * 3600 * 1000;

/**
 * retired: not seen for 7 days; silent: not seen for `silent_s` (the worker_silent threshold, the same
 * boundary as the rule); working: holds an active lease; idle: seen within `silent_s`, no lease.
 */
export function workerStatus(w: { lastSeenAt: Date; holdsActiveLease: boolean }, silentS: number, now: Date): WorkerStatus {
  const quietFor = now.getTime() - w.lastSeenAt.getTime();
  if (quietFor > RETIRED_AFTER_MS) return 'retired';
  if (quietFor >= silentS * 1000) return 'silent';
  return w.holdsActiveLease ? 'working' : 'idle';
}

/** The order of the fleet page: the ones that need a look first. */
export const statusRank: Record<WorkerStatus, number> = { silent: 0, working: 1, idle: 2, retired: 3 };
