/**
 * no_progress — alive, not moving: the job's lease is active and was renewed in the last `quiet_s`,
 * but for `quiet_s` no helper event brought an output hash or a phase the job had not shown before.
 *
 * The one implementation of the rule: a pure function of the evidence, the params and the time, fed
 * by the sweep from the database (lib/watchdog/sweep/sweep-fleet.ts) and by a replay from history alike.
 */
export interface NoProgressEvidence {
  leaseState: string;
  /** when the current holder acquired the lease: quiet time is counted from here at the earliest */
  acquiredAt: Date;
  lastHeartbeatAt: Date;
  /** the latest first sight of an output hash or a phase in the job (null: no event yet) */
  lastProgressAt: Date | null;
}

export interface NoProgressParams {
  quiet_s: number;
}

export type NoProgressVerdict =
  { detected: true; since: Date; firstFailureAt: Date } | { detected: false; reason: 'inactive' | 'moving' | 'not_renewed'; since: Date | null; nextCheckAt: Date | null };

/** A lease that stopped renewing is the lease signals' business; it is looked at again this soon. */
export const NOT_RENEWED_RECHECK_MS = 60_000;

export function judgeNoProgress(e: NoProgressEvidence, params: NoProgressParams, now: Date): NoProgressVerdict {
  if (e.leaseState !== 'active') return { detected: false, reason: 'inactive', since: null, nextCheckAt: null };
  const quietMs = params.quiet_s * 1000;
  const since = new Date(Math.max(e.acquiredAt.getTime(), e.lastProgressAt?.getTime() ?? 0));
  const deadline = since.getTime() + quietMs;
  if (now.getTime() < deadline) return { detected: false, reason: 'moving', since, nextCheckAt: new Date(deadline) };
  if (e.lastHeartbeatAt.getTime() < now.getTime() - quietMs) {
    return { detected: false, reason: 'not_renewed', since, nextCheckAt: new Date(now.getTime() + Math.min(quietMs, NOT_RENEWED_RECHECK_MS)) };
  }
  return { detected: true, since, firstFailureAt: new Date(deadline) };
}
