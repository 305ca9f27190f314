import type { Db } from '@/db/client';
import { log } from '@/lib/log';
import { systemActor } from '../context';
import { deliverDueNotifications, nextNotificationDue } from '../notify';
import { getCurrentRules, ruleParam } from '../rules';
import { onSchedulerNudge } from './scheduler-signal';
import { nextSweepDeadline, runSweep, type SweepResult } from './sweep';
import { config } from '@/lib/config';

export interface SchedulerOptions {
  /**
   * The longest the scheduler sleeps without a known deadline. It bounds how late a lease written
   * by another instance (which cannot nudge this one) is noticed; asking for the next deadline is
   * a few index lookups, so the default is short.
   */
  maxIdleMs?: number;
  /** the shortest pause between two sweeps */
  minGapMs?: number;
  /** how long to wait after a failed sweep */
  retryMs?: number;
  onSweep?: (result: SweepResult) => void;
}

export interface Scheduler {
  stop(): Promise<void>;
  /** when the scheduler means to wake next */
  nextWake(): Date | null;
}

/**
 * Deadline-driven sweeping: sleeps until the next lease deadline (or a nudge from a lease write
 * that moved a deadline earlier), sweeps, delivers due notifications, and schedules again. Ticks
 * never overlap; a wake-up that falls during a tick runs right after it. Between instances the
 * sweep's advisory lock elects the leader: a scheduler whose sweep finds the lock taken stands down.
 */
export function startScheduler(db: Db, opts: SchedulerOptions = {}): Scheduler {
  const maxIdle = opts.maxIdleMs ?? 5_000;
  const minGap = opts.minGapMs ?? 50;
  const retryMs = opts.retryMs ?? 5_000;
  let timer: NodeJS.Timeout | null = null;
  let wakeAt: number | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;
  let wokenDuringTick = false;
  /** the near-expiry window of the rules in force at the last tick */
  let withinMs = 180_000;

  const schedule = (at: number) => {
    if (stopped) return;
    const now = Date.now();
    const target = Math.max(now + minGap, Math.min(at, now + maxIdle));
    if (timer && wakeAt !== null && wakeAt <= target) return;
    if (timer) clearTimeout(timer);
    wakeAt = target;
    timer = setTimeout(fire, target - now);
    timer.unref?.();
  };

  const fire = () => {
    timer = null;
    wakeAt = null;
    if (stopped) return;
    if (running) {
      wokenDuringTick = true;
      return;
    }
    running = tick().finally(() => {
      running = null;
      if (wokenDuringTick && !stopped) {
        wokenDuringTick = false;
        schedule(Date.now());
      }
    });
  };

  const tick = async () => {
    let next = Date.now() + maxIdle;
    try {
      const rules = await getCurrentRules(db);
      withinMs = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
      const result = await runSweep({ db, actor: systemActor, now: new Date() }, { skipIfBusy: true });
      opts.onSweep?.(result);
      if (result.findings.some((f) => f.signal !== 'lease_near_expiry')) log.info({ findings: result.findings.length }, 'sweep findings');
      const webhook = Boolean(config().webhook.url);
      if (webhook) await deliverDueNotifications(db, new Date());
      const [deadline, notifyAt] = await Promise.all([nextSweepDeadline(db, new Date()), webhook ? nextNotificationDue(db) : null]);
      next = Math.min(next, deadline?.getTime() ?? Infinity, notifyAt?.getTime() ?? Infinity);
    } catch (e) {
      if (stopped) return;
      log.error({ err: e }, 'sweep failed; retrying');
      next = Date.now() + retryMs;
    }
    schedule(next);
  };

  const unsubscribe = onSchedulerNudge((deadline) => {
    // A new or renewed lease: its first deadline is the start of its near-expiry window.
    schedule(deadline.getTime() - withinMs + 1);
  });
  schedule(Date.now());

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = null;
      wakeAt = null;
      await running;
    },
    nextWake: () => (wakeAt ? new Date(wakeAt) : null),
  };
}
