import { version } from '../../package.json';

/**
 * The runner's version: package.json's, inlined when the runner is bundled (dist/watchdog-runner.mjs
 * carries it as a constant, not the file). Sent on every request as `User-Agent: watchdog-runner/<version>`.
 */
export const RUNNER_VERSION: string = version;
export const RUNNER_USER_AGENT = `watchdog-runner/${RUNNER_VERSION}`;

/** The major version of a semver-like string ("1.4.2" → 1), null when it does not look like one. */
export function majorVersion(v: string): number | null {
  const m = /^v?(\d+)\.\d+/.exec(v.trim());
  return m ? Number(m[1]) : null;
}

let warned = false;

/**
 * Called with the version the console reports (the `X-Watchdog-Version` header of its answers, or
 * `version` of `GET /api/health`): when its major version differs from the runner's, one line on
 * stderr, once per process — later answers say the same and are not repeated.
 */
export function noteConsoleVersion(consoleVersion: string, log: (line: string) => void): void {
  if (warned) return;
  const theirs = majorVersion(consoleVersion);
  const ours = majorVersion(RUNNER_VERSION);
  if (theirs === null || ours === null || theirs === ours) return;
  warned = true;
  log(
    `watchdog: the console runs version ${consoleVersion}, this runner ${RUNNER_VERSION} (major versions differ): ` +
      'fetch the runner again from the console (GET /api/watchdog/runner, see docs/RUNNER.md "Install on a worker")',
  );
}
