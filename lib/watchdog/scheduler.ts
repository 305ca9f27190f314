import type { Db } from '@/db/client';
import { log } from '@/lib/log';
import { systemActor } from './context';
import { deliverDueNotifications, nextNotificationDue } from './notifications';
import { onSchedulerNudge } from './scheduler-signal';
import { nextSweepDeadline, runSweep } from './sweep';

export interface SchedulerOptions {
  /** the longest the scheduler sleeps without a known deadline (covers other instances' writes) */
  maxIdleMs?: number;
  /** the shortest pause between two sweeps */
  minGapMs?: number;
  onSweep?: (findings: number) => void;
}

export interface Scheduler {
  stop(): Promise<void>;
  /** when the scheduler means to wake next */
  nextWake(): Date | null;
}

/**
 * Deadline-driven sweeping: sleeps until the next lease deadline (or a nudge from a lease write
 * that moved a deadline earlier), sweeps, delivers due notifications, and schedules again.
 */
export function startScheduler(db: Db, opts: SchedulerOptions = {}): Scheduler {
  const maxIdle = opts.maxIdleMs ?? 30_000;
  const minGap = opts.minGapMs ?? 50;
  let timer: NodeJS.Timeout | null = null;
  let wakeAt: number | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;

  const schedule = (at: number) => {
    if (stopped) return;
    const now = Date.now();
    const target = Math.max(now + minGap, Math.min(at, now + maxIdle));
    if (wakeAt !== null && wakeAt <= target && timer) return;
    if (timer) clearTimeout(timer);
    wakeAt = target;
    timer = setTimeout(() => {
      timer = null;
      wakeAt = null;
      running = tick().finally(() => {
        running = null;
      });
    }, target - now);
    timer.unref?.();
  };

  const tick = async () => {
    if (stopped) return;
    try {
      const now = new Date();
      const result = await runSweep({ db, actor: systemActor, now });
      opts.onSweep?.(result.findings.length);
      if (result.findings.some((f) => f.signal !== 'lease_near_expiry')) log.info({ findings: result.findings.length }, 'sweep findings');
      await deliverDueNotifications(db, new Date());
      const [deadline, notifyAt] = await Promise.all([nextSweepDeadline(db, new Date()), process.env.WATCHDOG_WEBHOOK_URL ? nextNotificationDue(db) : null]);
      const next = Math.min(deadline?.getTime() ?? Infinity, notifyAt?.getTime() ?? Infinity);
      schedule(Number.isFinite(next) ? next : Date.now() + maxIdle);
    } catch (e) {
      log.error({ err: e }, 'sweep failed; retrying');
      schedule(Date.now() + 5_000);
    }
  };

  const unsubscribe = onSchedulerNudge((deadline) => {
    // a new or renewed lease: its earliest deadline is its near-expiry window, at the latest its expiry
    schedule(Math.max(Date.now(), deadline.getTime() - 180_000));
  });
  schedule(Date.now());

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await running;
    },
    nextWake: () => (wakeAt ? new Date(wakeAt) : null),
  };
}
