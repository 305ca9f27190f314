import type { Phase } from '@/lib/schemas/common';
import { type RuleSet, ruleParam } from '@/lib/watchdog/rules/portable';
import { expandHelper, type HelperName, IDENTIFIER } from './config';
import { parseJsonOutput } from './exec';
import { describeFailure } from './http';
import { GATE_REFUSED_EXIT, type HelperOutcome, type HelperStep, type PolicyContext, runComplete, runHelper, runRecord, type RunStatus } from './policy';
import type { Reporter } from './reporter';
import { removeLeaseState, writeLeaseState } from './state';

/** What the worker needs; the `worker` command builds it from the config, the simulator from its fleet. */
export interface WorkerLoopDeps {
  workerId: string;
  helpers: Partial<Record<HelperName, string[]>>;
  leaseS: number;
  progressIntervalS: number;
  idleS: number;
  /** where the fencing token of a held lease is kept for `run --phase complete`; null: not kept */
  stateDir: string | null;
  reporter: Reporter;
  /** the policy context for one step; `signal` aborts that step's helper */
  policy: (signal: AbortSignal) => PolicyContext;
  rules: () => Promise<RuleSet>;
  refreshRules: () => Promise<unknown>;
  /** waits `ms`, ending early when `signal` aborts */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: (line: string) => void;
  /** first SIGTERM: finish the current step, start no new one, stop a running build */
  stop: AbortSignal;
  /** second SIGTERM: kill whatever helper runs now */
  kill: AbortSignal;
  /** names the evidence of a claim that never named its job */
  claimKey?: () => string;
  hooks?: WorkerHooks;
}

export interface ClaimedJob {
  jobId: string;
  /** the claim's JSON as printed */
  payload: Record<string, unknown>;
}

export interface LeaseView {
  jobId: string;
  fencingToken: number | null;
  expiresAt: Date | null;
}

/** Points where the simulator injects faults (a worker that dies holding its lease). */
export interface WorkerHooks {
  afterLease?: (job: ClaimedJob, lease: LeaseView) => Promise<'continue' | 'abandon'>;
}

export type CycleOutcome = 'no_job' | 'claim_failed' | 'doctor_failed' | 'lease_conflict' | 'completed' | 'failed' | 'gate_refused' | 'lost_lease' | 'abandoned' | 'stopped';

export interface CycleResult {
  outcome: CycleOutcome;
  jobId: string | null;
  failedPhase?: Phase;
  exitCode: number;
}

export interface ArtifactSpec {
  primary_url: string;
  files?: { name: string; url?: string }[];
  expected_file_count?: number;
}

/** The upload's stdout (or the claim's `artifact`) names what the console should check. */
export function artifactFrom(value: unknown): ArtifactSpec | null {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') return null;
  const a = (typeof v.primary_url === 'string' ? v : (v.artifact as Record<string, unknown> | undefined)) ?? null;
  if (!a || typeof a.primary_url !== 'string') return null;
  const files = Array.isArray(a.files)
    ? (a.files as unknown[])
        .filter((f): f is { name: string; url?: string } => !!f && typeof (f as { name?: unknown }).name === 'string')
        .map((f) => (typeof f.url === 'string' ? { name: f.name, url: f.url } : { name: f.name }))
        .slice(0, 50)
    : undefined;
  const spec: ArtifactSpec = { primary_url: a.primary_url };
  if (files) spec.files = files;
  if (typeof a.expected_file_count === 'number') spec.expected_file_count = a.expected_file_count;
  return spec;
}

/** The claim's job: `{"job_id": "..."}` on stdout; `{"job_id": null}` or no job_id means nothing to do. */
export function claimedJob(stdout: string): ClaimedJob | null {
  const parsed = parseJsonOutput(stdout) as Record<string, unknown> | undefined;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const id = parsed.job_id;
  if (typeof id !== 'string' || !IDENTIFIER.test(id)) return null;
  return { jobId: id, payload: parsed };
}

/** Holds the job's lease: acquires it, renews it when fewer than `within_s` seconds remain, notices when it is lost. */
class LeaseKeeper implements LeaseView {
  fencingToken: number | null = null;
  expiresAt: Date | null = null;
  lost: string | null = null;

  constructor(
    readonly jobId: string,
    private readonly deps: WorkerLoopDeps,
  ) {}

  async acquire(): Promise<'ok' | 'conflict' | 'unreachable'> {
    return this.patch(false);
  }

  async renewIfDue(rules: RuleSet): Promise<void> {
    if (this.lost) return;
    if (this.fencingToken === null) {
      await this.patch(false); // never got it (console was down): try again
      return;
    }
    const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
    if (this.expiresAt && this.expiresAt.getTime() - Date.now() < within) await this.patch(true);
  }

  private async patch(renew: boolean): Promise<'ok' | 'conflict' | 'unreachable'> {
    const until = new Date(Date.now() + this.deps.leaseS * 1000);
    const body: Record<string, unknown> = { worker_id: this.deps.workerId, lease_expires_at: until.toISOString() };
    if (renew && this.fencingToken !== null) body.fencing_token = this.fencingToken;
    const r = await this.deps.reporter.call<{ lease: { fencing_token: number; lease_expires_at: string }; directives: { action: string; reason: string }[] }>(
      'PATCH',
      `/api/watchdog/job-leases/${encodeURIComponent(this.jobId)}`,
      body,
    );
    if (r.kind === 'unreachable') {
      this.deps.log(`watchdog: lease of job ${this.jobId} not ${renew ? 'renewed' : 'taken'}: ${r.reason}`);
      return 'unreachable';
    }
    if (r.kind === 'refused') {
      this.deps.log(`watchdog: lease of job ${this.jobId} refused: ${describeFailure(r)}`);
      if (renew || this.fencingToken !== null) this.lost = `${r.code}: ${r.message}`;
      return 'conflict';
    }
    this.fencingToken = r.body.lease.fencing_token;
    this.expiresAt = new Date(r.body.lease.lease_expires_at);
    for (const d of r.body.directives ?? []) {
      if (d.action === 'stop') this.lost = `the console asked to stop: ${d.reason}`;
      else if (d.action !== 'heartbeat') this.deps.log(`watchdog: directive for job ${this.jobId}: ${d.action} (${d.reason})`);
    }
    if (this.deps.stateDir) {
      writeLeaseState(this.deps.stateDir, { job_id: this.jobId, worker_id: this.deps.workerId, fencing_token: this.fencingToken, lease_expires_at: this.expiresAt.toISOString() });
    }
    return 'ok';
  }
}

/**
 * One job's lifecycle under the watchdog: claim → lease → context → build (progress heartbeats,
 * lease renewal) → upload → artifact check → complete (gate first). Every step runs under the
 * runner's policy and is recorded as a worker run.
 */
export async function runJobCycle(deps: WorkerLoopDeps): Promise<CycleResult> {
  await deps.refreshRules();
  const rules = await deps.rules();
  const h = deps.helpers;
  const vars = (jobId: string | null) => ({ job_id: jobId, worker_id: deps.workerId });

  const step = async (phase: Phase, jobId: string, signal: AbortSignal = deps.kill, extra: BuildStepExtra = {}): Promise<HelperOutcome | null> => {
    const argv = h[phase as HelperName];
    if (!argv) return null;
    const started = new Date();
    const outcome = await runHelper(deps.policy(signal), { phase, jobId, argv: expandHelper(argv, vars(jobId)), ...extra });
    await Promise.all([recordRun(deps, jobId, phase, outcome.status, started), outcome.reported]);
    return outcome;
  };

  // claim: its evidence is reported under the job it names
  const claimStarted = new Date();
  const claimKey = deps.claimKey?.() ?? `claim-${deps.workerId}-${Date.now().toString(36)}`;
  const claim = await runHelper(deps.policy(deps.kill), {
    phase: 'claim',
    jobId: null,
    claimKey,
    argv: expandHelper(h.claim!, vars(null)),
    resolveJobId: (stdout) => claimedJob(stdout)?.jobId ?? null,
  });
  await Promise.all([recordRun(deps, claim.jobId, 'claim', claim.status, claimStarted), claim.reported]);
  if (claim.exitCode !== 0) return { outcome: 'claim_failed', jobId: null, failedPhase: 'claim', exitCode: claim.exitCode };
  const job = claimedJob(claim.stdout);
  if (!job) {
    const named = (parseJsonOutput(claim.stdout) as { job_id?: unknown } | undefined)?.job_id;
    if (named !== undefined && named !== null) deps.log(`watchdog: the claim named job ${JSON.stringify(named)}, which is not a valid job id (letters, digits and . _ : @ - only): ignored`);
    return { outcome: 'no_job', jobId: null, exitCode: 0 };
  }

  const lease = new LeaseKeeper(job.jobId, deps);
  const taken = await lease.acquire();
  if (taken === 'conflict') return { outcome: 'lease_conflict', jobId: job.jobId, exitCode: 1 };
  if (deps.hooks?.afterLease && (await deps.hooks.afterLease(job, lease)) === 'abandon') {
    return { outcome: 'abandoned', jobId: job.jobId, exitCode: 1 };
  }
  const stopped = (): CycleResult | null => {
    if (lease.lost) return { outcome: 'lost_lease', jobId: job.jobId, exitCode: 1 };
    if (deps.stop.aborted) return { outcome: 'stopped', jobId: job.jobId, exitCode: 0 };
    return null;
  };
  const failed = (phase: Phase, o: HelperOutcome): CycleResult => ({ outcome: 'failed', jobId: job.jobId, failedPhase: phase, exitCode: o.exitCode });

  // context: a failure past the retry is escalated; the build goes on with the claim's payload
  if (stopped()) return stopped()!;
  await step('context', job.jobId);

  // build, with progress heartbeats and lease renewal while it runs
  if (stopped()) return stopped()!;
  const build = await buildWithHeartbeats(deps, job.jobId, lease, rules, step);
  if (stopped()) return stopped()!;
  if (build && build.exitCode !== 0) return failed('build', build);

  await lease.renewIfDue(rules);
  if (stopped()) return stopped()!;
  const upload = await step('upload', job.jobId);
  if (upload && upload.exitCode !== 0) return failed('upload', upload);

  // the console checks the artifact itself
  const artifact = artifactFrom(upload ? parseJsonOutput(upload.stdout) : null) ?? artifactFrom(job.payload);
  if (artifact) {
    const check = await deps.reporter.call<{ check: { passed: boolean; failure_reason: string | null } }>('POST', '/api/watchdog/artifact-checks', { job_id: job.jobId, ...artifact });
    if (check.kind !== 'ok') deps.log(`watchdog: artifact check of job ${job.jobId} not recorded: ${describeFailure(check)}`);
    else if (!check.body.check.passed) deps.log(`watchdog: artifact check of job ${job.jobId} failed: ${check.body.check.failure_reason}`);
  } else deps.log(`watchdog: the upload of job ${job.jobId} named no artifact (print {"primary_url": ...} on stdout): the gate will refuse`);

  await lease.renewIfDue(rules);
  if (stopped()) return stopped()!;
  if (!h.complete) return { outcome: 'completed', jobId: job.jobId, exitCode: 0 };
  const completeStarted = new Date();
  const complete = await runComplete(deps.policy(deps.kill), { phase: 'complete', jobId: job.jobId, argv: expandHelper(h.complete, vars(job.jobId)) }, lease.fencingToken);
  await Promise.all([recordRun(deps, job.jobId, 'complete', complete.status, completeStarted), complete.reported]);
  if (complete.gate !== 'passed') return { outcome: 'gate_refused', jobId: job.jobId, failedPhase: 'complete', exitCode: GATE_REFUSED_EXIT };
  if (complete.exitCode !== 0) return failed('complete', complete);
  if (deps.stateDir) removeLeaseState(deps.stateDir, job.jobId);
  return { outcome: 'completed', jobId: job.jobId, exitCode: 0 };
}

type BuildStepExtra = Pick<HelperStep, 'onOutput' | 'reportNote'>;

/** How much of the build's latest output each progress report carries. */
export const BUILD_TAIL_BYTES = 2048;

/** The last `limit` bytes a build printed, as text for a progress report. */
export class OutputTail {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly limit = BUILD_TAIL_BYTES) {}
  push(chunk: Buffer) {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > this.limit * 2) this.buf = this.buf.subarray(this.buf.length - this.limit);
  }
  note(): string | null {
    if (!this.buf.length) return null;
    const text = this.buf
      .subarray(Math.max(0, this.buf.length - this.limit))
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    return `--- watchdog: build output, last ${Buffer.byteLength(text)} bytes ---\n${text}`;
  }
}

/**
 * The build, with a progress report every progress_interval_s while it runs. Each report carries the
 * build's latest output, so a build that prints shows new output hashes and no_progress stays quiet;
 * a build that prints nothing for longer than the rule's quiet_s is reported as not moving
 * (docs/RUNNER.md says how to tune quiet_s for such builds).
 */
async function buildWithHeartbeats(
  deps: WorkerLoopDeps,
  jobId: string,
  lease: LeaseKeeper,
  rules: RuleSet,
  step: (phase: Phase, jobId: string, signal?: AbortSignal, extra?: BuildStepExtra) => Promise<HelperOutcome | null>,
): Promise<HelperOutcome | null> {
  const tail = new OutputTail();
  const buildAbort = new AbortController();
  const abortBuild = () => buildAbort.abort();
  deps.stop.addEventListener('abort', abortBuild, { once: true });
  deps.kill.addEventListener('abort', abortBuild, { once: true });
  let building = !!deps.helpers.build;
  const heartbeats = (async () => {
    do {
      await lease.renewIfDue(rules);
      if (lease.lost) {
        buildAbort.abort();
        return;
      }
      await step('progress', jobId, deps.kill, { reportNote: () => tail.note() });
      if (!building) return;
      await deps.sleep(deps.progressIntervalS * 1000, buildAbort.signal);
    } while (building && !buildAbort.signal.aborted);
  })();
  try {
    const build = await step('build', jobId, buildAbort.signal, { onOutput: (chunk) => tail.push(chunk) });
    return build;
  } finally {
    building = false;
    buildAbort.abort(); // ends the heartbeat's wait
    await heartbeats;
    deps.stop.removeEventListener('abort', abortBuild);
    deps.kill.removeEventListener('abort', abortBuild);
  }
}

async function recordRun(deps: WorkerLoopDeps, jobId: string, phase: Phase, status: RunStatus, started: Date): Promise<void> {
  const d = await deps.reporter.run(runRecord(deps.workerId, jobId, phase, status, started));
  if (d.state === 'refused') deps.log(`watchdog: the console refused the ${phase} run: ${d.status} ${d.code}: ${d.message}`);
}

export interface WorkerSummary {
  cycles: number;
  outcomes: Partial<Record<CycleOutcome, number>>;
  last: CycleResult | null;
}

/**
 * The loop: doctor, then job cycles until stopped (SIGTERM) or `maxJobs` jobs were taken. Doctor
 * runs at start and again after a failed cycle; no job or a failed claim waits `idle_s`.
 */
export async function runWorkerLoop(deps: WorkerLoopDeps, opts: { maxJobs?: number; once?: boolean } = {}): Promise<WorkerSummary> {
  const summary: WorkerSummary = { cycles: 0, outcomes: {}, last: null };
  let jobs = 0;
  let needDoctor = true;
  while (!deps.stop.aborted) {
    if (needDoctor && deps.helpers.doctor) {
      await deps.refreshRules();
      const started = new Date();
      const doctorJob = `worker-${deps.workerId}`;
      const doctor = await runHelper(deps.policy(deps.kill), {
        phase: 'doctor',
        jobId: doctorJob,
        helperJobId: null,
        argv: expandHelper(deps.helpers.doctor, { job_id: null, worker_id: deps.workerId }),
      });
      await Promise.all([recordRun(deps, doctorJob, 'doctor', doctor.status, started), doctor.reported]);
      if (doctor.exitCode !== 0) {
        const result: CycleResult = { outcome: 'doctor_failed', jobId: null, failedPhase: 'doctor', exitCode: doctor.exitCode };
        count(summary, result);
        deps.log(`watchdog: doctor failed (exit ${doctor.exitCode}); waiting ${deps.idleS}s`);
        if (opts.once) break;
        await deps.sleep(deps.idleS * 1000, deps.stop);
        continue;
      }
      needDoctor = false;
    }
    if (deps.stop.aborted) break;
    const result = await runJobCycle(deps);
    count(summary, result);
    if (result.jobId && result.outcome !== 'lease_conflict') jobs++;
    if (result.outcome !== 'completed' && result.outcome !== 'no_job') {
      deps.log(`watchdog: job ${result.jobId ?? '(none)'} ended ${result.outcome}${result.failedPhase ? ` in ${result.failedPhase}` : ''} (exit ${result.exitCode})`);
    }
    if (['failed', 'lost_lease', 'claim_failed'].includes(result.outcome)) needDoctor = true;
    if (opts.once || (opts.maxJobs !== undefined && jobs >= opts.maxJobs)) break;
    if (result.outcome === 'no_job' || result.outcome === 'claim_failed') await deps.sleep(deps.idleS * 1000, deps.stop);
  }
  return summary;
}

function count(summary: WorkerSummary, result: CycleResult) {
  summary.cycles++;
  summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
  summary.last = result;
}
