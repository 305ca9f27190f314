import { type CommandTable, runCommandLine } from './dispatch';
import { runnerCommands, runnerUsage } from './runner/commands';

/** Each command lives in cli/commands/<name>.ts; the runner's five are shared with dist/watchdog-runner.mjs. */
const commands: CommandTable = {
  migrate: () => import('./commands/migrate'),
  token: () => import('./commands/token'),
  user: () => import('./commands/user'),
  sweep: () => import('./commands/sweep'),
  audit: () => import('./commands/audit'),
  simulate: () => import('./commands/simulate'),
  ...runnerCommands,
};

const usage = `usage: watchdog <command> [options]

  migrate                                   apply all database migrations
  token create --role ROLE [--worker-id ID] [--name NAME]     prints the token alone on stdout
  token list [--json] | token revoke TOKEN_ID
  user create --email E --role supervisor|owner [--password P]   (password from stdin otherwise)
  sweep                                     run one watchdog sweep now, print findings as JSON
  audit verify                              recompute the audit hash chain (exit 1 on a break)
  simulate --workers N --jobs M [--faults SPEC] [--seed S] [--fast] [--time-scale X]
           [--prefix P] [--no-sweep] [--json] [--quiet]
                                            a seeded fleet of simulated workers with injected faults
${runnerUsage}
Environment: DATABASE_URL, WATCHDOG_DATA_DIR, WATCHDOG_URL, WATCHDOG_TOKEN, WATCHDOG_SPOOL_DIR (see docs/).
`;

runCommandLine(commands, usage, process.argv.slice(2));
