/**
 * N stateless consoles on one PostgreSQL (docs/SCALING.md):
 *
 *   npx tsx bench/instances.ts [--max 3] [--seconds 6] [--clients 8]
 *
 * Starts `max` built consoles (scripts/serve.mjs) on one throwaway PostgreSQL, then for 1, 2 … max of
 * them runs the job lifecycle (bench/lifecycle.ts: lease, event, artifact check, complete) with
 * `clients` worker loops spread round-robin over the consoles in use, and single-event ingest with
 * 16 clients the same way. For each it prints the total rate and who burned the CPU in that window:
 * the consoles (process trees), PostgreSQL (postmaster and backends) and this load generator — on a
 * machine of 2 shared cores, the first thing to saturate is the CPU, and the split says whose.
 * At the end: one audit chain over everything the consoles wrote, verified.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  closedLoop,
  fmt,
  healthyEvent,
  loadAvg,
  machineLine,
  postJsonLean,
  runId,
  startConsole,
  startPostgres,
  treeCpuSeconds,
  type BenchServer,
  type LoadResult,
  failBench,
  printFigures,
} from './lib';
import { type Console, lifecycle, startArtifactHost } from './lifecycle';

async function postmasterPid(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const dir = (await c.query(`select setting from pg_settings where name = 'data_directory'`)).rows[0].setting as string;
    return Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } finally {
    await c.end();
  }
}

function cpuMeter(pids: number[]) {
  const read = () => pids.map(treeCpuSeconds);
  const self0 = process.cpuUsage();
  const start = read();
  return () => {
    const end = read();
    const self = process.cpuUsage(self0);
    return { used: end.map((v, i) => v - start[i]), bench: (self.user + self.system) / 1e6 };
  };
}

export async function runInstancesBench(opts: { max?: number; seconds?: number; clients?: number } = {}) {
  const max = opts.max ?? 3;
  const seconds = opts.seconds ?? 6;
  const clients = opts.clients ?? 8;
  console.log(`instances: ${machineLine()}`);
  const postgres = await startPostgres();
  const artifact = await startArtifactHost();
  const servers: BenchServer[] = [];
  try {
    const pmPid = await postmasterPid(postgres.url);
    for (let i = 0; i < max; i++) servers.push(await startConsole('postgres', { databaseUrl: postgres.url, env: { WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS: '1' } }));
    const consoles: Console[] = servers.map((s) => ({ url: s.url, token: s.tokens.worker, artifact: artifact.url }));
    // warm every console
    for (const c of consoles) await closedLoop({ concurrency: 4, maxOps: 40, maxMs: 3000, op: (i) => lifecycle(c, runId(), i) });
    const rows: { instances: number; what: string; r: LoadResult; cpu: { consoles: number; postgres: number; bench: number } }[] = [];
    for (let k = 1; k <= max; k++) {
      const use = consoles.slice(0, k);
      for (const what of ['lifecycle', 'ingest'] as const) {
        const meter = cpuMeter([...servers.slice(0, k).map((s) => s.pid), pmPid]);
        const run = runId();
        const r =
          what === 'lifecycle'
            ? await closedLoop({ concurrency: clients, maxOps: 200_000, maxMs: seconds * 1000, op: (i) => lifecycle(use[i % k], run, i) })
            : await closedLoop({
                concurrency: 16,
                maxOps: 400_000,
                maxMs: seconds * 1000,
                op: async (i) => void (await postJsonLean(`${use[i % k].url}/api/watchdog/helper-events`, use[i % k].token, healthyEvent(i, run), [201])),
              });
        const m = meter();
        const cpu = { consoles: m.used.slice(0, k).reduce((a, b) => a + b, 0) / r.seconds, postgres: m.used[k] / r.seconds, bench: m.bench / r.seconds };
        rows.push({ instances: k, what, r, cpu });
        console.log(
          `${k} console${k > 1 ? 's' : ' '} ${what.padEnd(9)} ${fmt(r.rate, 1).padStart(8)} ${what === 'lifecycle' ? 'jobs/s  ' : 'events/s'} (p50 ${fmt(r.p50ms, 1)} ms, p99 ${fmt(r.p99ms, 1)} ms${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''}) — CPU cores busy: consoles ${fmt(cpu.consoles, 2)}, PostgreSQL ${fmt(cpu.postgres, 2)}, load generator ${fmt(cpu.bench, 2)}; load ${loadAvg()}`,
        );
      }
    }
    const res = await fetch(`${servers[max - 1].url}/api/watchdog/audit/verify`, { headers: { authorization: `Bearer ${servers[0].tokens.owner}` } });
    const verified = await res.json();
    console.log(`one audit chain written by ${max} consoles: ${JSON.stringify(verified)}`);
    return { machine: machineLine(), rows, verified };
  } finally {
    for (const s of servers) await s.stop();
    artifact.close();
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { max: { type: 'string' }, seconds: { type: 'string' }, clients: { type: 'string' } } });
  runInstancesBench({
    max: values.max ? Number(values.max) : undefined,
    seconds: values.seconds ? Number(values.seconds) : undefined,
    clients: values.clients ? Number(values.clients) : undefined,
  }).then(printFigures, failBench);
}
