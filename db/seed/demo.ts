import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { artifactChecks, notifications, ruleSets } from '@/db/schema';
import type { Phase, Signal } from '@/lib/schemas/common';
import { completeJob } from '@/lib/watchdog/artifacts';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { openIncident, resolveIncidents } from '@/lib/watchdog/incidents';
import { recordPersonLearning } from '@/lib/watchdog/learnings';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { recordD30Decision } from '@/lib/watchdog/metrics';
import { decideRepairAction, recordRepairAction } from '@/lib/watchdog/repairs';
import { getCurrentRules, updateRules } from '@/lib/watchdog/rules';
import { runSweep } from '@/lib/watchdog/sweep';
import { createUser } from '@/lib/watchdog/access';
import { upsertWorkerRun } from '@/lib/watchdog/events';

/**
 * The demo fleet a newcomer sees on the first `npm start`: about forty jobs of five workers over the last
 * 20 days, told through the domain verbs with a backdated clock (so incidents, repairs, decisions and the
 * audit chain are exactly what the console would have recorded), except artifact checks, which are
 * written as evidence rows (there is no network to probe) together with the incident the check opens
 * or resolves, as `runArtifactCheck` does. Every job that completes goes through the complete gate.
 */

export const DEMO_OWNER_EMAIL = 'owner@demo.local';
export const DEMO_SUPERVISOR_EMAIL = 'supervisor@demo.local';
const DEMO_LOCK = 7265010;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface DemoLogin {
  email: string;
  role: 'owner' | 'supervisor';
  password: string;
}

export interface DemoSummary {
  seeded: boolean;
  logins: DemoLogin[];
  jobs: number;
  events: number;
  incidents: number;
  pending_approvals: number;
}

type Step = { at: number; seq: number; run: () => Promise<unknown> };

/** Steps of every job, run in time order so sweeps and decisions see the fleet as it was then. */
class Timeline {
  private steps: Step[] = [];
  private seq = 0;
  add(at: number, run: () => Promise<unknown>) {
    this.steps.push({ at, seq: this.seq++, run });
  }
  async play() {
    for (const s of this.steps.sort((a, b) => a.at - b.at || a.seq - b.seq)) await s.run();
  }
}

const workerActorOf = (workerId: string): Actor => ({ role: 'worker', id: `demo-token-${workerId}`, label: `worker:${workerId}`, workerId, via: 'token' });
const runnerActor: Actor = { role: 'system', id: 'demo-runner', label: 'system:runner', via: 'token' };
const sweeperActor: Actor = { role: 'system', id: 'scheduler', label: 'system:scheduler', via: 'scheduler' };

const REPOS = ['acme/storefront', 'acme/payments-api', 'acme/mobile-app', 'acme/search', 'acme/infra'];
const TASKS = [
  'fix the flaky checkout test',
  'upgrade the ORM to the next major',
  'add retries to the webhook sender',
  'translate the settings page',
  'remove the deprecated v1 endpoints',
  'speed up the product search query',
  'write tests for the refund flow',
];

const OUTPUTS: Record<Phase, (job: string) => string> = {
  doctor: () => 'pls 1.8.2: queue reachable, token valid, disk 61% used',
  touch: (job) => JSON.stringify({ job_id: job, touched: true }),
  claim: (job) => {
    const n = Number(job.replace(/\D/g, '')) || 0;
    return JSON.stringify({ job_id: job, payload: { repo: REPOS[n % REPOS.length], task: TASKS[n % TASKS.length], priority: 1 + (n % 3) } });
  },
  context: (job) => JSON.stringify({ job_id: job, files: 14, bytes: 48213 }),
  progress: (job) => JSON.stringify({ job_id: job, ok: true }),
  build: () => 'vitest: 412 passed (84.2s)\nbuild ok',
  upload: (job) => JSON.stringify({ job_id: job, uploaded: ['report.html', 'patch.diff', 'logs.txt'] }),
  complete: (job) => JSON.stringify({ job_id: job, completed: true }),
};
const COMMANDS: Record<Phase, string> = {
  doctor: 'pls doctor',
  touch: 'pls touch {job}',
  claim: 'pls claim',
  context: 'pls context {job}',
  progress: 'pls progress {job}',
  build: 'npm test && npm run build',
  upload: 'pls upload-files {job}',
  complete: 'pls complete {job}',
};

type Failure = 'fetch' | 'claim_silent' | 'crash';

/** One job's script: a time cursor and the verbs, each step scheduled on the shared timeline. */
class JobScript {
  t: number;
  token = 0;
  private runStart = new Map<Phase, { id: string; at: number }>();
  lastEventId: string | null = null;
  lastOutputHash: string | null = null;

  constructor(
    private readonly tl: Timeline,
    private readonly db: Db,
    readonly job: string,
    public worker: string,
    start: number,
  ) {
    this.t = start;
  }

  private ctx(actor: Actor, at: number): Ctx {
    return { db: this.db, actor, now: new Date(at) };
  }

  /** Moves the cursor by `seconds` and schedules `fn` there. */
  step(seconds: number, fn: (at: number) => Promise<unknown>) {
    this.t += seconds * 1000;
    const at = this.t;
    this.tl.add(at, () => fn(at));
    return this;
  }

  heartbeat(seconds: number, leaseSeconds = 15 * 60) {
    return this.step(seconds, async (at) => {
      const r = await heartbeatLease(this.ctx(workerActorOf(this.worker), at), this.job, {
        worker_id: this.worker,
        lease_expires_at: new Date(at + leaseSeconds * 1000),
        ...(this.token ? { fencing_token: this.token } : {}),
      });
      this.token = r.lease.fencing_token;
    });
  }

  /** From this point on another worker takes the job (a fresh acquisition, no token yet). */
  handOver(worker: string) {
    return this.step(0, async () => {
      this.worker = worker;
      this.token = 0;
      // the previous worker's open runs stay as they were left (stuck); the new worker starts its own
      this.runStart.clear();
    });
  }

  /** Heartbeats every `everySeconds` (a 15-minute lease each time) up to `until`, so the lease never lapses. */
  keepAlive(until: number, everySeconds = 600, leaseSeconds = 15 * 60) {
    while (until - this.t > everySeconds * 1000) this.heartbeat(everySeconds, leaseSeconds);
    return this.heartbeat(Math.max(0, (until - this.t) / 1000), leaseSeconds);
  }

  /** A worker run of a phase opens when its first event is sent and closes with its final status. */
  private async trackRun(phase: Phase, at: number, status: 'ok' | 'failed' | 'retried' | 'stuck') {
    let run = this.runStart.get(phase);
    if (!run) {
      run = { id: randomUUID(), at: at - 2000 };
      this.runStart.set(phase, run);
    }
    await upsertWorkerRun(this.ctx(workerActorOf(this.worker), at), {
      id: run.id,
      worker_id: this.worker,
      job_id: this.job,
      phase,
      status,
      started_at: new Date(run.at),
      ended_at: status === 'ok' || status === 'failed' ? new Date(at) : null,
    });
    if (status === 'ok' || status === 'failed') this.runStart.delete(phase);
  }

  event(seconds: number, phase: Phase, failure?: Failure, runStatus?: 'ok' | 'failed' | 'retried' | 'stuck') {
    return this.step(seconds, async (at) => {
      const output =
        failure === 'fetch'
          ? `POST https://queue.acme.dev/api/jobs/${this.job}/${phase}\n500 TypeError: fetch failed`
          : failure === 'claim_silent'
            ? ''
            : failure === 'crash'
              ? 'Segmentation fault (core dumped)\nnode exited with code 139'
              : OUTPUTS[phase](this.job);
      const id = randomUUID();
      const durationMs = failure === 'claim_silent' ? 30_400 : phase === 'build' ? 84_000 : 300 + ((at / 1000) % 900);
      await ingestHelperEvent(this.ctx(workerActorOf(this.worker), at + 1500), {
        id,
        job_id: this.job,
        worker_id: this.worker,
        command: COMMANDS[phase].replace('{job}', this.job),
        phase,
        exit_code: failure === 'crash' ? 139 : failure ? 1 : 0,
        output,
        output_hash: hashOutput(output),
        ...(failure === 'fetch' ? { error_code: 'INTERNAL_ERROR' } : failure === 'claim_silent' ? { error_code: 'NO_OUTPUT_TIMEOUT' } : {}),
        duration_ms: Math.round(durationMs),
        created_at: new Date(at),
      });
      this.lastEventId = id;
      this.lastOutputHash = hashOutput(output);
      await this.trackRun(phase, at, runStatus ?? (failure ? 'retried' : 'ok'));
    });
  }

  /** The runner's own repair (authority system), with the failing event as evidence. */
  repair(seconds: number, action: 'touch' | 'heartbeat', trigger: Signal, phase: Phase | null) {
    return this.step(seconds, async (at) => {
      await recordRepairAction(this.ctx(runnerActor, at), {
        job_id: this.job,
        trigger,
        action,
        authority: 'system',
        result: 'success',
        ...(phase ? { phase } : {}),
        ...(this.lastEventId ? { evidence_event_ids: [this.lastEventId] } : {}),
        note: action === 'touch' ? 'touched the claim to keep it' : 'progress heartbeat: the lease had under 3 minutes left',
      });
    });
  }

  /** The fetch_failed or claim_no_output repair of the runner: touch, wait, retry the same phase. */
  touchAndRetry(phase: Phase, signal: Signal, retryWorks = true) {
    let failed: string | null = null;
    this.step(0, async () => {
      failed = this.lastEventId;
    });
    this.repair(2, 'touch', signal, phase);
    if (retryWorks) this.event(signal === 'fetch_failed' ? 4 : 2, phase);
    else this.event(signal === 'fetch_failed' ? 4 : 2, phase, signal === 'fetch_failed' ? 'fetch' : 'claim_silent', 'failed');
    // the runner reports the retry once it knows how it went (after the console received the
    // retried event, 1.5 s after it ran), with both commands as evidence
    return this.step(2, (at) =>
      recordRepairAction(this.ctx(runnerActor, at), {
        job_id: this.job,
        trigger: signal,
        action: 'retry',
        authority: 'system',
        result: retryWorks ? 'success' : 'failed',
        phase,
        evidence_event_ids: [failed, this.lastEventId].filter((id): id is string => Boolean(id)),
        note: retryWorks ? `automatic retry of ${phase} after ${signal}: it worked` : `automatic retry of ${phase} after ${signal} failed again: escalated`,
      }),
    );
  }

  /** Artifact evidence as runArtifactCheck records it (written directly: there is no network in the demo). */
  check(seconds: number, passed: boolean) {
    return this.step(seconds, (at) => recordArtifactEvidence(this.db, { jobId: this.job, workerId: this.worker, passed, at: new Date(at) }));
  }

  /** Asks the complete gate; a refusal is part of the story (recorded by the gate itself). */
  complete(seconds: number) {
    return this.step(seconds, async (at) => {
      try {
        await completeJob(this.ctx(workerActorOf(this.worker), at), this.job, { worker_id: this.worker, fencing_token: this.token, ...(this.lastOutputHash ? { output_hash: this.lastOutputHash } : {}) });
        await this.trackRun('complete', at, 'ok');
      } catch (e) {
        if (!isWatchdogError(e) || e.code !== 'artifact_gate_failed') throw e;
      }
    });
  }

  /** claim → context → progress → build → upload → check → complete, all healthy. */
  happyPath(opts: { from?: 'doctor' | 'context' | 'build'; complete?: boolean } = {}) {
    const from = opts.from ?? 'doctor';
    if (from === 'doctor') {
      this.event(20, 'doctor').event(15, 'claim');
      this.heartbeat(3);
    }
    if (from === 'doctor' || from === 'context') this.event(40, 'context').event(90, 'progress').heartbeat(5);
    this.event(240, 'build').event(20, 'progress').heartbeat(3).event(60, 'upload').check(25, true);
    if (opts.complete !== false) this.complete(10);
    return this;
  }
}

/**
 * Writes an artifact check as evidence, with its incident, as `runArtifactCheck` does after probing:
 * a failed check opens (or adds to) the job's artifact_gate_fail incident, a passing one resolves it.
 * For the demo and tests, where nothing can be probed and the clock is injected.
 */
export async function recordArtifactEvidence(db: Db, input: { jobId: string; workerId: string; passed: boolean; at: Date; primaryUrl?: string }) {
  const id = randomUUID();
  const base = input.primaryUrl ?? `https://artifacts.acme.dev/${input.jobId}/report.html`;
  const folder = base.slice(0, base.lastIndexOf('/') + 1);
  const files = input.passed
    ? ['report.html', 'patch.diff', 'logs.txt'].map((name) => ({ name, url: folder + name, http_status: 200, counted: true, error: null }))
    : [];
  const failure = input.passed ? null : 'primary_url answered 404, expected 200';
  await db.transaction(async (tx) => {
    await tx.insert(artifactChecks).values({
      id,
      jobId: input.jobId,
      workerId: input.workerId,
      primaryUrl: base,
      files,
      httpStatus: input.passed ? 200 : 404,
      fileCount: files.length,
      expectedFileCount: 3,
      passed: input.passed,
      failureReason: failure,
      checkedAt: input.at,
      requestedBy: `worker:${input.workerId}`,
    });
    if (input.passed) await resolveIncidents(tx, input.at, input.jobId, `artifact check ${id} passed`, ['artifact_gate_fail']);
    else {
      const rules = await getCurrentRules(tx);
      await openIncident(tx, input.at, { jobId: input.jobId, signal: 'artifact_gate_fail', firstFailureAt: input.at, details: { check_id: id, failure_reason: failure, primary_url: base }, ruleVersion: rules.version });
    }
  });
  return id;
}

interface Plan {
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
function writeStory(plan: Plan, now: number, people: { owner: Actor; supervisor: Actor }) {
  const { tl, db } = plan;
  const start = now - 20 * DAY;
  const workers = ['w-alpha', 'w-bravo', 'w-charlie', 'w-delta', 'w-echo'];
  const ctx = (actor: Actor, at: number): Ctx => ({ db, actor, now: new Date(at) });
  const sweepAt = (at: number) => tl.add(at, () => runSweep(ctx(sweeperActor, at)));
  let n = 4100;
  const nextJob = () => `job-${n++}`;

  // D1: the owner confirms the version-1 thresholds with the team (version 2, by the owner).
  tl.add(start + 30 * MIN, () =>
    updateRules(ctx(people.owner, start + 30 * MIN), [{ signal: 'claim_no_output', threshold: 30 }], 'D1: thresholds agreed with the team (claim 30 s, fetch retry after 3 s, heartbeat under 3 min)'),
  );

  // Forty past jobs, one every ~11 hours, with the recurring failures of a real fleet.
  const kinds = [
    'happy', 'fetch_retry', 'happy', 'claim_retry', 'happy', 'gate_fix', 'happy', 'near_expiry', 'fetch_retry', 'happy',
    'lease_expired', 'happy', 'unknown_error', 'fetch_escalated', 'happy', 'queue_stuck_reclaimed', 'happy', 'claim_escalated', 'fetch_retry', 'happy',
    'gate_fix', 'happy', 'happy', 'near_expiry', 'fetch_retry', 'queue_stuck_rejected', 'happy', 'claim_retry', 'happy', 'lease_expired',
    'happy', 'fetch_retry', 'gate_fix', 'happy', 'unknown_error', 'happy', 'fetch_retry', 'happy', 'claim_retry', 'happy',
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
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3, 12 * 60).event(40, 'context');
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
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3, 6 * 60);
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
        j.event(20, 'doctor').event(15, 'claim').heartbeat(3, 8 * 60);
        const expiry = j.t + 8 * MIN;
        j.event(40, 'context', undefined, 'stuck');
        sweepAt(expiry + 15_000);
        sweepAt(expiry + 6 * MIN);
        const decideAt = expiry + (kind === 'queue_stuck_reclaimed' ? 38 : 12) * MIN;
        tl.add(decideAt, async () => {
          const [pending] = rowsOf<{ id: string }>(
            await db.execute(sql`select id from repair_actions where job_id = ${j.job} and action = 'reclaim' and result = 'pending'`),
          );
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
  stuck.event(20, 'doctor').event(15, 'claim').heartbeat(3, 10 * 60);
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
  nearExpiry.event(20, 'doctor').event(15, 'claim').heartbeat(3, 14 * 60).event(40, 'context');
}

async function databaseIsEmpty(db: Db): Promise<boolean> {
  const [row] = rowsOf<{ busy: boolean }>(await db.execute(sql`select (exists (select 1 from users) or exists (select 1 from helper_events)) as busy`));
  return !row.busy;
}

export function generateDemoPassword(): string {
  return `demo-${randomBytes(9).toString('base64url')}`;
}

/**
 * Seeds the demo fleet and the demo users (owner@demo.local, supervisor@demo.local) into an empty
 * database (no users, no helper events), in one transaction: all of it or nothing, and of two
 * instances starting at once only one seeds. Returns `seeded: false` when the database was not empty.
 */
export async function seedDemoFleet(db: Db, now: Date, opts: { passwords?: { owner: string; supervisor: string } } = {}): Promise<DemoSummary> {
  const passwords = opts.passwords ?? { owner: generateDemoPassword(), supervisor: generateDemoPassword() };
  const end = Math.floor(now.getTime() / 1000) * 1000;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DEMO_LOCK})`);
    if (!(await databaseIsEmpty(tx))) return { seeded: false, logins: [], jobs: 0, events: 0, incidents: 0, pending_approvals: 0 };
    const setupAt = new Date(end - 20 * DAY);
    const setup: Ctx = { db: tx, actor: { role: 'owner', id: 'cli', label: 'cli', via: 'cli' }, now: setupAt };
    // version 1 dates from the rollout, not from the moment the demo was written
    await tx.update(ruleSets).set({ updatedAt: new Date(setupAt.getTime() - HOUR) }).where(eq(ruleSets.version, 1));
    const owner = await createUser(setup, { email: DEMO_OWNER_EMAIL, role: 'owner', password: passwords.owner });
    const supervisor = await createUser(setup, { email: DEMO_SUPERVISOR_EMAIL, role: 'supervisor', password: passwords.supervisor });
    const people = {
      owner: { role: 'owner', id: owner.id, label: `owner:${owner.email}`, via: 'session' } as Actor,
      supervisor: { role: 'supervisor', id: supervisor.id, label: `supervisor:${supervisor.email}`, via: 'session' } as Actor,
    };
    const plan: Plan = { tl: new Timeline(), db: tx, jobs: [] };
    writeStory(plan, end, people);
    await plan.tl.play();
    await addPeopleLearnings(tx, end, people);
    // invented history was not sent to anyone: its notifications count as delivered when they happened
    await tx.update(notifications).set({ status: 'delivered', attempts: 1, deliveredAt: sql`${notifications.createdAt} + interval '2 seconds'` });
    const [counts] = rowsOf<{ events: number; incidents: number; pending: number }>(
      await tx.execute(sql`select (select count(*) from helper_events)::int as events, (select count(*) from incidents)::int as incidents,
                                  (select count(*) from repair_actions where result = 'pending')::int as pending`),
    );
    return {
      seeded: true,
      logins: [
        { email: DEMO_OWNER_EMAIL, role: 'owner', password: passwords.owner },
        { email: DEMO_SUPERVISOR_EMAIL, role: 'supervisor', password: passwords.supervisor },
      ],
      jobs: plan.jobs.length,
      events: Number(counts.events),
      incidents: Number(counts.incidents),
      pending_approvals: Number(counts.pending),
    };
  });
}

/**
 * What supervisors wrote after looking at the story (the system wrote its own learning whenever an
 * incident resolved): one on a resolved fetch_failed incident, one on the artifact gate, one job-less.
 */
async function addPeopleLearnings(db: Db, end: number, people: { owner: Actor; supervisor: Actor }) {
  const resolvedOf = async (signal: string) =>
    rowsOf<{ id: string }>(await db.execute(sql`select id from incidents where signal = ${signal} and status = 'resolved' order by resolved_at desc limit 1`))[0];
  // written after the story's last audited step, so the audit chain stays in time order
  const [last] = rowsOf<{ at: Date | string | null }>(await db.execute(sql`select max(at) as at from audit_log`));
  let at = last?.at ? new Date(last.at).getTime() : end - DAY;
  const next = () => new Date((at = Math.min(end, at + 10 * 60_000)));
  const fetch = await resolvedOf('fetch_failed');
  if (fetch) {
    await recordPersonLearning({ db, actor: people.supervisor, now: next() }, {
      incident_id: fetch.id,
      learned: ['The queue answers HTTP 500 for about two minutes after each deploy; the context call fails, then recovers by itself.'],
      next_worker_should_check: ['Look at the queue status page (deploy in progress?) before retrying context; one retry after 3 s is usually enough.', 'Keep the claim payload: claiming again loses the job to another worker.'],
      assumptions_to_test: ['Deploy windows explain most fetch_failed incidents.'],
    });
  }
  const gate = await resolvedOf('artifact_gate_fail');
  if (gate) {
    await recordPersonLearning({ db, actor: people.owner, now: next() }, {
      incident_id: gate.id,
      learned: ['The upload finished but the artifact server needed a few seconds to list the new files.'],
      next_worker_should_check: ['Wait for the upload to be listed, then run the artifact check again before calling complete.'],
      assumptions_to_test: [],
    });
  }
  await recordPersonLearning({ db, actor: people.supervisor, now: next() }, {
    learned: ['Workers on the night shift skip the doctor step; their first claim fails more often.'],
    next_worker_should_check: ['Run the doctor helper before the first claim of a session.'],
    assumptions_to_test: ['A doctor run before claiming halves claim_no_output incidents.'],
  });
}

/** Where the demo passwords are kept (mode 0600) so a later start can remind the newcomer of them. */
export function demoLoginsPath(dataDir: string): string {
  return path.join(dataDir, 'demo-logins.json');
}

export function readDemoLogins(dataDir: string): DemoLogin[] | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(demoLoginsPath(dataDir), 'utf8')) as { logins?: DemoLogin[] };
    return Array.isArray(parsed.logins) ? parsed.logins : null;
  } catch {
    return null;
  }
}

function writeDemoLogins(dataDir: string, logins: DemoLogin[]) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = demoLoginsPath(dataDir);
  fs.writeFileSync(file + '.tmp', JSON.stringify({ note: 'demo logins created on the first start; delete this file to stop the reminder', logins }, null, 2), { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
}

/**
 * Server start: seeds the demo into an empty database and keeps the logins in the data dir. Returns
 * the logins to show: just created, or (as a reminder) the ones kept from the first start while the
 * demo users still exist.
 */
export async function ensureDemo(db: Db, now: Date, dataDir: string): Promise<{ seeded: boolean; logins: DemoLogin[] } | null> {
  const kept = readDemoLogins(dataDir);
  const owner = kept?.find((l) => l.role === 'owner');
  const supervisor = kept?.find((l) => l.role === 'supervisor');
  const passwords = owner && supervisor ? { owner: owner.password, supervisor: supervisor.password } : undefined;
  const result = await seedDemoFleet(db, now, passwords ? { passwords } : {});
  if (result.seeded) {
    writeDemoLogins(dataDir, result.logins);
    return { seeded: true, logins: result.logins };
  }
  if (!kept) return null;
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from users where email in (${DEMO_OWNER_EMAIL}, ${DEMO_SUPERVISOR_EMAIL})`));
  return Number(row.n) > 0 ? { seeded: false, logins: kept } : null;
}

/** The logins in a box, for the `npm start` output. */
export function formatDemoLogins(logins: DemoLogin[], opts: { url: string; seeded: boolean; file: string }): string {
  const lines = [
    opts.seeded ? 'Demo fleet seeded (WATCHDOG_DEMO=0 turns this off).' : 'Demo logins (kept from the first start).',
    `Open ${opts.url} and sign in as:`,
    '',
    ...logins.map((l) => `  ${l.role.padEnd(10)} ${l.email.padEnd(24)} password: ${l.password}`),
    '',
    `Saved in ${opts.file} (delete it to stop this reminder).`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const bar = '═'.repeat(width);
  return [`╔${bar}╗`, ...lines.map((l) => `║ ${l.padEnd(width - 1)}║`), `╚${bar}╝`].join('\n');
}
