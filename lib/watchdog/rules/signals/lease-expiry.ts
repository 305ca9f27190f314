/**
 * lease_expired and queue_stuck — the lease signals time shows.
 * - lease_expired: an active lease past `lease_expires_at` + `grace_s` with no heartbeat (inclusive).
 * - queue_stuck: a job not completed and now > `lease_expires_at` + `grace_s` (strictly after).
 *
 * The one implementation of both rules: pure functions of the lease's expiry, the params and the
 * time. The sweep derives its index range bound from `expiryCutoff` and judges each due lease with
 * these; a replay (rules/replay.ts) calls the same functions on the lease history.
 */
export interface LeaseExpiryEvidence {
  /** the lease's state as the sweep sees it: only `active` (and `expired` for queue_stuck) leases count */
  state: string;
  leaseExpiresAt: Date;
}

export interface LeaseGraceParams {
  grace_s: number;
}

export type LeaseExpiryVerdict = { detected: true; firstFailureAt: Date } | { detected: false; nextCheckAt: Date | null };

/** The latest expiry a lease may have to be due at `now`: the sweep's range bound (expiry ≤ cutoff, or < for queue_stuck). */
export function expiryCutoff(params: LeaseGraceParams, now: Date): Date {
  return new Date(now.getTime() - params.grace_s * 1000);
}

/** lease_expired: due at expiry + grace (inclusive); the failure is counted from the expiry. */
export function judgeLeaseExpired(e: LeaseExpiryEvidence, params: LeaseGraceParams, now: Date): LeaseExpiryVerdict {
  if (e.state !== 'active') return { detected: false, nextCheckAt: null };
  const due = e.leaseExpiresAt.getTime() + params.grace_s * 1000;
  if (now.getTime() >= due) return { detected: true, firstFailureAt: e.leaseExpiresAt };
  return { detected: false, nextCheckAt: new Date(due) };
}

/** queue_stuck: due strictly after expiry + grace; the failure is counted from that moment. */
export function judgeQueueStuck(e: LeaseExpiryEvidence, params: LeaseGraceParams, now: Date): LeaseExpiryVerdict {
  if (e.state !== 'active' && e.state !== 'expired') return { detected: false, nextCheckAt: null };
  const due = e.leaseExpiresAt.getTime() + params.grace_s * 1000;
  if (now.getTime() > due) return { detected: true, firstFailureAt: new Date(due) };
  return { detected: false, nextCheckAt: new Date(due + 1) };
}
