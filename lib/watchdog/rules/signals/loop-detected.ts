/**
 * loop_detected — the job reports `repeats` helper events with the same command and the same output
 * hash within `window_s`; detected at the event that reaches the count.
 *
 * The one implementation of the rule: a pure function of the event's time and the times of the job's
 * earlier events with the same command and output hash. Ingest feeds it from one index lookup
 * (lib/watchdog/rules/loop.ts); a replay feeds it from history.
 */
export interface LoopEvidence {
  /** the event's own time */
  at: Date;
  /** times of earlier events of the job with the same command and output hash (any order, any number) */
  priorMatchTimes: Date[];
}

export interface LoopParams {
  repeats: number;
  window_s: number;
}

export interface LoopVerdict {
  detected: boolean;
  /** events of the series within the window, this one included */
  count: number;
  /** the earliest event of the series within the window */
  firstAt: Date;
}

export function judgeLoop(e: LoopEvidence, params: LoopParams): LoopVerdict {
  const at = e.at.getTime();
  const from = at - params.window_s * 1000;
  const inWindow = e.priorMatchTimes.map((d) => d.getTime()).filter((t) => t >= from && t <= at);
  const count = inWindow.length + 1;
  return { detected: count >= params.repeats, count, firstAt: new Date(Math.min(at, ...inWindow)) };
}
