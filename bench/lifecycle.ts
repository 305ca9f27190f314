/**
 * A worker's whole job lifecycle through the console, side by side with pg-boss and with the floor
 * of this design, in one run on one throwaway PostgreSQL:
 *
 *   npx tsx bench/lifecycle.ts [--seconds 6] [--clients 8]
 *
 *   pg-boss    — send + fetch + complete of one job (pg-boss 12, its own schema in the same database),
 *                N concurrent loops over one PgBoss instance (pool 16)
 *   floor      — bench/lifecycle-floor-server.mjs: a bare node:http server serving the four requests
 *                of a job, each doing its one write (lease INSERT, event INSERT, artifact GET + check
 *                INSERT, complete UPDATE); no auth, no validation, no audit
 *   lifecycle  — the real built console (scripts/serve.mjs): PATCH the lease (acquire, audited), one
 *                healthy helper event, an artifact check of a loopback artifact (the server fetches
 *                it), complete through the gate (audited) — N worker loops, one job each at a time
 *   renewals, completes — the audited writes alone, 1 client then N clients: lease renewals
 *                (PATCH with the current token) and completes of jobs prepared with a lease and a
 *                passing check
 *
 * Ratios are what to read (the machine is shared): lifecycle / pg-boss, lifecycle / floor, N / 1.
 * Every job the console answered is checked against the database (lease completed, audit entries
 * linked, the chain verifies).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadPgBoss } from './pg-boss';
import { closedLoop, type CoresBusy, fmt, healthyEvent, loadAvg, machineLine, runId, sendJsonLean, startConsole, startPostgres, type LoadResult, failBench, printFigures, withCoresBusy } from './lib';

const line = (name: string, r: LoadResult, unit = 'jobs/s') =>
  `${name.padEnd(44)} ${fmt(r.rate, 1).padStart(8)} ${unit}  (${r.ops} in ${fmt(r.seconds, 1)} s, p50 ${fmt(r.p50ms, 1)} ms, p99 ${fmt(r.p99ms, 1)} ms${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''})`;

/** A loopback artifact host: every GET answers 200 with a small body. */
export async function startArtifactHost(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '8' });
    res.end('artifact');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

async function pgBossLoop(url: string, clients: number, seconds: number): Promise<LoadResult> {
  const PgBoss = await loadPgBoss();
  const boss = new PgBoss({ connectionString: url, max: 16, schedule: false, supervise: false });
  boss.on('error', () => {});
  await boss.start();
  const queue = `bench-${runId()}`;
  await boss.createQueue(queue);
  try {
    const one = async (i: number) => {
      await boss.send(queue, { i });
      const [job] = await boss.fetch(queue);
      if (!job) throw new Error('pg-boss fetch found no job');
      await boss.complete(queue, job.id);
    };
    await closedLoop({ concurrency: clients, maxOps: 500, maxMs: 1000, op: one });
    return await closedLoop({ concurrency: clients, maxOps: 200_000, maxMs: seconds * 1000, op: one });
  } finally {
    await boss.stop({ graceful: false }).catch(() => {});
  }
}

async function floorLoop(databaseUrl: string, artifact: string, clients: number, seconds: number): Promise<LoadResult> {
  const child = fork(path.join(import.meta.dirname, 'lifecycle-floor-server.mjs'), [], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'ignore' });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`floor server exited ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const run = runId();
    const one = async (i: number) => {
      const job = `floor-${run}-${i}`;
      await sendJsonLean('PATCH', `${base}/lease/${job}`, 'x', { worker_id: 'w-1', lease_expires_at: new Date(Date.now() + 600_000).toISOString() }, [200]);
      await sendJsonLean('POST', `${base}/event`, 'x', { ...healthyEvent(i, run), job_id: job }, [201]);
      await sendJsonLean('POST', `${base}/check`, 'x', { job_id: job, primary_url: `${artifact}/a/${job}` }, [201]);
      await sendJsonLean('POST', `${base}/complete/${job}`, 'x', { worker_id: 'w-1', fencing_token: 1 }, [200]);
    };
    await closedLoop({ concurrency: clients, maxOps: 200, maxMs: 1000, op: one });
    return await closedLoop({ concurrency: clients, maxOps: 200_000, maxMs: seconds * 1000, op: one });
  } finally {
    child.kill('SIGTERM');
  }
}

export interface Console {
  url: string;
  token: string;
  artifact: string;
}

const coresLine = (c: CoresBusy) => `cores busy ${fmt(c.total, 2)} (console ${fmt(c.console, 2)}, PostgreSQL ${fmt(c.postgres, 2)}, bench ${fmt(c.bench, 2)})`;

const leaseUntil = () => new Date(Date.now() + 600_000).toISOString();

async function acquire(c: Console, job: string): Promise<number> {
  const out = (await sendJsonLean('PATCH', `${c.url}/api/watchdog/job-leases/${job}`, c.token, { worker_id: 'w-1', lease_expires_at: leaseUntil() }, [200])) as { lease: { fencing_token: number } };
  return out.lease.fencing_token;
}

async function check(c: Console, job: string) {
  const out = (await sendJsonLean('POST', `${c.url}/api/watchdog/artifact-checks`, c.token, { job_id: job, primary_url: `${c.artifact}/a/${job}`, files: [{ name: 'result.txt' }] }, [201])) as {
    check: { passed: boolean };
  };
  if (!out.check.passed) throw new Error(`artifact check of ${job} did not pass`);
}

async function complete(c: Console, job: string, token: number) {
  await sendJsonLean('POST', `${c.url}/api/watchdog/jobs/${job}/complete`, c.token, { worker_id: 'w-1', fencing_token: token }, [200]);
}

/** One job's lifecycle: lease, one event, the artifact check, complete. */
export async function lifecycle(c: Console, run: string, i: number) {
  const job = `life-${run}-${i}`;
  const token = await acquire(c, job);
  await sendJsonLean('POST', `${c.url}/api/watchdog/helper-events`, c.token, { ...healthyEvent(i, run), job_id: job }, [201]);
  await check(c, job);
  await complete(c, job, token);
}

async function lifecycleLoop(c: Console, clients: number, seconds: number, done: string[]): Promise<LoadResult> {
  const run = runId();
  return closedLoop({
    concurrency: clients,
    maxOps: 200_000,
    maxMs: seconds * 1000,
    op: async (i) => {
      await lifecycle(c, run, i);
      done.push(`life-${run}-${i}`);
    },
  });
}

async function renewalLoop(c: Console, clients: number, seconds: number): Promise<LoadResult> {
  const run = runId();
  const jobs = Array.from({ length: clients }, (_, k) => `renew-${run}-${k}`);
  const tokens = await Promise.all(jobs.map((j) => acquire(c, j)));
  return closedLoop({
    concurrency: clients,
    maxOps: 200_000,
    maxMs: seconds * 1000,
    // each client renews its own lease, as each worker does: i % clients would hand one lease to two
    // clients at once whenever one of them ran ahead, and the second would wait on the first's row lock
    op: async (_i, k) => {
      await sendJsonLean('PATCH', `${c.url}/api/watchdog/job-leases/${jobs[k]}`, c.token, { worker_id: 'w-1', lease_expires_at: leaseUntil(), fencing_token: tokens[k] }, [200]);
    },
  });
}

/** Jobs with a lease and a passing check, ready to complete. */
async function prepareCompletable(c: Console, n: number): Promise<{ job: string; token: number }[]> {
  const run = runId();
  const out: { job: string; token: number }[] = [];
  await closedLoop({
    concurrency: 8,
    maxOps: n,
    maxMs: 120_000,
    op: async (i) => {
      const job = `done-${run}-${i}`;
      const token = await acquire(c, job);
      await check(c, job);
      out.push({ job, token });
    },
  });
  return out;
}

async function completeLoop(c: Console, ready: { job: string; token: number }[], clients: number, seconds: number): Promise<LoadResult> {
  return closedLoop({
    concurrency: clients,
    maxOps: ready.length,
    maxMs: seconds * 1000,
    op: async (i) => complete(c, ready[i].job, ready[i].token),
  });
}

export async function runLifecycleBench(opts: { seconds?: number; clients?: number } = {}) {
  const seconds = opts.seconds ?? 6;
  const clients = opts.clients ?? 8;
  console.log(`lifecycle: ${machineLine()}`);
  const postgres = await startPostgres();
  const artifact = await startArtifactHost();
  try {
    const server = await startConsole('postgres', { databaseUrl: postgres.url, env: { WATCHDOG_ALLOW_PRIVATE_ARTIFACT_HOSTS: '1' } });
    const c: Console = { url: server.url, token: server.tokens.worker, artifact: artifact.url };
    const done: string[] = [];
    try {
      // warm up the routes, the pools and the JIT
      await lifecycleLoop(c, 4, 2, done);
      const loadBefore = loadAvg();
      const boss1 = await pgBossLoop(postgres.url, clients, seconds);
      console.log(line(`pg-boss send+fetch+complete (${clients} clients)`, boss1));
      const floor = await floorLoop(postgres.url, artifact.url, clients, seconds);
      console.log(line(`floor: 4 bare node:http writes + 1 fetch (${clients})`, floor));
      const life = await lifecycleLoop(c, clients, seconds, done);
      console.log(line(`lifecycle (${clients} clients)`, life));
      const boss2 = await pgBossLoop(postgres.url, clients, seconds);
      console.log(line('pg-boss again', boss2));
      const life1 = await lifecycleLoop(c, 1, seconds, done);
      console.log(line('lifecycle (1 client)', life1));

      // the cores each renewal loop keeps busy: what bounds 1 → N clients on a machine of few cores
      const { result: renew1, cores: renewCores1 } = await withCoresBusy(server.pid, () => renewalLoop(c, 1, seconds / 2));
      console.log(line('lease renewals (1 client)', renew1, 'req/s') + `, ${coresLine(renewCores1)}`);
      const { result: renewN, cores: renewCoresN } = await withCoresBusy(server.pid, () => renewalLoop(c, clients, seconds / 2));
      console.log(line(`lease renewals (${clients} clients)`, renewN, 'req/s') + `, ${coresLine(renewCoresN)}`);
      const ready = await prepareCompletable(c, Math.ceil(Math.max(renew1.rate, 50) * seconds * 1.5));
      const completes1 = await completeLoop(c, ready.slice(0, Math.floor(ready.length / 3)), 1, seconds / 2);
      console.log(line('completes (1 client)', completes1, 'req/s'));
      const completesN = await completeLoop(c, ready.slice(Math.floor(ready.length / 3)), clients, seconds / 2);
      console.log(line(`completes (${clients} clients)`, completesN, 'req/s'));
      const loadAfter = loadAvg();

      // every lifecycle answered is in the database: lease completed, its audit entries linked, one verifiable chain
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      let verified: unknown;
      try {
        const { rows } = await client.query(`select count(*)::int as n from job_leases where job_id = any($1) and state = 'completed'`, [done]);
        if (rows[0].n !== done.length) throw new Error(`${done.length} lifecycles answered, ${rows[0].n} leases completed`);
        const res = await fetch(`${server.url}/api/watchdog/audit/verify`, { headers: { authorization: `Bearer ${server.tokens.owner}` } });
        verified = await res.json();
        if (!(verified as { ok: boolean }).ok) throw new Error(`audit chain does not verify: ${JSON.stringify(verified)}`);
      } finally {
        await client.end();
      }
      const bossMean = (boss1.rate + boss2.rate) / 2;
      const figures = {
        machine: machineLine(),
        loadBefore,
        loadAfter,
        clients,
        pgBoss: [boss1, boss2],
        floor,
        lifecycle: life,
        lifecycle1: life1,
        renewals: { one: renew1, many: renewN, coresBusy: { one: renewCores1, many: renewCoresN } },
        completes: { one: completes1, many: completesN },
        verified,
      };
      console.log(
        `lifecycle = ${fmt(life.rate / bossMean, 2)}× pg-boss send+fetch+complete (goal ≥ 0.25×), ${fmt((life.rate / floor.rate) * 100)}% of the floor of this design; ` +
          `1 → ${clients} clients: lifecycle ${fmt(life.rate / life1.rate, 1)}×, renewals ${fmt(renewN.rate / renew1.rate, 1)}×, completes ${fmt(completesN.rate / completes1.rate, 1)}× (goal ≥ 3×); ` +
          `one renewal client keeps ${fmt(renewCores1.total, 2)} cores busy, so ${os.cpus().length} cores allow at most ~${fmt(os.cpus().length / renewCores1.total, 1)}× at the same CPU per renewal; ` +
          `${done.length} lifecycles checked, audit chain ${JSON.stringify(verified)}; load ${loadBefore} → ${loadAfter}`,
      );
      return figures;
    } finally {
      await server.stop();
    }
  } finally {
    artifact.close();
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, clients: { type: 'string' } } });
  runLifecycleBench({ seconds: values.seconds ? Number(values.seconds) : undefined, clients: values.clients ? Number(values.clients) : undefined }).then(printFigures, failBench);
}
