import { CliError, optionalFlag, parseArgs } from '../args';
import { PHASES } from '@/lib/schemas/enums';
import { IDENTIFIER, loadRunnerConfig } from '../runner/config';
import { type HelperOutcome, runComplete, runHelper, runRecord } from '../runner/policy';
import { openSession, type RunnerSession } from '../runner/session';
import { readLeaseState } from '../runner/state';
import type { Phase } from '@/lib/schemas/common';

const usage = 'usage: watchdog run --job ID --phase PHASE [--config FILE] [--worker-id ID] [--fencing-token N] [--quiet] -- CMD [ARGS...]';

/**
 * `watchdog run`: runs one helper command under the self-repair policy and reports it.
 * Exit code: CMD's last exit code; 3 when the complete gate refused (CMD not run); 2 on a usage or
 * config error; 128+N when the runner itself was stopped by signal N.
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['quiet']);
  const jobId = optionalFlag(args, 'job');
  const phase = optionalFlag(args, 'phase');
  if (!jobId) throw new CliError(`--job is required\n${usage}`);
  if (!IDENTIFIER.test(jobId)) throw new CliError(`--job "${jobId}" may hold letters, digits and . _ : @ - only`);
  if (!phase || !(PHASES as readonly string[]).includes(phase)) throw new CliError(`--phase must be one of ${PHASES.join(', ')}`);
  if (!args.rest.length) throw new CliError(`no command given after --\n${usage}`);
  const tokenFlag = optionalFlag(args, 'fencing-token');
  if (tokenFlag !== undefined && !/^\d+$/.test(tokenFlag)) throw new CliError('--fencing-token must be a whole number');

  const config = loadRunnerConfig({ configFlag: optionalFlag(args, 'config'), fileOptional: true, workerIdFlag: optionalFlag(args, 'worker-id') });
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    stoppedBy = sig;
    controller.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const session = openSession(config, { signal: controller.signal, quiet: args.flags.quiet === true, echo: true });
  const outcome = await runOnce(session, { jobId, phase: phase as Phase, argv: args.rest, fencingToken: tokenFlag !== undefined ? Number(tokenFlag) : undefined });
  if (phase === 'claim') process.stdout.write(outcome.stdout);
  if (stoppedBy) return stoppedBy === 'SIGINT' ? 130 : 143;
  return outcome.exitCode;
}

/**
 * One wrapped command, start to end: flush what the spool holds (in the background), run CMD
 * under the policy (complete: gate first), report the worker run, wait for the reports to settle.
 */
export async function runOnce(session: RunnerSession, opts: { jobId: string; phase: Phase; argv: string[]; fencingToken?: number }): Promise<HelperOutcome> {
  session.reporter.startFlush();
  const started = new Date();
  const pc = session.policy();
  const step = { phase: opts.phase, jobId: opts.jobId, argv: opts.argv };
  const outcome = opts.phase === 'complete' ? await runComplete(pc, step, opts.fencingToken ?? (await findFencingToken(session, opts.jobId))) : await runHelper(pc, step);
  const [run] = await Promise.all([session.reporter.run(runRecord(session.config.workerId, opts.jobId, opts.phase, outcome.status, started)), outcome.reported]);
  if (run.state === 'refused') session.log(`watchdog: the console refused the worker run: ${run.status} ${run.code}: ${run.message}`);
  const flushed = await session.reporter.settle();
  if (flushed?.sent) session.log(`watchdog: sent ${flushed.sent} spooled report(s)`);
  if (session.reporter.spooled) {
    session.log(
      `watchdog: console unreachable (${session.reporter.lastSpoolReason}): ${session.reporter.spooled} report(s) spooled to ${session.spool.pendingDir}; \`watchdog spool flush\` or the next run sends them`,
    );
  }
  return outcome;
}

/** The fencing token the gate needs: the one the worker saved when it took the lease, else the console's lease (ours only). */
async function findFencingToken(session: RunnerSession, jobId: string): Promise<number | null> {
  const saved = readLeaseState(session.config.stateDir, jobId);
  if (saved && saved.worker_id === session.config.workerId) return saved.fencing_token;
  const r = await session.reporter.call<{ lease: { worker_id: string; fencing_token: number } }>('GET', `/api/watchdog/job-leases/${encodeURIComponent(jobId)}`);
  if (r.kind !== 'ok') {
    session.log(`watchdog: could not read the lease of job ${jobId}: ${r.kind === 'refused' ? `${r.status} ${r.code}: ${r.message}` : r.reason}`);
    return null;
  }
  if (r.body.lease.worker_id !== session.config.workerId) {
    session.log(`watchdog: job ${jobId} is leased by ${r.body.lease.worker_id}, not ${session.config.workerId}`);
  }
  return r.body.lease.fencing_token;
}
