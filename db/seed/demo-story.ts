import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { recordD30Decision } from '@/lib/watchdog/metrics';
import { decideRepairAction, recordRepairAction } from '@/lib/watchdog/repairs';
import { updateRules } from '@/lib/watchdog/rules';
import { runSweep } from '@/lib/watchdog/sweep';
import { JobScript } from './demo-job-script';
import { DAY, HOUR, MIN, sweeperActor, type Timeline, workerActorOf } from './demo-timeline';

export interface Plan {
  tl: Timeline;
  db: Db;
  jobs: JobScript[];
}

function job(plan: Plan, id: string, worker: string, start: number) {
  const j = new JobScript(plan.tl, plan.db, id, worker, start);
  plan.jobs.push(j);
  return j;
}

/** Writes the whole story; `now` is the end of it. */
export function writeStory(plan: Plan, now: number, people: { owner: Actor; supervisor: Actor }) {
  const { tl, db } = plan;
  const start = now - 20 * DAY;
  const workers = ['w-alpha', 'w-bravo', 'w-charlie', 'w-delta', 'w-echo'];
  const ctx = (actor: Actor, at: number): Ctx => ({ db, actor, now: new Date(at) });
  const sweepAt = (at: number) => tl.add(at, () => runSweep(ctx(sweeperActor, at)));
  let n = 4100;
  const nextJob = () => `job-${n++}`;

  // D1: the owner confirms the version-1 thresholds with the team (version 2, by the owner).
  tl.add(start + 30 * MIN, () =>
    updateRules(
      ctx(people.owner, start + 30 * MIN),
      [{ signal: 'worker_silent', threshold: 900, params: { silent_s: 900 } }],
      'D1: thresholds agreed with the team (claim 30 s, fetch retry after 3 s, heartbeat under 3 min; a worker quiet for 15 min is gone)',
    ),
  );

  // Forty past jobs, one every ~11 hours, with the recurring failures of a real fleet.
  const kinds = [
    'happy',
    'fetch_retry',
    'happy',
    'claim_retry',
    'happy',
    'gate_fix',
    'happy',
    'near_expiry',
    'fetch_retry',
    'happy',
    'lease_expired',
    'happy',
    'unknown_error',
    'fetch_escalated',
    'happy',
    'queue_stuck_reclaimed',
    'happy',
    'claim_escalated',
    'fetch_retry',
    'happy',
    'gate_fix',
    'happy',
    'happy',
    'near_expiry',
    'fetch_retry',
    'queue_stuck_rejected',
    'happy',
    'claim_retry',
    'happy',
    'lease_expired',
    'happy',
    'fetch_retry',
    'gate_fix',
    'happy',
    'unknown_error',
    'happy',
    'fetch_retry',
    'happy',
    'claim_retry',
    'happy',
  ] as const;
  kinds.forEach((kind, i) => {
    const t0 = start + 2 * HOUR + i * 11 * HOUR + (i % 3) * 37 * MIN;
    const j = job(plan, nextJob(), workers[i % workers.length], t0);
    switch (kind) {
      case 'happy':
        j.happyPath();
        break;
      case 'fetch_retry':
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context', 'fetch');
        j.touchAndRetry('context', 'fetch_failed');
        j.happyPath({ from: 'build' });
        break;
      case 'fetch_escalated':
        // the retry fails too: escalated (needs human), someone reruns the upload by hand later
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(90, 'progress').heartbeat(5);
        j.event(240, 'build').event(20, 'progress').heartbeat(3).event(60, 'upload', 'fetch');
        j.touchAndRetry('upload', 'fetch_failed', false);
        j.heartbeat(420).event(240, 'upload').check(20, true).complete(10);
        break;
      case 'claim_retry':
        j.event(20, 'doctor').event(31, 'claim', 'claim_silent');
        j.touchAndRetry('claim', 'claim_no_output');
        j.heartbeat(3);
        j.happyPath({ from: 'context' });
        break;
      case 'claim_escalated':
        j.event(20, 'doctor').event(31, 'claim', 'claim_silent');
        j.touchAndRetry('claim', 'claim_no_output', false);
        j.event(600, 'claim').heartbeat(3);
        j.happyPath({ from: 'context' });
        break;
      case 'gate_fix':
        // the upload went to the wrong bucket: the gate refuses, the worker re-uploads, the check passes
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(240, 'build').heartbeat(5);
        j.event(60, 'upload').check(25, false).complete(10);
        j.heartbeat(300).event(200, 'upload').check(25, true).complete(10);
        break;
      case 'near_expiry':
        // a long build: the lease is down to minutes and the runner heartbeats
        j.event(20, 'doctor')
          .event(15, 'claim')
          .heartbeat(3, 12 * 60)
          .event(40, 'context');
        j.event(9 * 60, 'build', undefined, 'retried');
        j.repair(1, 'heartbeat', 'lease_near_expiry', 'build');
        j.heartbeat(1).event(80, 'build').event(20, 'upload').check(25, true).complete(10);
        break;
      case 'unknown_error':
        // a crash no rule knows: an unknown error (it counts against coverage), fixed by a rerun
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(200, 'build', 'crash');
        j.heartbeat(100).event(240, 'build').event(30, 'upload').check(25, true).complete(10);
        break;
      case 'lease_expired': {
        // the worker's laptop slept: the lease ran out, the sweep marked it stuck, the worker came back
        j.event(20, 'doctor')
          .event(15, 'claim')
          .heartbeat(3, 6 * 60);
        const expiry = j.t + 6 * MIN;
        j.event(40, 'context');
        sweepAt(expiry + 20_000);
        j.t = expiry + 4 * MIN;
        j.heartbeat(0).event(30, 'build').event(240, 'build').heartbeat(3).event(40, 'upload').check(25, true).complete(10);
        break;
      }
      case 'queue_stuck_reclaimed':
      case 'queue_stuck_rejected': {
        // the worker vanished: expired, then stuck; a reclaim request waits for the supervisor
        j.event(20, 'doctor')
          .event(15, 'claim')
          .heartbeat(3, 8 * 60);
        const expiry = j.t + 8 * MIN;
        j.event(40, 'context', undefined, 'stuck');
        sweepAt(expiry + 15_000);
        sweepAt(expiry + 6 * MIN);
        const decideAt = expiry + (kind === 'queue_stuck_reclaimed' ? 38 : 12) * MIN;
        tl.add(decideAt, async () => {
          const [pending] = rowsOf<{ id: string }>(await db.execute(sql`select id from repair_actions where job_id = ${j.job} and action = 'reclaim' and result = 'pending'`));
          if (!pending) return;
          await decideRepairAction(ctx(people.supervisor, decideAt), pending.id, {
            decision: kind === 'queue_stuck_reclaimed' ? 'approve' : 'reject',
            note: kind === 'queue_stuck_reclaimed' ? `${j.worker} is offline since last night; reclaiming for another worker` : `${j.worker} is back online and resuming; keep its lease`,
          });
        });
        j.t = decideAt;
        if (kind === 'queue_stuck_reclaimed') {
          j.handOver(workers[(i + 2) % workers.length]);
          j.heartbeat(120).event(5, 'claim').happyPath({ from: 'context' });
        } else {
          j.heartbeat(60).happyPath({ from: 'context' });
        }
        break;
      }
    }
  });

  // Mid-rollout the owner gives big uploads more warning before the lease runs out (version 3).
  const v3 = start + 11 * DAY + 3 * HOUR;
  tl.add(v3, () =>
    updateRules(ctx(people.owner, v3), [{ signal: 'lease_near_expiry', threshold: 240, params: { within_s: 240 } }], 'uploads of large artifacts need more warning: heartbeat under 4 min'),
  );

  // An interim D30 review after ten days.
  const review = start + 10 * DAY + 9 * HOUR;
  tl.add(review, () => recordD30Decision(ctx(people.owner, review), { decision: 'continue', note: 'interim review after 10 days: failures are classified and retries work; keep the rollout going' }));

  // Now: four jobs in flight and one stuck since this morning.
  const stuck = job(plan, nextJob(), 'w-delta', now - 5 * HOUR);
  stuck
    .event(20, 'doctor')
    .event(15, 'claim')
    .heartbeat(3, 10 * 60);
  const stuckExpiry = stuck.t + 10 * MIN;
  stuck.event(40, 'context').event(120, 'progress', undefined, 'stuck');
  sweepAt(stuckExpiry + 25_000);
  sweepAt(stuckExpiry + 7 * MIN);

  const live = job(plan, nextJob(), 'w-alpha', now - 32 * MIN);
  live.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(90, 'progress');
  live.keepAlive(now - 3 * MIN).event(60, 'progress');

  const gateBlocked = job(plan, nextJob(), 'w-bravo', now - 70 * MIN);
  gateBlocked.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(240, 'build').heartbeat(5);
  gateBlocked.event(60, 'upload').check(25, false).complete(10);
  gateBlocked.keepAlive(now - 4 * MIN).step(20, (at) =>
    recordRepairAction(ctx(workerActorOf('w-bravo'), at), {
      job_id: gateBlocked.job,
      trigger: 'artifact_gate_fail',
      action: 'release',
      authority: 'worker',
      note: 'the artifact bucket rejects our uploads (403); release the job so someone can look at it',
    }),
  );

  const escalated = job(plan, nextJob(), 'w-charlie', now - 50 * MIN);
  escalated.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(240, 'build').heartbeat(5);
  escalated.event(60, 'upload', 'fetch').touchAndRetry('upload', 'fetch_failed', false);
  escalated.keepAlive(now - 2 * MIN);

  // its lease runs out in under 3 minutes: the live sweeper will catch it
  const nearExpiry = job(plan, nextJob(), 'w-echo', now - 12 * MIN);
  nearExpiry
    .event(20, 'doctor')
    .event(15, 'claim')
    .heartbeat(3, 14 * 60)
    .event(40, 'context');

  // An agent in a loop: the same failing test, the same "fix", the same output, every two minutes.
  const looping = job(plan, nextJob(), 'w-foxtrot', now - 40 * MIN);
  looping.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context');
  const loopOutput =
    'FAIL src/invoice/total.test.ts\n  ● rounds half-cents up\n    Expected: 10.01\n    Received: 10\nTests: 1 failed, 41 passed\nagent: applying the same patch to total.ts and running the tests again';
  for (let i = 0; i < 6; i++) looping.say(i === 0 ? 60 : 120, 'build', 'npm test -- src/invoice', loopOutput, 1);
  looping.keepAlive(now - 90_000);

  // Alive, not moving: the lease is renewed every five minutes, the progress report never changes.
  const frozen = job(plan, nextJob(), 'w-golf', now - 45 * MIN);
  frozen.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context');
  frozen.say(60, 'progress', `pls progress ${frozen.job}`, 'progress: 62% (rendering page 31 of 50)');
  for (let i = 0; i < 10; i++) frozen.heartbeat(240).say(2, 'progress', `pls progress ${frozen.job}`, 'progress: 62% (rendering page 31 of 50)');
  sweepAt(now - 90_000);

  // A worker that finished its job and went quiet: its dead man's switch fires (see seedDemoFleet).
  const gone = job(plan, nextJob(), 'w-hotel', now - 60 * MIN);
  gone.event(20, 'doctor').event(15, 'claim').heartbeat(3).event(40, 'context').event(240, 'build').heartbeat(5);
  gone.event(60, 'upload').check(25, true).complete(10);
}
