import { CliError, optionalFlag, parseArgs } from '../args';
import { ConsoleClient } from '../runner/http';
import { FAULT_KINDS, FAULTS, parseFaultSpec, planJobs } from '../simulate/faults';
import { runFleet } from '../simulate/fleet';
import { config } from '@/lib/config';
import { runnerEnv } from '@/lib/config-runner';

const usage = `usage: watchdog simulate --workers N --jobs M [--faults SPEC] [--seed S] [--time-scale X | --fast] [--prefix P] [--no-sweep] [--json] [--quiet]
  SPEC: comma-separated rates, e.g. fetch_failed=0.2,silent_claim=0.1 (or "none"); faults: ${FAULT_KINDS.join(', ')}
  needs WATCHDOG_URL and WATCHDOG_TOKEN (role system); the console must run with WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS=1`;

function positiveInt(v: string | undefined, name: string, max: number): number {
  if (v === undefined) throw new CliError(`--${name} is required\n${usage}`);
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new CliError(`--${name} must be a whole number from 1 to ${max}`);
  return Number(v);
}

/**
 * `watchdog simulate`: a fleet of simulated workers drives a running console over HTTP with the
 * real runner policy; helpers are in-process functions with seeded faults. Prints a summary, exit 0
 * (1 when the console refused reports or a completed job had no passing artifact check).
 */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['fast', 'no-sweep', 'json', 'quiet']);
  const workers = positiveInt(optionalFlag(args, 'workers'), 'workers', 200);
  const jobs = positiveInt(optionalFlag(args, 'jobs'), 'jobs', 100_000);
  const seedFlag = optionalFlag(args, 'seed');
  if (seedFlag !== undefined && !/^\d+$/.test(seedFlag)) throw new CliError('--seed must be a whole number');
  const seed = seedFlag === undefined ? 1 : Number(seedFlag);
  const rates = parseFaultSpec(optionalFlag(args, 'faults'));
  const scaleFlag = optionalFlag(args, 'time-scale');
  const timeScale = args.flags.fast === true ? 0 : scaleFlag === undefined ? 0.01 : Number(scaleFlag);
  if (!Number.isFinite(timeScale) || timeScale < 0 || timeScale > 1) throw new CliError('--time-scale must be between 0 and 1');
  const prefix = optionalFlag(args, 'prefix');
  if (prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,100}$/.test(prefix)) throw new CliError('--prefix may hold letters, digits and . _ : @ - only');

  const { WATCHDOG_URL: url, WATCHDOG_TOKEN: token } = runnerEnv();
  if (!url) throw new CliError('WATCHDOG_URL is not set: simulate drives a running console');
  if (!token) throw new CliError('WATCHDOG_TOKEN is not set: simulate needs a system token');
  const probe = await new ConsoleClient({ url, token }).get('/api/watchdog/rules');
  if (probe.kind === 'unreachable') throw new CliError(`the console at ${url} does not answer (${probe.reason})`, 1);
  if (probe.kind === 'refused') throw new CliError(`the console refused the token: ${probe.status} ${probe.code}`, 2);

  const quiet = args.flags.quiet === true || args.flags.json === true;
  const plans = planJobs(seed, jobs, rates, prefix);
  const summary = await runFleet({
    url,
    token,
    workers,
    plans,
    timeScale,
    artifactHost: config().simulate.artifactHost,
    artifactAdvertise: config().simulate.artifactAdvertise,
    sweep: args.flags['no-sweep'] !== true,
    log: (line) => {
      if (!quiet) process.stderr.write(line.endsWith('\n') ? line : line + '\n');
    },
  });
  const result = { seed, time_scale: timeScale, job_prefix: plans[0]?.jobId.replace(/-\d+$/, '') ?? null, ...summary };
  if (args.flags.json === true) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(formatSummary(result));
  return summary.refused_reports > 0 || summary.false_green > 0 ? 1 : 0;
}

function formatSummary(r: Awaited<ReturnType<typeof runFleet>> & { seed: number; time_scale: number; job_prefix: string | null }): string {
  const rows = (o: Record<string, number | undefined>) =>
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `    ${k.padEnd(20)} ${v}`)
      .join('\n') || '    (none)';
  return [
    `simulate: ${r.workers} workers, ${r.jobs} jobs (${r.job_prefix}-*), seed ${r.seed}, time scale ${r.time_scale}, ${r.duration_s}s`,
    `  faults injected (${r.faulted_jobs} jobs):`,
    ...Object.entries(r.faults_injected)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `    ${k.padEnd(20)} ${v}   ${FAULTS[k as keyof typeof FAULTS].does}`),
    `  job outcomes:`,
    rows(r.outcomes),
    `  incidents by signal:`,
    rows(r.incidents_by_signal),
    `  detected ${r.detected} of ${r.faulted_jobs} faulted jobs: coverage ${r.coverage}`,
    `  completed ${r.completed}, false green ${r.false_green}, reports refused ${r.refused_reports}, spooled ${r.spooled_reports}`,
    ...(r.missed.length ? [`  not detected:`, ...r.missed.map((m) => `    ${m.job_id} ${m.fault}${m.expected ? ` (expected ${m.expected})` : ' (no rule recognises it, by design)'}`)] : []),
    '',
  ].join('\n');
}
