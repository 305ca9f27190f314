import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import type { Phase, Signal } from '@/lib/schemas/common';
import type { RunStatus } from '@/lib/schemas/enums';
import { completeJob } from '@/lib/watchdog/artifacts';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { isWatchdogError } from '@/lib/watchdog/errors';
import { ingestHelperEvent, upsertWorkerRun } from '@/lib/watchdog/events';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { recordArtifactEvidence } from './demo-artifacts';
import { runnerActor, type Timeline, workerActorOf } from './demo-timeline';

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
export class JobScript {
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
  private async trackRun(phase: Phase, at: number, status: RunStatus) {
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

  event(seconds: number, phase: Phase, failure?: Failure, runStatus?: RunStatus) {
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

  /** A helper event with its own command and output (an agent's own command, not a queue helper). */
  say(seconds: number, phase: Phase, command: string, output: string, exitCode = 0) {
    return this.step(seconds, async (at) => {
      const id = randomUUID();
      await ingestHelperEvent(this.ctx(workerActorOf(this.worker), at + 1500), {
        id,
        job_id: this.job,
        worker_id: this.worker,
        command,
        phase,
        exit_code: exitCode,
        output,
        output_hash: hashOutput(output),
        duration_ms: 4200,
        created_at: new Date(at),
      });
      this.lastEventId = id;
      this.lastOutputHash = hashOutput(output);
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
        await completeJob(this.ctx(workerActorOf(this.worker), at), this.job, {
          worker_id: this.worker,
          fencing_token: this.token,
          ...(this.lastOutputHash ? { output_hash: this.lastOutputHash } : {}),
        });
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
