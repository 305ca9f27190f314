import { randomUUID } from 'node:crypto';
import type { Phase, Signal } from '@/lib/schemas/common';
import type { RunStatus } from '@/lib/schemas/enums';
import { hashOutput } from '@/lib/watchdog/hash';
import { defaultRules, detectSignal, type RuleSet, ruleParam } from '@/lib/watchdog/rules/portable';
import { expandHelper } from './config';
import type { ExecResult, Executor } from './exec';
import { describeFailure } from './http';
import { writeLearningsFile } from './learnings-file';
import type { Delivery, EventAnswer, Reporter } from './reporter';

export type { RunStatus };

/** Exit code of `run` when the complete gate refused (or could not be asked): CMD was not run. */
export const GATE_REFUSED_EXIT = 3;

export interface PolicyContext {
  workerId: string;
  reporter: Reporter;
  executor: Executor;
  /** the rules in force (fetched from the console, cached, or the defaults); awaited only when needed */
  rules: () => Promise<RuleSet>;
  /** the configured touch helper (with placeholders), if any */
  touch?: string[] | null;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** pass helper output through to our stdout/stderr */
  echo?: boolean;
  /** where the learnings of the latest classified event go; helpers get it as WATCHDOG_LEARNINGS_FILE */
  learningsFile?: string | null;
}

export interface HelperStep {
  phase: Phase;
  /** null for a claim whose job the claim itself names */
  jobId: string | null;
  argv: string[];
  /** a claim without a job: its evidence goes under the job its output names, else under this key */
  claimKey?: string;
  resolveJobId?: (stdout: string) => string | null;
  /** the job id helpers see (WATCHDOG_JOB_ID); default `jobId` — doctor reports under the worker but is about no job */
  helperJobId?: string | null;
  /** sees the helper's output as it arrives */
  onOutput?: (chunk: Buffer) => void;
  /** appended, labelled, to the reported output: the progress report during a build carries the build's latest output */
  reportNote?: () => string | null;
}

type EventDelivery = Delivery<EventAnswer> | { state: 'deferred' };

export interface Attempt {
  eventId: string;
  outputHash: string;
  result: ExecResult;
  signal: Signal | null;
  delivery: EventDelivery;
}

export interface HelperOutcome {
  exitCode: number;
  status: RunStatus;
  /** the signal the last attempt still showed */
  signal: Signal | null;
  attempts: Attempt[];
  /** stdout of the last attempt */
  stdout: string;
  /** the job the evidence was reported under */
  jobId: string;
  /** the policy gave up and escalated (notify_owner) */
  escalated: boolean;
  /** settles when every report of this step was delivered, spooled or refused (healthy events are sent while the caller goes on) */
  reported: Promise<void>;
  gate?: 'passed' | 'refused' | 'unreachable';
}

const MAX_COMMAND_BYTES = 1024;

/** Enough to recognise fetch_failed (which takes no parameter); claims are judged by the fetched rules. */
const DETECTION_RULES: Pick<RuleSet, 'rules'> = { rules: defaultRules };

/** The command as a shell would show it, cut to API.md's 1 KiB. */
export function formatCommand(argv: string[]): string {
  const text = argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9_./:=@%+,{}-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
  if (Buffer.byteLength(text) <= MAX_COMMAND_BYTES) return text;
  let cut = text.slice(0, MAX_COMMAND_BYTES - 3);
  while (Buffer.byteLength(cut) > MAX_COMMAND_BYTES - 3) cut = cut.slice(0, -1);
  return cut + '...';
}

/** Reports go out at once, or (for a claim that has yet to name its job) are held and sent under the job it names. */
class Outbox {
  private held: { kind: 'event' | 'action'; body: Record<string, unknown>; onAnswer?: (d: EventDelivery) => void }[] = [];
  constructor(
    private readonly reporter: Reporter,
    readonly deferred: boolean,
    private readonly log: (line: string) => void,
  ) {}

  async event(body: Record<string, unknown>): Promise<EventDelivery> {
    if (!this.deferred) return this.reporter.event(body);
    this.held.push({ kind: 'event', body });
    return { state: 'deferred' };
  }

  async action(body: Record<string, unknown>): Promise<void> {
    if (!this.deferred) {
      this.noteRefusal(body, await this.reporter.action(body));
      return;
    }
    this.held.push({ kind: 'action', body });
  }

  /** Sends what was held under `jobId`; returns the event answers by event id. */
  async release(jobId: string): Promise<Map<string, EventDelivery>> {
    const answers = new Map<string, EventDelivery>();
    for (const item of this.held) {
      const body: Record<string, unknown> = { ...item.body, job_id: jobId };
      if (item.kind === 'event') answers.set(body.id as string, await this.reporter.event(body));
      else this.noteRefusal(body, await this.reporter.action(body));
    }
    this.held = [];
    return answers;
  }

  private noteRefusal(body: Record<string, unknown>, d: Delivery): void {
    if (d.state === 'refused') this.log(`watchdog: the console refused the ${String(body.action)} repair action: ${d.status} ${d.code}: ${d.message}`);
  }
}

function serverSaid(d: EventDelivery): EventAnswer['classification'] | null {
  return d.state === 'sent' ? d.body.classification : null;
}

/**
 * Runs one helper command under the self-repair policy of the rules:
 *  - every attempt is reported as a helper event (bounded output, sha256, exit code, duration);
 *  - a claim with no JSON on stdout within `claim_no_output.timeout_s` is killed (process group);
 *  - on `claim_no_output` or `fetch_failed`: touch, (fetch_failed: wait `retry_delay_s`), retry —
 *    at most `max_retries` times, and not at all when the console already judged the retry used up;
 *  - each touch and retry is reported as a repair action; a failure past the retries escalates
 *    (the console records notify_owner for the escalated event; the runner adds one only when the
 *    console answered without escalating).
 */
export async function runHelper(pc: PolicyContext, step: HelperStep): Promise<HelperOutcome> {
  // The rules are fetched only when needed: before a claim (its timeout), or once an attempt shows a
  // signal (retry delay, max retries). Recognising fetch_failed needs no rule parameter, so a healthy
  // command is reported without waiting for them.
  let rulesP: Promise<RuleSet> | null = null;
  const getRules = () => (rulesP ??= pc.rules());
  const outbox = new Outbox(pc.reporter, step.jobId === null, pc.log);
  const provisionalJob = step.jobId ?? step.claimKey ?? `claim-${pc.workerId}`;
  const attempts: Attempt[] = [];
  let retriesUsed = 0;
  const inFlight: Promise<unknown>[] = [];

  const attempt = async (n: number): Promise<Attempt> => {
    // Only a claim needs the rules before it starts (its silence timeout).
    const noOutputTimeoutMs = step.phase === 'claim' ? ruleParam(await getRules(), 'claim_no_output', 'timeout_s') * 1000 : undefined;
    const result = await pc.executor({
      argv: step.argv,
      phase: step.phase,
      jobId: provisionalJob,
      attempt: n,
      noOutputTimeoutMs,
      signal: pc.signal,
      env: helperVars(pc, step.helperJobId !== undefined ? step.helperJobId : step.jobId, step.phase, n),
      echo: pc.echo ? { stdout: step.phase !== 'claim', stderr: true } : undefined,
      onOutput: step.onOutput,
    });
    const a = await reportAttempt(pc, outbox, provisionalJob, step, result, step.phase === 'claim' ? await getRules() : DETECTION_RULES, inFlight);
    attempts.push(a);
    return a;
  };

  let current = await attempt(1);
  const rules = current.signal ? await getRules() : DETECTION_RULES;
  const maxRetries = (signal: Signal) => ruleParam(rules, signal, 'max_retries');
  while (current.signal && retriesUsed < maxRetries(current.signal) && !pc.signal?.aborted) {
    const said = serverSaid(current.delivery);
    if (said && said.signal === current.signal && !said.suggested_actions.some((s) => s.action === 'retry')) {
      pc.log(`watchdog: ${step.phase} shows ${current.signal}; the console says the automatic retry is used up for this job`);
      break;
    }
    retriesUsed++;
    const trigger = current.signal;
    await runTouch(pc, outbox, provisionalJob, step, current, trigger, inFlight);
    if (trigger === 'fetch_failed') {
      const delayS = ruleParam(rules, 'fetch_failed', 'retry_delay_s');
      pc.log(`watchdog: ${step.phase} shows fetch_failed: touched, retrying in ${delayS}s`);
      await pc.sleep(delayS * 1000);
    } else pc.log(`watchdog: ${step.phase} shows ${trigger}: touched, retrying`);
    if (pc.signal?.aborted) break;
    const previous = current;
    current = await attempt(retriesUsed + 1);
    const ok = !current.signal && current.result.exitCode === 0;
    await outbox.action({
      id: randomUUID(),
      job_id: provisionalJob,
      trigger,
      action: 'retry',
      result: ok ? 'success' : 'failed',
      evidence_event_ids: [previous.eventId, current.eventId],
      phase: step.phase,
      output_hash: previous.outputHash,
      note: `automatic retry ${retriesUsed} of ${maxRetries(trigger)} after ${trigger}${trigger === 'fetch_failed' ? ` (waited ${ruleParam(rules, 'fetch_failed', 'retry_delay_s')}s)` : ''}: exit ${current.result.exitCode}${current.signal ? `, still ${current.signal}` : ''}`,
    });
  }

  let jobId = provisionalJob;
  if (outbox.deferred) {
    await Promise.all(inFlight);
    const named = step.resolveJobId?.(current.result.stdout) ?? null;
    jobId = named ?? provisionalJob;
    const answers = await outbox.release(jobId);
    for (const a of attempts) a.delivery = answers.get(a.eventId) ?? a.delivery;
  }

  let escalated = false;
  if (current.signal) {
    escalated = true;
    const said = serverSaid(current.delivery);
    const consoleEscalated = said?.suggested_actions.some((s) => s.action === 'notify_owner') ?? false;
    // A spooled event is judged (and escalated) by the console when it is flushed.
    if (current.delivery.state === 'sent' && !consoleEscalated) {
      const d = await pc.reporter.action({
        id: randomUUID(),
        job_id: jobId,
        trigger: current.signal,
        action: 'notify_owner',
        result: current.signal === 'claim_no_output' ? 'success' : 'needs_human',
        evidence_event_ids: attempts.filter((a) => a.signal).map((a) => a.eventId),
        phase: step.phase,
        output_hash: current.outputHash,
        note: `${step.phase} still shows ${current.signal} after ${retriesUsed} automatic retr${retriesUsed === 1 ? 'y' : 'ies'}`,
      });
      if (d.state === 'refused') pc.log(`watchdog: the console refused the notify_owner repair action: ${d.status} ${d.code}: ${d.message}`);
    }
    pc.log(`watchdog: ${step.phase} of job ${jobId} still shows ${current.signal} after ${attempts.length} attempt(s): escalated to the owner`);
  }

  const last = current.result;
  const exitCode = last.exitCode !== 0 ? last.exitCode : current.signal ? 1 : 0;
  const status: RunStatus = exitCode === 0 ? (attempts.length > 1 ? 'retried' : 'ok') : current.signal === 'claim_no_output' ? 'stuck' : 'failed';
  return { exitCode, status, signal: current.signal, attempts, stdout: last.stdout, jobId, escalated, reported: Promise.all(inFlight).then(() => undefined) };
}

function helperVars(pc: PolicyContext, jobId: string | null, phase: Phase, attempt: number): Record<string, string> {
  const vars: Record<string, string> = { WATCHDOG_WORKER_ID: pc.workerId, WATCHDOG_JOB_ID: jobId ?? '', WATCHDOG_PHASE: phase, WATCHDOG_ATTEMPT: String(attempt) };
  if (pc.learningsFile) vars.WATCHDOG_LEARNINGS_FILE = pc.learningsFile;
  return vars;
}

/** A classified answer's learnings go to the learnings file before the retry runs. */
function keepLearnings(pc: PolicyContext, delivery: EventDelivery, jobId: string, phase: Phase, eventId: string): void {
  if (!pc.learningsFile || delivery.state !== 'sent' || !delivery.body.classification?.signal) return;
  try {
    writeLearningsFile(pc.learningsFile, { signal: delivery.body.classification.signal, jobId, phase, eventId, learnings: delivery.body.learnings ?? [] });
  } catch (e) {
    pc.log(`watchdog: could not write ${pc.learningsFile}: ${(e as Error).message}`);
  }
}

/**
 * Reports one attempt. An attempt that shows a signal waits for the console's answer (it says
 * whether the automatic retry is still available); a healthy one is sent while the caller goes on.
 */
async function reportAttempt(pc: PolicyContext, outbox: Outbox, jobId: string, step: HelperStep, result: ExecResult, rules: Pick<RuleSet, 'rules'>, inFlight: Promise<unknown>[]): Promise<Attempt> {
  const id = randomUUID();
  const note = step.reportNote?.();
  const output = note ? `${result.output}${result.output.endsWith('\n') || !result.output ? '' : '\n'}${note}` : result.output;
  const outputHash = hashOutput(output);
  // a helper the runner killed for silence never exited: it has no exit code (API.md part 2)
  const exitCode = result.timedOut ? null : result.exitCode;
  const body: Record<string, unknown> = {
    id,
    job_id: jobId,
    worker_id: pc.workerId,
    command: formatCommand(step.argv),
    phase: step.phase,
    exit_code: exitCode,
    output,
    output_hash: outputHash,
    duration_ms: result.durationMs,
    created_at: new Date().toISOString(),
  };
  if (result.errorCode) body.error_code = result.errorCode;
  const signal = detectSignal(rules, { command: body.command as string, phase: step.phase, exit_code: exitCode, output: result.output, error_code: result.errorCode, duration_ms: result.durationMs });
  const attempt: Attempt = { eventId: id, outputHash, result, signal, delivery: { state: 'deferred' } };
  const sending = outbox.event(body).then((delivery) => {
    if (delivery.state === 'refused') pc.log(`watchdog: the console refused the ${step.phase} event: ${delivery.status} ${delivery.code}: ${delivery.message}`);
    attempt.delivery = delivery;
    keepLearnings(pc, delivery, jobId, step.phase, id);
  });
  if (signal) await sending;
  else inFlight.push(sending);
  return attempt;
}

async function runTouch(pc: PolicyContext, outbox: Outbox, jobId: string, step: HelperStep, evidence: Attempt, trigger: Signal, inFlight: Promise<unknown>[]): Promise<void> {
  if (!pc.touch) {
    pc.log(`watchdog: no touch helper configured: retrying ${step.phase} without a touch`);
    return;
  }
  const argv = expandHelper(pc.touch, { job_id: step.jobId, worker_id: pc.workerId });
  const result = await pc.executor({
    argv,
    phase: 'touch',
    jobId,
    attempt: 1,
    signal: pc.signal,
    env: helperVars(pc, step.jobId, 'touch', 1),
    echo: pc.echo ? { stdout: false, stderr: true } : undefined,
  });
  const touchEvent = await reportAttempt(pc, outbox, jobId, { ...step, phase: 'touch', argv }, result, DETECTION_RULES, inFlight);
  await outbox.action({
    id: randomUUID(),
    job_id: jobId,
    trigger,
    action: 'touch',
    result: result.exitCode === 0 ? 'success' : 'failed',
    evidence_event_ids: [evidence.eventId, touchEvent.eventId],
    phase: step.phase,
    output_hash: evidence.outputHash,
    note: `touch before retrying ${step.phase} (${trigger}): exit ${result.exitCode}`,
  });
}

/**
 * The complete phase: ask the gate first (`POST /jobs/:job_id/complete` with the fencing token);
 * only when it passes run CMD under the policy. Refused or unanswered: CMD is not run, exit 3.
 */
export async function runComplete(pc: PolicyContext, step: HelperStep & { jobId: string }, fencingToken: number | null): Promise<HelperOutcome> {
  const refused = (gate: 'refused' | 'unreachable'): HelperOutcome => ({
    exitCode: GATE_REFUSED_EXIT,
    status: 'failed',
    signal: null,
    attempts: [],
    stdout: '',
    jobId: step.jobId,
    escalated: false,
    gate,
    reported: Promise.resolve(),
  });
  if (fencingToken === null) {
    pc.log(`watchdog: no lease known for job ${step.jobId}: the complete gate cannot be asked, complete not run`);
    return refused('refused');
  }
  const r = await pc.reporter.call<{ completed: boolean; artifact_check_id: string }>('POST', `/api/watchdog/jobs/${encodeURIComponent(step.jobId)}/complete`, {
    worker_id: pc.workerId,
    fencing_token: fencingToken,
  });
  if (r.kind === 'refused') {
    pc.log(`watchdog: the complete gate refused job ${step.jobId}: ${describeFailure(r)} — complete not run`);
    return refused('refused');
  }
  if (r.kind === 'unreachable') {
    pc.log(`watchdog: the complete gate could not be asked (${r.reason}) — complete not run`);
    return refused('unreachable');
  }
  return { ...(await runHelper(pc, step)), gate: 'passed' };
}

/** The worker run of one step: its phase, status and times (upsert by id, so it may be sent twice). */
export function runRecord(workerId: string, jobId: string, phase: Phase, status: RunStatus, startedAt: Date, endedAt: Date = new Date()): Record<string, unknown> {
  return { id: randomUUID(), worker_id: workerId, job_id: jobId, phase, status, started_at: startedAt.toISOString(), ended_at: endedAt.toISOString() };
}
