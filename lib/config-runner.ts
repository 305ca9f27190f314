import { RUNNER_AUTHORITIES } from './schemas/enums';
import { integer, oneOf, readVariables, text, url, type Variable } from './config-fields';

/**
 * The runner's part of the configuration: the variables `watchdog run`, `worker` and `spool` (and the
 * one-file runner, dist/watchdog-runner.mjs, bundled from cli/runner/) read. Kept apart from
 * lib/config.ts so the runner pulls in nothing of the console. The config file's values
 * (cli/runner/config.ts) come under these: a variable set here wins.
 */
export const runnerVariables = {
  WATCHDOG_URL: { schema: url(), default: '(the config file\'s "url")', meaning: 'the console the runner and `simulate` talk to' },
  WATCHDOG_TOKEN: { schema: text(), default: '(none)', meaning: 'the bearer token of the runner (a worker or system token) and of `simulate` (system)', secret: true },
  WATCHDOG_WORKER_ID: { schema: text(), default: '(the config file\'s "worker_id")', meaning: 'the worker id the runner reports as (`--worker-id` wins)' },
  WATCHDOG_AUTHORITY: {
    schema: oneOf(RUNNER_AUTHORITIES, undefined),
    default: 'auto',
    meaning: "authority of the runner's touches and retries: `system`, `worker` or `auto` (system when the console accepts it)",
  },
  WATCHDOG_SPOOL_DIR: { schema: text(), default: './.data/spool', meaning: 'where the runner keeps events while the console is unreachable' },
  WATCHDOG_STATE_DIR: { schema: text(), default: './.data/runner', meaning: "the runner's state: cached rules, lease, learnings" },
  WATCHDOG_HTTP_TIMEOUT_MS: { schema: integer(5000), default: '5000', meaning: 'per request timeout of the runner and the CLI clients, in ms' },
} satisfies Record<string, Variable<unknown>>;

export type RunnerEnv = ReturnType<typeof readRunnerEnv>;

/** The runner's variables from `env` (tests pass their own); a bad one throws a one-line ConfigError. */
export function readRunnerEnv(env: Record<string, string | undefined> = process.env) {
  return readVariables(runnerVariables, env);
}

let cached: RunnerEnv | null = null;

/** The runner's variables of this process, parsed on first use. */
export function runnerEnv(): RunnerEnv {
  return (cached ??= readRunnerEnv());
}
