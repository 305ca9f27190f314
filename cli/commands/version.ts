import { CliError, optionalFlag, parseArgs } from '../args';
import { loadRunnerConfig } from '../runner/config';
import { ConsoleClient, describeFailure } from '../runner/http';
import { majorVersion, noteConsoleVersion, RUNNER_VERSION } from '../runner/version';

const usage = 'usage: watchdog version [--console] [--config FILE] [--json]';

/**
 * `watchdog version`: the runner's version (package.json's, the one it sends as its User-Agent).
 * With --console it also asks the configured console (`GET /api/health`) for its version and warns
 * when the major versions differ; exit 1 when the console cannot be asked.
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['console', 'json']);
  if (args.positional.length) throw new CliError(`unexpected argument "${args.positional[0]}"\n${usage}`);
  const out: { runner_version: string; node_version: string; console_url?: string; console_version?: string | null; compatible?: boolean | null } = {
    runner_version: RUNNER_VERSION,
    node_version: process.version,
  };
  let code = 0;
  if (args.flags.console === true) {
    const config = loadRunnerConfig({ configFlag: optionalFlag(args, 'config'), fileOptional: true, workerIdOptional: true });
    const log = (line: string) => process.stderr.write(line + '\n');
    const client = new ConsoleClient({ url: config.url, token: config.token, onConsoleVersion: (v) => noteConsoleVersion(v, log) });
    const r = await client.get<{ version?: unknown }>('/api/health');
    out.console_url = client.url;
    const reported = r.kind === 'ok' && typeof r.body?.version === 'string' ? r.body.version : null;
    out.console_version = reported;
    if (reported) {
      noteConsoleVersion(reported, log);
      out.compatible = majorVersion(reported) === majorVersion(RUNNER_VERSION);
    } else {
      out.compatible = null;
      log(`watchdog: could not read the console's version at ${client.url}: ${r.kind === 'ok' ? 'no version in /api/health' : describeFailure(r)}`);
      code = 1;
    }
  }
  if (args.flags.json === true) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else {
    process.stdout.write(`watchdog-runner ${out.runner_version} (node ${out.node_version})\n`);
    if (out.console_url) process.stdout.write(`console ${out.console_version ?? 'unknown'} at ${out.console_url}\n`);
  }
  return code;
}
