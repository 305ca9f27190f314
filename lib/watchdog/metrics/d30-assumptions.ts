import type { D30Assumption, D30Counts } from '@/lib/schemas/metrics';
import type { TextMessage } from '@/lib/schemas/message';
import { composeText } from './english-text';

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

/** The English text of `metrics.assumption.<key>` and its message. */
const say = (key: string, values?: TextMessage['values']) => composeText('metrics.assumption', key, values);

/** An assumption from its three sentences: each English field beside its message (`text_message`…). */
function assumption(holds: boolean | null, text: ReturnType<typeof say>, figure: ReturnType<typeof say>, detail: ReturnType<typeof say>): D30Assumption {
  return { text: text.text, holds, figure: figure.text, detail: detail.text, text_message: text.message, figure_message: figure.message, detail_message: detail.message };
}

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
    assumption(
      retryVerdict,
      say('oneRetry'),
      rate === null ? say('retryRateNone') : say('retryRate', { rate }),
      retries > 0 ? say('retryTested', { succeeded: retriesOk, retries, min_rate: ONE_RETRY_SUCCESS_MIN }) : say('retryUntested'),
    ),
    assumption(
      e.queue_stuck > 0 ? e.queue_stuck_late === 0 : null,
      say('queueStuck'),
      e.queue_stuck > 0 ? say('queueStuckOnTime', { on_time: onTime, count: e.queue_stuck, slack: QUEUE_STUCK_DETECTION_SLACK_S }) : say('queueStuckNone'),
      e.queue_stuck > 0 ? say('queueStuckTested', { slack: QUEUE_STUCK_DETECTION_SLACK_S, slowest: Math.round(e.queue_stuck_max_lag_s ?? 0), late: e.queue_stuck_late }) : say('queueStuckUntested'),
    ),
    assumption(
      completed > 0 ? e.false_green_count === 0 : null,
      say('blockComplete'),
      say('falseGreen', { count: e.false_green_count }),
      completed > 0 ? say('blockCompleteTested', { false_green: e.false_green_count, completed }) : say('blockCompleteUntested'),
    ),
  ];
}
