import { runCommandLine } from '../dispatch';
import { runnerCommands, runnerUsage } from './commands';
import { RUNNER_VERSION } from './version';

/**
 * The entry of dist/watchdog-runner.mjs (`npm run build:runner`): the runner's commands alone, in
 * one file that needs only Node ≥ 20. The console's own commands (migrate, token, …) are not here.
 */
const usage = `usage: node watchdog-runner.mjs <command> [options]   (watchdog-runner ${RUNNER_VERSION})

${runnerUsage}
Environment: WATCHDOG_URL, WATCHDOG_TOKEN, WATCHDOG_WORKER_ID, WATCHDOG_SPOOL_DIR, WATCHDOG_STATE_DIR,
WATCHDOG_AUTHORITY, WATCHDOG_HTTP_TIMEOUT_MS (see docs/RUNNER.md).
`;

runCommandLine(
  runnerCommands,
  usage,
  process.argv.slice(2),
  (name) => `watchdog: "${name}" is not a runner command (the runner file has: ${Object.keys(runnerCommands).join(', ')}; the others run on the console)`,
);
