/**
 * What the runner adds to a wrapped helper command when the console is local.
 *
 *   npx tsx bench/runner-overhead.ts [--iterations N] [--command "true"]
 *
 * Uses WATCHDOG_URL + WATCHDOG_TOKEN (system) when set; otherwise starts the built console
 * (`next build` first) on a throwaway PGlite database. In the same run it times, interleaved:
 *   bare     — spawning the command and waiting for it (what a worker does without the runner)
 *   runner   — the runner's whole path in-process: rules fetched, command run, helper event and
 *              worker run reported (a fresh session per run, as each CLI call has)
 *   cli      — `node bin/watchdog.mjs run ... -- CMD`, including Node and tsx start-up
 *   file     — `node watchdog-runner.mjs run ... -- CMD`: the stand-alone runner file (npm run
 *              build:runner) copied alone into an empty folder, as a worker machine runs it
 * and prints medians, p95s and the differences to bare (goal for the file: within 120 ms).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../cli/args';
import { runOnce } from '../cli/commands/run';
import type { RunnerConfig } from '../cli/runner/config';
import { openSession } from '../cli/runner/session';

const root = path.resolve(import.meta.dirname, '..');

/** dist/watchdog-runner.mjs, rebuilt from the sources, copied alone into `dir` (no node_modules there). */
async function standaloneRunnerFile(dir: string): Promise<string> {
  // @ts-expect-error plain .mjs script (npm run build:runner)
  const { buildRunner } = await import('../scripts/build-runner.mjs');
  const built = await buildRunner();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'watchdog-runner.mjs');
  fs.copyFileSync(built.file, file);
  return file;
}

function spawnBare(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), min: s[0] };
}

/** The built console on a fresh PGlite database, with one system token. */
async function startConsole(dataDir: string): Promise<{ url: string; token: string; stop: () => void }> {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) throw new Error('no Next build: run `npx next build` first, or set WATCHDOG_URL and WATCHDOG_TOKEN');
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { createToken } = await import('../lib/watchdog/access');
  const { cliActor } = await import('../lib/watchdog/context');
  const database = await prepareDatabase({ url: '', dataDir: path.join(dataDir, 'pglite') });
  const { token } = await createToken({ db: database.db, actor: cliActor, now: new Date() }, { role: 'system', name: 'bench-runner' });
  await database.close();
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as import('node:net').AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve.mjs')], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: '',
      WATCHDOG_DATA_DIR: dataDir,
      WATCHDOG_RATE_LIMIT_RPS: '0',
      WATCHDOG_DEMO: '0',
      WATCHDOG_LOG_LEVEL: 'error',
      NEXTAUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the console exited at start');
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the console did not become healthy');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, token, stop: () => child.kill('SIGKILL') };
}

export async function runRunnerOverhead(argv: string[] = []): Promise<{ bareMs: number; inProcessMs: number; cliMs: number; cliTsxMs: number; fileMs: number }> {
  const args = parseArgs(argv);
  const iterations = Number(args.flags.iterations ?? 40);
  const command = String(args.flags.command ?? 'true').split(' ');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-bench-runner-'));

  let url = process.env.WATCHDOG_URL;
  let token = process.env.WATCHDOG_TOKEN;
  let stop = () => {};
  if (!url || !token) {
    const started = await startConsole(path.join(scratch, 'console'));
    url = started.url;
    token = started.token;
    stop = started.stop;
    process.stderr.write(`console started at ${url} (PGlite)\n`);
  }

  const config: RunnerConfig = {
    url,
    workerId: 'bench-w1',
    token,
    helpers: {},
    leaseS: 600,
    progressIntervalS: 30,
    idleS: 10,
    authority: 'system',
    spoolDir: path.join(scratch, 'spool'),
    stateDir: path.join(scratch, 'state'),
    configPath: null,
  };
  const cliEnv = { ...process.env, WATCHDOG_URL: url, WATCHDOG_TOKEN: token, WATCHDOG_SPOOL_DIR: config.spoolDir, WATCHDOG_STATE_DIR: config.stateDir };
  const cli = (job: string, env: NodeJS.ProcessEnv = cliEnv) =>
    spawnBare([process.execPath, path.join(root, 'bin', 'watchdog.mjs'), 'run', '--quiet', '--worker-id', config.workerId, '--job', job, '--phase', 'context', '--', ...command], env);
  const cliTsx = (job: string) => cli(job, { ...cliEnv, WATCHDOG_CLI_TSX: '1' });
  const runnerFile = await standaloneRunnerFile(path.join(scratch, 'worker-machine'));
  const viaFile = (job: string) => spawnBare([process.execPath, runnerFile, 'run', '--quiet', '--worker-id', config.workerId, '--job', job, '--phase', 'context', '--', ...command], cliEnv);
  const inProcess = async (job: string) => {
    const session = openSession(config, { quiet: true });
    const outcome = await runOnce(session, { jobId: job, phase: 'context', argv: command });
    if (outcome.attempts[0]?.delivery.state !== 'sent') throw new Error(`the event was not delivered: ${JSON.stringify(outcome.attempts[0]?.delivery)}`);
  };

  // warm up: the console's route bundles, tsx's transform cache, the OS page cache
  for (let i = 0; i < 5; i++) {
    await spawnBare(command);
    await inProcess(`bench-warm-${i}`);
    await cli(`bench-warm-cli-${i}`);
    await cliTsx(`bench-warm-tsx-${i}`);
    await viaFile(`bench-warm-file-${i}`);
  }

  const bare: number[] = [];
  const runner: number[] = [];
  const viaCli: number[] = [];
  const viaTsx: number[] = [];
  const file: number[] = [];
  for (let i = 0; i < iterations; i++) {
    bare.push(await timed(() => spawnBare(command)));
    runner.push(await timed(() => inProcess(`bench-${process.pid}-${i}`)));
    viaCli.push(await timed(() => cli(`bench-cli-${process.pid}-${i}`)));
    viaTsx.push(await timed(() => cliTsx(`bench-tsx-${process.pid}-${i}`)));
    file.push(await timed(() => viaFile(`bench-file-${process.pid}-${i}`)));
  }
  stop();
  fs.rmSync(scratch, { recursive: true, force: true });

  const b = stats(bare);
  const r = stats(runner);
  const c = stats(viaCli);
  const t = stats(viaTsx);
  const f = stats(file);
  const node = stats(
    await (async () => {
      const xs: number[] = [];
      for (let i = 0; i < Math.min(iterations, 20); i++) xs.push(await timed(() => spawnBare([process.execPath, '-e', '0'])));
      return xs;
    })(),
  );
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  const lines = [
    `runner overhead — command: ${command.join(' ')}, ${iterations} iterations, console ${url}`,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
    '',
    `                         median      p95      min   (ms)`,
    `bare command          ${fmt(b.median)} ${fmt(b.p95)} ${fmt(b.min)}`,
    `runner (in-process)   ${fmt(r.median)} ${fmt(r.p95)} ${fmt(r.min)}`,
    `runner CLI (bundle)   ${fmt(c.median)} ${fmt(c.p95)} ${fmt(c.min)}`,
    `runner CLI (tsx, before) ${fmt(t.median)} ${fmt(t.p95)} ${fmt(t.min)}`,
    `runner file (alone)   ${fmt(f.median)} ${fmt(f.p95)} ${fmt(f.min)}`,
    `node -e 0             ${fmt(node.median)} ${fmt(node.p95)} ${fmt(node.min)}`,
    '',
    `runner overhead (median): ${(r.median - b.median).toFixed(1)} ms  (target < 20 ms); best case (min): ${(r.min - b.min).toFixed(1)} ms`,
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (the figures are only comparable on a quiet machine)`,
    `CLI overhead incl. Node start-up (median): bundle ${(c.median - b.median).toFixed(1)} ms, tsx ${(t.median - b.median).toFixed(1)} ms; Node's own start-up ${node.median.toFixed(1)} ms`,
    `runner file overhead incl. Node start-up (median): ${(f.median - b.median).toFixed(1)} ms  (goal within 120 ms)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return { bareMs: b.median, inProcessMs: r.median, cliMs: c.median, cliTsxMs: t.median, fileMs: f.median };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runRunnerOverhead(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
