/**
 * Detection delay: lease deadline → lease_expired incident opened, on the real built console with its
 * in-process scheduler, over a throwaway PostgreSQL:
 *
 *   npx tsx bench/detection.ts [--leases 40] [--window 10]
 *
 *   api     — leases acquired through PATCH /api/watchdog/job-leases/:job_id (the server is nudged)
 *   direct  — leases written straight into the database, as another instance would (no nudge: the
 *             scheduler learns the deadline at its next look at the table, at most 5 s later)
 * Deadlines fall at known instants spread over `--window` seconds, starting 6 s after the write;
 * detected_at − lease_expires_at is read from the incidents table.
 *
 * Baseline: a BullMQ / pg-boss style checker that polls every P seconds, P fixed per deployment in
 * 30–60 s. Analytically the delay is uniform on [0, P): p50 = P/2, p99 = 0.99·P; the same run also
 * simulates it (P uniform in [30, 60], random phase, 200 000 deadlines).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { fmt, machineLine, percentile, startConsole, startPostgres } from './lib';

export interface DetectionFigures {
  api: { n: number; p50ms: number; p99ms: number; maxMs: number };
  direct: { n: number; p50ms: number; p99ms: number; maxMs: number };
  /** worker_silent and no_progress: detected_at − the rule's deadline (first_failure_at), written by another instance */
  workerSilent: { n: number; p50ms: number; p99ms: number; maxMs: number };
  noProgress: { n: number; p50ms: number; p99ms: number; maxMs: number };
  polling: { analytic: { p50s: [number, number]; p99s: [number, number] }; simulated: { p50s: number; p99s: number; meanS: number } };
}

function simulatePolling(samples = 200_000) {
  const delays: number[] = [];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < samples; i++) {
    const period = 30 + 30 * rand();
    const phase = rand() * period;
    const deadline = rand() * 3600;
    // the first poll at or after the deadline: phase + k·period
    const k = Math.ceil((deadline - phase) / period);
    delays.push(phase + k * period - deadline);
  }
  return { p50s: percentile(delays, 0.5), p99s: percentile(delays, 0.99), meanS: delays.reduce((a, b) => a + b, 0) / delays.length };
}

export async function runDetectionBench(opts: { leases?: number; windowS?: number } = {}): Promise<DetectionFigures> {
  const n = opts.leases ?? 40;
  const windowMs = (opts.windowS ?? 10) * 1000;
  console.log(`detection: ${machineLine()}`);
  const postgres = await startPostgres();
  const client = new pg.Client({ connectionString: postgres.url });
  try {
    const server = await startConsole('postgres', { databaseUrl: postgres.url, env: { WATCHDOG_SCHEDULER: '1' } });
    await client.connect();
    try {
      const run = Date.now().toString(36);
      const delays = async (prefix: string, write: (job: string, deadline: Date) => Promise<void>, signal = 'lease_expired') => {
        const start = Date.now() + 6000;
        for (let i = 0; i < n; i++) await write(`${prefix}-${run}-${i}`, new Date(start + Math.round((i * windowMs) / n)));
        const until = start + windowMs + 20_000;
        let rows: { ms: number }[] = [];
        while (Date.now() < until) {
          await new Promise((r) => setTimeout(r, 500));
          rows = (
            await client.query(
              signal === 'lease_expired'
                ? `select extract(epoch from (i.detected_at - l.lease_expires_at)) * 1000 as ms
                   from incidents i join job_leases l on l.job_id = i.job_id
                   where i.signal = 'lease_expired' and i.job_id like $1`
                : `select extract(epoch from (i.detected_at - i.first_failure_at)) * 1000 as ms
                   from incidents i where i.signal = '${signal}' and coalesce(i.job_id, i.worker_id) like $1`,
              [`${prefix}-${run}-%`],
            )
          ).rows.map((r) => ({ ms: Number(r.ms) }));
          if (rows.length >= n) break;
        }
        if (rows.length < n) throw new Error(`${prefix}: only ${rows.length} of ${n} expired leases were detected within 20 s`);
        const ms = rows.map((r) => r.ms);
        return { n: ms.length, p50ms: percentile(ms, 0.5), p99ms: percentile(ms, 0.99), maxMs: Math.max(...ms) };
      };
      const api = await delays('det-api', async (job, deadline) => {
        const res = await fetch(`${server.url}/api/watchdog/job-leases/${job}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${server.tokens.worker}`, 'content-type': 'application/json' },
          body: JSON.stringify({ worker_id: 'w-1', lease_expires_at: deadline.toISOString() }),
        });
        if (res.status !== 200) throw new Error(`lease write: ${res.status} ${await res.text()}`);
      });
      console.log(`lease via API → incident       p50 ${fmt(api.p50ms)} ms, p99 ${fmt(api.p99ms)} ms, max ${fmt(api.maxMs)} ms (${api.n} leases)`);
      const direct = await delays('det-db', async (job, deadline) => {
        await client.query(
          `insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage, updated_at)
           values ($1, 'w-1', 1, $2, now(), now(), 'active', 0, now())`,
          [job, deadline.toISOString()],
        );
      });
      console.log(`lease by another instance      p50 ${fmt(direct.p50ms)} ms, p99 ${fmt(direct.p99ms)} ms, max ${fmt(direct.maxMs)} ms (${direct.n} leases)`);
      // the fleet signals at their shortest thresholds, their evidence written as by another instance
      const put = await fetch(`${server.url}/api/watchdog/rules`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.tokens.owner}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          rules: [
            { signal: 'worker_silent', threshold: 30 },
            { signal: 'no_progress', threshold: 60 },
          ],
        }),
      });
      if (put.status !== 200) throw new Error(`rules: ${put.status} ${await put.text()}`);
      const workerSilent = await delays(
        'det-ws',
        async (worker, deadline) => {
          await client.query(`insert into workers (worker_id, first_seen_at, last_seen_at) values ($1, $2, $2)`, [worker, new Date(deadline.getTime() - 30_000).toISOString()]);
        },
        'worker_silent',
      );
      console.log(`worker_silent deadline → incident p50 ${fmt(workerSilent.p50ms)} ms, p99 ${fmt(workerSilent.p99ms)} ms, max ${fmt(workerSilent.maxMs)} ms (${workerSilent.n} workers)`);
      const noProgress = await delays(
        'det-np',
        async (job, deadline) => {
          // acquired quiet_s before the deadline, renewed just now, nothing new since
          await client.query(
            `insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage, updated_at, progress_check_at)
             values ($1, 'w-1', 1, now() + interval '1 hour', now(), $2, 'active', 0, now(), $3)`,
            [job, new Date(deadline.getTime() - 60_000).toISOString(), deadline.toISOString()],
          );
        },
        'no_progress',
      );
      console.log(`no_progress deadline → incident  p50 ${fmt(noProgress.p50ms)} ms, p99 ${fmt(noProgress.p99ms)} ms, max ${fmt(noProgress.maxMs)} ms (${noProgress.n} leases)`);
      const simulated = simulatePolling();
      const figures: DetectionFigures = { api, direct, workerSilent, noProgress, polling: { analytic: { p50s: [15, 30], p99s: [29.7, 59.4] }, simulated } };
      console.log(
        `fixed 30–60 s polling          analytic p50 15–30 s, p99 29.7–59.4 s; simulated p50 ${fmt(simulated.p50s, 1)} s, p99 ${fmt(simulated.p99s, 1)} s, mean ${fmt(simulated.meanS, 1)} s`,
      );
      console.log(`detection: p99 ${fmt(Math.max(api.p99ms, direct.p99ms))} ms (goal < 1000 ms) vs ${fmt(simulated.p99s, 1)} s polling`);
      return figures;
    } finally {
      await server.stop();
    }
  } finally {
    await client.end().catch(() => {});
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { leases: { type: 'string' }, window: { type: 'string' } } });
  runDetectionBench({ leases: values.leases ? Number(values.leases) : undefined, windowS: values.window ? Number(values.window) : undefined }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
