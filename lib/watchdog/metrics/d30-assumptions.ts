import type { D30Assumption, D30Counts } from '@/lib/schemas/metrics';

/** Detection of a queue_stuck incident may lag its deadline (lease expiry + grace) by this much. */
export const QUEUE_STUCK_DETECTION_SLACK_S = 60;
/** The retry success rate at which "one retry is enough" holds. */
export const ONE_RETRY_SUCCESS_MIN = 0.5;

/** The seed's assumptions, word for word as the D30 review tests them. */
export const SEED_ASSUMPTIONS = {
  oneRetry: 'Most transient complete/context failures recover with one retry.',
  queueStuck: 'Queue stuck can be detected from lease expiry and last heartbeat.',
  blockComplete: 'Operators accept block-complete when no open artifact exists.',
} as const;

export interface AssumptionEvidence {
  retry_success_rate: number | null;
  false_green_count: number;
  counts: Pick<D30Counts, 'retries' | 'retries_succeeded' | 'completed_jobs'>;
  /** queue_stuck incidents detected in the window */
  queue_stuck: number;
  /** of them, detected later than their deadline + QUEUE_STUCK_DETECTION_SLACK_S */
  queue_stuck_late: number;
  /** the slowest queue_stuck detection after its deadline, in seconds */
  queue_stuck_max_lag_s: number | null;
}

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

/**
 * Each assumption's verdict from the window's evidence: `true` holds, `false` does not, `null` not
 * enough data (nothing in the window to test it on). `figure` is the number that decides it.
 */
export function assessD30Assumptions(e: AssumptionEvidence): D30Assumption[] {
  const { retries, retries_succeeded: retriesOk, completed_jobs: completed } = e.counts;
  const rate = e.retry_success_rate;
  const retryVerdict = retries > 0 && rate !== null ? rate >= ONE_RETRY_SUCCESS_MIN : null;
  const onTime = e.queue_stuck - e.queue_stuck_late;
  return [
    {
      text: SEED_ASSUMPTIONS.oneRetry,
      holds: retryVerdict,
      figure: rate === null ? 'retry success rate: no retries' : `retry success rate ${pct(rate)}`,
      detail:
        retries > 0
          ? `${retriesOk} of ${retries} automatic retries succeeded; it holds at ${pct(ONE_RETRY_SUCCESS_MIN)} or more.`
          : 'No automatic retry happened in the window, so there is nothing to test it on.',
    },
    {
      text: SEED_ASSUMPTIONS.queueStuck,
      holds: e.queue_stuck > 0 ? e.queue_stuck_late === 0 : null,
      figure: e.queue_stuck > 0 ? `${onTime} of ${e.queue_stuck} queue_stuck incidents detected within grace + ${QUEUE_STUCK_DETECTION_SLACK_S} s` : 'no queue_stuck incidents',
      detail:
        e.queue_stuck > 0
          ? `Every queue_stuck incident must be detected within ${QUEUE_STUCK_DETECTION_SLACK_S} s of its deadline (lease expiry + grace); the slowest took ${Math.round(e.queue_stuck_max_lag_s ?? 0)} s${e.queue_stuck_late ? `, and ${e.queue_stuck_late} took longer` : ''}.`
          : 'No job stayed stuck past its lease in the window, so there is nothing to test it on.',
    },
    {
      text: SEED_ASSUMPTIONS.blockComplete,
      holds: completed > 0 ? e.false_green_count === 0 : null,
      figure: `false green ${e.false_green_count}`,
      detail:
        completed > 0
          ? `${e.false_green_count} of ${completed} completed jobs completed after a block without a later passing artifact check; it holds at 0.`
          : 'No job completed in the window, so there is nothing to test it on.',
    },
  ];
}
