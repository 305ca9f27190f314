/**
 * Every benchmark in sequence, then one summary against the goals of issue 8:
 *
 *   npm run bench            (NEXT_TELEMETRY_DISABLED=1 npx next build first)
 *   npm run bench -- --quick (shorter loops, for a smoke run)
 *
 * Each bench starts what it needs (a throwaway PostgreSQL 15, the built console, PGlite) and stops
 * it; all traffic is loopback and every loop is bounded in count and time. bench/d30.ts runs as a
 * child process (it prints its own JSON report). Figures are only comparable on a quiet machine: the
 * load average is printed with each.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runDetectionBench } from './detection';
import { runIngestBench } from './ingest';
import { runDomainBench } from './ingest-domain';
import { fmt, loadAvg, machineLine, root } from './lib';
import { runRunnerOverhead } from './runner-overhead';
import { runSweepBench } from './sweep';

const quick = process.argv.includes('--quick');

interface Row {
  figure: string;
  measured: string;
  baseline: string;
  goal: string;
  met: boolean | null;
}

function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'bench', script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${script} exited ${code}`));
    });
  });
}

/** The D30 median with the indexes and the rollup, from the d30 bench's JSON report. */
function d30Median(out: string): number | null {
  const m = /"d30_after_indexes_and_rollup":\s*\{[^}]*"median_ms":\s*([\d.]+)/.exec(out);
  return m ? Number(m[1]) : null;
}

async function main() {
  const rows: Row[] = [];
  const section = (name: string) => console.log(`\n=== ${name} — load ${loadAvg()} ===`);
  console.log(`machine: ${machineLine()}`);

  section('ingest (HTTP, PostgreSQL and PGlite)');
  const ingest = await runIngestBench({ seconds: quick ? 3 : 8 });
  const p = ingest.postgres;
  rows.push({
    figure: 'single ingest, HTTP, 16 clients',
    measured: `${fmt(p.single.rate)} events/s`,
    baseline: `raw pg INSERT ${fmt(p.rawMean)} rows/s`,
    goal: '≥ 50% of raw',
    met: p.single.rate >= p.rawMean / 2,
  });
  rows.push({
    figure: 'single ingest vs its HTTP floor (PostgreSQL)',
    measured: `${fmt(p.single.rate / p.floorMean, 2)}×`,
    baseline: `bare node:http + 1 INSERT ${fmt(p.floorMean)} req/s`,
    goal: '≥ 0.9×',
    met: p.single.rate >= 0.9 * p.floorMean,
  });
  rows.push({
    figure: 'batch ingest, 500/batch',
    measured: `${fmt(p.batch.rate)} events/s`,
    baseline: `single ${fmt(p.single.rate)} events/s`,
    goal: '≥ 5× single',
    met: p.batch.rate >= 5 * p.single.rate,
  });
  rows.push({ figure: 'server RSS under ingest load', measured: `${fmt(p.rssPeakMiB)} MiB peak`, baseline: '—', goal: '< 400 MiB', met: p.rssPeakMiB < 400 });
  if (ingest.pglite) {
    rows.push({ figure: 'single ingest on PGlite', measured: `${fmt(ingest.pglite.single.rate)} events/s`, baseline: `PostgreSQL ${fmt(p.single.rate)}`, goal: 'stated', met: null });
    rows.push({
      figure: 'single ingest vs its HTTP floor (PGlite)',
      measured: `${fmt(ingest.pglite.single.rate / ingest.pglite.floorMean, 2)}×`,
      baseline: `bare node:http + 1 PGlite INSERT ${fmt(ingest.pglite.floorMean)} req/s`,
      goal: '≥ 0.9×',
      met: ingest.pglite.single.rate >= 0.9 * ingest.pglite.floorMean,
    });
    rows.push({ figure: 'batch ingest on PGlite', measured: `${fmt(ingest.pglite.batch.rate)} events/s`, baseline: `PostgreSQL ${fmt(p.batch.rate)}`, goal: 'stated', met: null });
  }

  section('ingest below HTTP (domain, D30 rollup trigger on/off)');
  const domain = await runDomainBench({ seconds: quick ? 2 : 4 });
  const mean = (xs: { rate: number }[]) => xs.reduce((a, r) => a + r.rate, 0) / (xs.length || 1);
  rows.push({
    figure: 'ingestHelperEvent in-process, 16 callers',
    measured: `${fmt(mean(domain.ingestTriggerOn))} events/s`,
    baseline: `raw ${fmt(domain.raw.rate)} rows/s`,
    goal: '(diagnostic)',
    met: null,
  });
  if (domain.ingestTriggerOff.length)
    rows.push({
      figure: 'D30 rollup trigger cost on ingest',
      measured: `${fmt((1 - mean(domain.ingestTriggerOn) / mean(domain.ingestTriggerOff)) * 100)}%`,
      baseline: `${fmt(mean(domain.ingestTriggerOff))} events/s without`,
      goal: 'no serialisation',
      met: null,
    });

  section('sweep');
  const sweep = await runSweepBench({ runs: quick ? 3 : 5 });
  const big = sweep.find((c) => c.leases === 100_000 && c.due === 300);
  const small = sweep.find((c) => c.leases === 10_000 && c.due === 300);
  const idle = sweep.find((c) => c.due === 0);
  if (big && small) {
    rows.push({
      figure: 'sweep, 100k active, 300 due',
      measured: `${fmt(big.medianMs, 1)} ms median`,
      baseline: `10k active, 300 due: ${fmt(small.medianMs, 1)} ms; idle ${fmt(idle?.medianMs ?? NaN, 1)} ms`,
      goal: '< 250 ms, grows with due',
      met: big.medianMs < 250 && big.medianMs < small.medianMs * 2,
    });
  }

  section('detection delay');
  const det = await runDetectionBench({ leases: quick ? 20 : 40 });
  rows.push({
    figure: 'detection delay p99 (deadline → incident)',
    measured: `${fmt(Math.max(det.api.p99ms, det.direct.p99ms))} ms`,
    baseline: `30–60 s polling p99 ${fmt(det.polling.simulated.p99s, 1)} s`,
    goal: '< 1 s',
    met: Math.max(det.api.p99ms, det.direct.p99ms) < 1000,
  });

  section('runner overhead');
  const runner = await runRunnerOverhead(['--iterations', quick ? '10' : '30']);
  rows.push({
    figure: 'runner overhead (in-process)',
    measured: `${fmt(runner.inProcessMs - runner.bareMs, 1)} ms median`,
    baseline: `bare ${fmt(runner.bareMs, 1)} ms`,
    goal: '< 20 ms',
    met: runner.inProcessMs - runner.bareMs < 20,
  });
  rows.push({
    figure: 'runner CLI overhead (incl. Node start-up)',
    measured: `${fmt(runner.cliMs - runner.bareMs, 1)} ms median`,
    baseline: `tsx CLI ${fmt(runner.cliTsxMs - runner.bareMs, 1)} ms`,
    goal: '(stated)',
    met: null,
  });
  rows.push({
    figure: 'runner file overhead (alone, incl. Node start-up)',
    measured: `${fmt(runner.fileMs - runner.bareMs, 1)} ms median`,
    baseline: `bare ${fmt(runner.bareMs, 1)} ms`,
    goal: '< 120 ms',
    met: runner.fileMs - runner.bareMs < 120,
  });

  section('D30 metrics over 1M events (bench/d30.ts)');
  try {
    const out = await runChild('d30.ts', quick ? ['--events', '200000', '--runs', '5'] : []);
    const median = d30Median(out);
    rows.push({
      figure: `D30 metrics over ${quick ? '200k' : '1M'} events`,
      measured: median === null ? 'see output' : `${fmt(median, 1)} ms median`,
      baseline: '—',
      goal: '< 200 ms',
      met: median === null ? null : median < 200,
    });
  } catch (e) {
    rows.push({ figure: 'D30 metrics', measured: `failed: ${(e as Error).message}`, baseline: '—', goal: '< 200 ms', met: false });
  }

  console.log(`\n=== summary — ${machineLine()} ===`);
  const w = [44, 26, 44, 26];
  console.log(['figure', 'measured', 'baseline (same run)', 'goal'].map((h, i) => h.padEnd(w[i])).join(' ') + ' met');
  for (const r of rows) console.log([r.figure, r.measured, r.baseline, r.goal].map((c, i) => c.padEnd(w[i])).join(' ') + ' ' + (r.met === null ? '—' : r.met ? 'yes' : 'NO'));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
