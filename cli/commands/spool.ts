import { CliError, optionalFlag, parseArgs } from '../args';
import { loadRunnerConfig } from '../runner/config';
import { openSession } from '../runner/session';

const usage = 'usage: watchdog spool flush [--config FILE] [--json] | watchdog spool status [--config FILE] [--json]';

/**
 * `watchdog spool flush`: sends what the runner spooled while the console was unreachable, with
 * the original ids (the console's idempotency makes a second send harmless). A record the console
 * refuses (409 idempotency_conflict, other 4xx) is reported and moved to `rejected/`; an unreadable
 * file is moved to `quarantine/`. Exit 0 when the spool is empty afterwards and nothing was moved
 * aside; 1 otherwise; 2 on a usage or config error.
 * `watchdog spool status`: what waits (pending, oldest first) and what was moved aside; sends nothing.
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json']);
  const sub = args.positional[0];
  if (sub !== 'flush' && sub !== 'status') throw new CliError(usage);
  const config = loadRunnerConfig({ configFlag: optionalFlag(args, 'config'), fileOptional: true, workerIdOptional: true });
  const session = openSession(config);
  if (sub === 'status') {
    const { spool } = session;
    const status = {
      spool_dir: config.spoolDir,
      pending: spool.pendingNames().length,
      oldest_pending_at: spool.oldestPendingAt(),
      rejected: spool.asideNames('rejected').length,
      quarantined: spool.asideNames('quarantine').length,
    };
    if (args.flags.json === true) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else {
      process.stdout.write(
        `spool ${status.spool_dir}: pending ${status.pending}${status.oldest_pending_at ? ` (oldest spooled ${status.oldest_pending_at})` : ''}, ` +
          `rejected ${status.rejected}, quarantined ${status.quarantined}\n`,
      );
    }
    return 0;
  }
  const summary = await session.reporter.flush();
  if (args.flags.json === true) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(
      `spool ${config.spoolDir}: sent ${summary.sent}, rejected ${summary.rejected.length}, quarantined ${summary.quarantined.length}, left ${summary.left}` +
        (summary.stopped ? ` (stopped: ${summary.stopped})` : '') +
        '\n',
    );
  }
  return summary.left === 0 && summary.rejected.length === 0 && summary.quarantined.length === 0 ? 0 : 1;
}
