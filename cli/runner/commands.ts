import type { CommandTable } from '../dispatch';

/**
 * The runner's commands: the same modules serve `watchdog <command>` and the stand-alone
 * `dist/watchdog-runner.mjs` (cli/runner/main.ts), so the two behave alike by construction.
 * None of them may load database, driver or zod code (scripts/build-runner.mjs checks).
 */
export const runnerCommands: CommandTable = {
  run: () => import('../commands/run'),
  worker: () => import('../commands/worker'),
  spool: () => import('../commands/spool'),
  init: () => import('../commands/init'),
  version: () => import('../commands/version'),
};

export const runnerUsage = `  run --job ID --phase PHASE [--config FILE] [--worker-id ID] [--fencing-token N] [--quiet] -- CMD [ARGS...]
                                            one helper command under the self-repair policy
                                            (exit: CMD's last exit code; 3 when the complete gate refused)
  worker [--config FILE] [--worker-id ID] [--max-jobs N] [--once] [--quiet]
                                            a whole worker lifecycle under the watchdog
  spool flush [--config FILE] [--json]      send events spooled while the console was unreachable
  spool status [--config FILE] [--json]     what is waiting in the spool
  init [--config FILE] [--url URL] [--worker-id ID] [--force]
                                            write a commented watchdog.config.json skeleton
  version [--console] [--config FILE] [--json]
                                            this runner's version (--console: and the console's)
`;
