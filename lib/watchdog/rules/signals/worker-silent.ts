/**
 * worker_silent — a dead man's switch: a worker seen in the last 24 h has not been seen for `silent_s`.
 * Resolved when the worker is seen again.
 *
 * The one implementation of the rule: a pure function of when the worker was last seen, the params
 * and the time, fed by the sweep and by a replay from history alike.
 */
export interface WorkerSilentEvidence {
  lastSeenAt: Date;
}

export interface WorkerSilentParams {
  silent_s: number;
}

/** Only workers seen this recently are watched; older ones are gone (retired after 7 days). */
export const WATCH_WINDOW_MS = 24 * 3600 * 1000;

export type WorkerSilentVerdict = { detected: true; firstFailureAt: Date } | { detected: false; nextCheckAt: Date | null };

export function judgeWorkerSilent(e: WorkerSilentEvidence, params: WorkerSilentParams, now: Date): WorkerSilentVerdict {
  const seen = e.lastSeenAt.getTime();
  if (now.getTime() - seen > WATCH_WINDOW_MS) return { detected: false, nextCheckAt: null };
  const deadline = seen + params.silent_s * 1000;
  if (now.getTime() >= deadline) return { detected: true, firstFailureAt: new Date(deadline) };
  return { detected: false, nextCheckAt: new Date(deadline) };
}
