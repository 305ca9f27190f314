import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { type RuleSet, ruleParam } from '@/lib/watchdog/rules';
import type { ExecRequest, ExecResult, Executor } from '../runner/exec';
import { ConsoleClient } from '../runner/http';
import type { PolicyContext } from '../runner/policy';
import { Reporter } from '../runner/reporter';
import { abortableSleep } from '../runner/session';
import { Spool } from '../runner/spool';
import { loadRules } from '../runner/state';
import { type CycleOutcome, runJobCycle, type WorkerLoopDeps } from '../runner/worker-loop';
import { startArtifactServer } from './artifact-server';
import { FAULTS, type FaultKind, type JobPlan } from './faults';

export interface FleetOptions {
  url: string;
  token: string;
  workers: number;
  plans: JobPlan[];
  /** real waits (retry delay) are multiplied by this; 0 = no waiting */
  timeScale: number;
  artifactHost: string;
  artifactAdvertise?: string;
  /** run a sweep at the end so time-based signals show at once */
  sweep: boolean;
  log: (line: string) => void;
}

export interface FleetSummary {
  jobs: number;
  workers: number;
  faults_injected: Partial<Record<FaultKind, number>>;
  outcomes: Partial<Record<CycleOutcome | 'unclaimed', number>>;
  incidents_by_signal: Record<string, number>;
  faulted_jobs: number;
  detected: number;
  /** faulted jobs whose fault the console recognised as the expected signal, over all faulted jobs */
  coverage: number;
  completed: number;
  /** completed jobs whose completing artifact check did not pass: must be 0 */
  false_green: number;
  refused_reports: number;
  spooled_reports: number;
  missed: { job_id: string; fault: FaultKind; expected: string | null }[];
  duration_s: number;
}

const ok = (stdout: string, durationMs = 40): ExecResult => ({ exitCode: 0, stdout, output: stdout, durationMs, timedOut: false });

/**
 * The helpers of one simulated worker, as functions: what `pls claim`, `pls context`, ... would
 * print, with the job's fault injected. The runner's real policy runs over them unchanged.
 */
function simulatedHelpers(worker: SimWorker, rules: () => RuleSet, artifactBase: string): Executor {
  return async (req: ExecRequest): Promise<ExecResult> => {
    const plan = worker.current;
    const fault = plan?.fault ?? null;
    const fetchFailure = (phase: string): ExecResult | null => {
      if (!plan || plan.phase !== phase) return null;
      if (fault === 'fetch_failed' && req.attempt === 1) return failFetch(plan.jobId, phase);
      if (fault === 'fetch_failed_hard') return failFetch(plan.jobId, phase);
      return null;
    };
    switch (req.phase) {
      case 'claim': {
        if (!plan) return ok('{"job_id": null}\n');
        if (fault === 'silent_claim_hard' || (fault === 'silent_claim' && req.attempt === 1)) {
          // What the real executor reports after timeout_s of silence; the simulation does not wait for it.
          const timeout = ruleParam(rules(), 'claim_no_output', 'timeout_s') * 1000;
          return { exitCode: 124, stdout: '', output: 'claiming...\n', durationMs: timeout, errorCode: 'NO_OUTPUT_TIMEOUT', timedOut: true };
        }
        return ok(JSON.stringify({ job_id: plan.jobId, payload: { repo: 'sim', task: plan.jobId } }) + '\n', 120);
      }
      case 'doctor':
      case 'touch':
        return ok(`${req.phase} ok\n`, 15);
      case 'context':
        return fetchFailure('context') ?? ok(`{"context": {"job": "${req.jobId}", "files": 12}}\n`, 80);
      case 'progress':
        return ok('{"progress": "building"}\n', 30);
      case 'build':
        if (fault === 'unclassified') {
          return { exitCode: 2, stdout: '', output: 'renderer: Segmentation fault (core dumped)\nbuild step 4/7 aborted\n', durationMs: 2200, timedOut: false };
        }
        return ok('built 7/7 steps\n', 2500);
      case 'upload': {
        const failed = fetchFailure('upload');
        if (failed) return failed;
        const job = req.jobId;
        const artifact =
          fault === 'artifact_404'
            ? { primary_url: `${artifactBase}/gone/${job}`, files: [{ name: 'out.zip' }] }
            : fault === 'artifact_empty'
              ? { primary_url: `${artifactBase}/a/${job}/index.html`, files: [] }
              : { primary_url: `${artifactBase}/a/${job}/index.html`, files: [{ name: 'out.zip', url: `${artifactBase}/a/${job}/out.zip` }] };
        return ok(JSON.stringify(artifact) + '\n', 300);
      }
      case 'complete':
        return fetchFailure('complete') ?? ok('{"completed": true}\n', 60);
    }
  };
}

function failFetch(jobId: string, phase: string): ExecResult {
  const output = `POST https://queue.example/api/jobs/${jobId}/${phase} -> 500\nTypeError: fetch failed\n    at node:internal/deps/undici:13510:13\n`;
  return { exitCode: 1, stdout: '', output, durationMs: 900, timedOut: false };
}

interface SimWorker {
  id: string;
  current: JobPlan | null;
}

/**
 * Runs the fleet: N workers, each the real worker cycle (claim → lease → context → build →
 * upload → artifact check → gated complete) under the real policy, over one shared queue of jobs.
 */
export async function runFleet(opts: FleetOptions): Promise<FleetSummary> {
  const started = performance.now();
  const client = new ConsoleClient({ url: opts.url, token: opts.token, timeoutMs: 20_000 });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-simulate-'));
  const reporter = new Reporter(client, new Spool(path.join(scratch, 'spool')), {
    authority: 'system',
    stateDir: scratch,
    token: opts.token,
    log: opts.log,
  });
  const loaded = await loadRules(client, scratch);
  const rules = () => loaded.rules;
  const artifacts = await startArtifactServer(opts.artifactHost, opts.artifactAdvertise);
  const queue = [...opts.plans];
  const byJob = new Map(opts.plans.map((p) => [p.jobId, p]));
  const outcomes: FleetSummary['outcomes'] = {};
  const count = (o: CycleOutcome | 'unclaimed') => (outcomes[o] = (outcomes[o] ?? 0) + 1);
  const never = new AbortController().signal;
  const sleep = (ms: number, signal?: AbortSignal) => abortableSleep(signal)(ms * opts.timeScale);
  const log = opts.log;

  const runWorker = async (worker: SimWorker) => {
    const executor = simulatedHelpers(worker, rules, artifacts.base);
    const deps: WorkerLoopDeps = {
      workerId: worker.id,
      helpers: {
        doctor: ['pls', 'doctor'],
        touch: ['pls', 'touch', '{job_id}'],
        claim: ['pls', 'claim'],
        context: ['pls', 'context', '{job_id}'],
        progress: ['pls', 'progress', '{job_id}'],
        build: ['pls', 'build', '{job_id}'],
        upload: ['pls', 'upload-files', '{job_id}'],
        complete: ['pls', 'complete', '{job_id}'],
      },
      leaseS: 900,
      progressIntervalS: 30,
      idleS: 0,
      stateDir: null,
      reporter,
      policy: (signal): PolicyContext => ({
        workerId: worker.id,
        reporter,
        executor,
        rules: async () => loaded.rules,
        touch: ['pls', 'touch', '{job_id}'],
        sleep: (ms) => sleep(ms, signal),
        log,
        signal,
      }),
      rules: async () => loaded.rules,
      refreshRules: async () => loaded,
      sleep,
      log,
      stop: never,
      kill: never,
      // the claim's evidence is named after the job the queue hands out
      claimKey: () => {
        worker.current = queue.shift() ?? null;
        return worker.current?.jobId ?? `sim-idle-${worker.id}`;
      },
      hooks: {
        afterLease: async (job, lease) => {
          const plan = byJob.get(job.jobId);
          if (plan?.fault !== 'lease_expired' && plan?.fault !== 'queue_stuck') return 'continue';
          // the worker dies holding the lease; its expiry is set in the past so the next sweep sees it at once
          const pastS = plan.fault === 'queue_stuck' ? ruleParam(rules(), 'queue_stuck', 'grace_s') + 60 : 5;
          const r = await reporter.call('PATCH', `/api/watchdog/job-leases/${encodeURIComponent(job.jobId)}`, {
            worker_id: worker.id,
            fencing_token: lease.fencingToken ?? undefined,
            lease_expires_at: new Date(Date.now() - pastS * 1000).toISOString(),
          });
          if (r.kind !== 'ok') opts.log(`simulate: could not backdate the lease of ${job.jobId}: ${r.kind === 'refused' ? r.code : r.reason}`);
          return 'abandon';
        },
      },
    };
    for (;;) {
      const result = await runJobCycle(deps);
      if (result.outcome === 'no_job' && !worker.current) break;
      if (result.outcome === 'claim_failed' && worker.current) count('unclaimed');
      else count(result.outcome);
      worker.current = null;
    }
  };

  const workers: SimWorker[] = Array.from({ length: opts.workers }, (_, i) => ({ id: `sim-w${i + 1}`, current: null }));
  try {
    await Promise.all(workers.map(runWorker));
    if (opts.sweep) {
      const swept = await client.post<{ findings: unknown[] }>('/api/watchdog/sweep', {});
      if (swept.kind !== 'ok') opts.log(`simulate: the sweep was refused: ${swept.kind === 'refused' ? `${swept.status} ${swept.code}` : swept.reason}`);
    }
    const summary = await summarise(client, opts.plans, opts.workers);
    return {
      ...summary,
      outcomes,
      refused_reports: reporter.refused,
      spooled_reports: reporter.spooled,
      duration_s: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await artifacts.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

interface Timeline {
  lease: { state: string; completed_artifact_check_id: string | null } | null;
  checks: { id: string; passed: boolean }[];
  incidents: { signal: string }[];
}

/** Reads every job's timeline back from the console: incidents by signal, detection, false greens. */
async function summarise(client: ConsoleClient, plans: JobPlan[], workers: number) {
  const incidentsBySignal: Record<string, number> = {};
  const injected: Partial<Record<FaultKind, number>> = {};
  const missed: FleetSummary['missed'] = [];
  let faulted = 0;
  let detected = 0;
  let completed = 0;
  let falseGreen = 0;
  const queue = [...plans];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        const r = await client.get<Timeline>(`/api/watchdog/jobs/${encodeURIComponent(plan.jobId)}`);
        const tl: Timeline = r.kind === 'ok' ? r.body : { lease: null, checks: [], incidents: [] };
        for (const inc of tl.incidents) incidentsBySignal[inc.signal] = (incidentsBySignal[inc.signal] ?? 0) + 1;
        if (tl.lease?.state === 'completed') {
          completed++;
          const check = tl.checks.find((c) => c.id === tl.lease!.completed_artifact_check_id);
          if (!check?.passed) falseGreen++;
        }
        if (!plan.fault) continue;
        faulted++;
        injected[plan.fault] = (injected[plan.fault] ?? 0) + 1;
        const expected = FAULTS[plan.fault].expect;
        if (expected && tl.incidents.some((i) => i.signal === expected)) detected++;
        else missed.push({ job_id: plan.jobId, fault: plan.fault, expected });
      }
    }),
  );
  return {
    jobs: plans.length,
    workers,
    faults_injected: injected,
    incidents_by_signal: incidentsBySignal,
    faulted_jobs: faulted,
    detected,
    coverage: faulted ? Math.round((detected / faulted) * 1000) / 1000 : 1,
    completed,
    false_green: falseGreen,
    missed: missed.sort((a, b) => a.job_id.localeCompare(b.job_id)),
  };
}
