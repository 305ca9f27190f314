/**
 * In-process signal from lease writers to the sweep scheduler: "a lease deadline moved".
 * Kept apart from the scheduler so domain verbs do not import timers.
 */
type Listener = (deadline: Date) => void;
const key = Symbol.for('worker-watchdog.scheduler-listeners');
type G = typeof globalThis & { [key]?: Set<Listener> };

function listeners(): Set<Listener> {
  const g = globalThis as G;
  g[key] ??= new Set();
  return g[key]!;
}

export function nudgeScheduler(deadline: Date): void {
  for (const l of listeners()) l(deadline);
}

export function onSchedulerNudge(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}
