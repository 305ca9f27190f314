import type { Actor } from '@/lib/watchdog/context';

/** The demo's clock units, its actors and the timeline every job's steps are played on. */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

type Step = { at: number; seq: number; run: () => Promise<unknown> };

/** Steps of every job, run in time order so sweeps and decisions see the fleet as it was then. */
export class Timeline {
  private steps: Step[] = [];
  private seq = 0;
  add(at: number, run: () => Promise<unknown>) {
    this.steps.push({ at, seq: this.seq++, run });
  }
  async play() {
    for (const s of this.steps.sort((a, b) => a.at - b.at || a.seq - b.seq)) await s.run();
  }
}

export const workerActorOf = (workerId: string): Actor => ({ role: 'worker', id: `demo-token-${workerId}`, label: `worker:${workerId}`, workerId, via: 'token' });
export const runnerActor: Actor = { role: 'system', id: 'demo-runner', label: 'system:runner', via: 'token' };
export const sweeperActor: Actor = { role: 'system', id: 'scheduler', label: 'system:scheduler', via: 'scheduler' };
