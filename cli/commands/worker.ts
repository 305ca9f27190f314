import { CliError, optionalFlag, parseArgs } from '../args';
import { loadRunnerConfig } from '../runner/config';
import { abortableSleep, openSession } from '../runner/session';
import { runWorkerLoop, type WorkerLoopDeps } from '../runner/worker-loop';

const usage = 'usage: watchdog worker --config FILE [--worker-id ID] [--max-jobs N] [--once] [--quiet]';

/**
 * `watchdog worker`: the whole worker lifecycle under the watchdog, until SIGTERM (or --max-jobs).
 * First SIGTERM/SIGINT: the current step finishes (a running build is stopped), no new step starts,
 * spooled reports are flushed, exit 0. A second one kills the running helper at once.
 * With --once: one cycle, exit 0 (completed or no job), 3 (gate refused) or the failed step's code.
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['once', 'quiet']);
  const maxJobsFlag = optionalFlag(args, 'max-jobs');
  if (maxJobsFlag !== undefined && !/^[1-9]\d*$/.test(maxJobsFlag)) throw new CliError(`--max-jobs must be a positive whole number\n${usage}`);
  const config = loadRunnerConfig({ configFlag: optionalFlag(args, 'config'), fileOptional: false, workerIdFlag: optionalFlag(args, 'worker-id'), requiredHelpers: ['claim'] });

  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      process.stderr.write(`watchdog: ${sig}: finishing the current step, then stopping (again to stop at once)\n`);
      stop.abort();
    } else kill.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const session = openSession(config, { quiet: args.flags.quiet === true, echo: false });
  session.reporter.startFlush();
  const deps: WorkerLoopDeps = {
    workerId: config.workerId,
    helpers: config.helpers,
    leaseS: config.leaseS,
    progressIntervalS: config.progressIntervalS,
    idleS: config.idleS,
    stateDir: config.stateDir,
    reporter: session.reporter,
    policy: (signal) => session.policy({ signal, sleep: abortableSleep(signal) }),
    rules: session.rules,
    refreshRules: session.refreshRules,
    sleep: (ms, signal) => abortableSleep(signal)(ms),
    log: session.log,
    stop: stop.signal,
    kill: kill.signal,
  };
  try {
    const summary = await runWorkerLoop(deps, { maxJobs: maxJobsFlag ? Number(maxJobsFlag) : undefined, once: args.flags.once === true });
    const flushed = session.spool.hasPending() && session.reporter.reachable ? await session.reporter.flush() : await session.reporter.settle();
    if (flushed?.sent) session.log(`watchdog: sent ${flushed.sent} spooled report(s)`);
    if (session.spool.hasPending()) session.log(`watchdog: ${session.spool.pendingNames().length} report(s) wait in ${session.spool.pendingDir}`);
    session.log(`watchdog: worker ${config.workerId} stopped after ${summary.cycles} cycle(s): ${JSON.stringify(summary.outcomes)}`);
    if (args.flags.once && summary.last && !['completed', 'no_job', 'stopped'].includes(summary.last.outcome)) return summary.last.exitCode || 1;
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
