import { currentRuntime } from '../runtime';

/**
 * In-process signal from lease writers to the sweep scheduler: "a lease deadline moved", carried by
 * the runtime's notifier. Kept apart from the scheduler so domain verbs do not import timers.
 */
export function nudgeScheduler(deadline: Date): void {
  currentRuntime().notifier.nudge(deadline);
}

export function onSchedulerNudge(listener: (deadline: Date) => void): () => void {
  return currentRuntime().notifier.listen(listener);
}
