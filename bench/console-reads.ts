/**
 * The console's reads and live updates on a throwaway PostgreSQL, in-process (no build needed):
 *
 *   npx tsx bench/console-reads.ts [--jobs 100000] [--runs 15] [--writes 1500]
 *
 * 1. GET /jobs pages (listJobs) over `--jobs` leases: the first page, a page deep in the keyset (at 90 %),
 *    one state; with the 0011_console_reads indexes and, for comparison, with them dropped.
 * 2. Lease writes (heartbeatLease, one caller) with the live trigger on and off, interleaved: what
 *    publishing costs a writer.
 * 3. Commit → a LiveHub subscriber (LISTEN connection, coalesce, load): the per-change delivery delay.
 * The 1-minute load average is printed with every figure.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { fmt, loadAvg, machineLine, percentile, startPostgres } from './lib';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '100000' }, runs: { type: 'string', default: '15' }, writes: { type: 'string', default: '1500' } } });
const JOBS = Number(values.jobs);
const RUNS = Number(values.runs);
const WRITES = Number(values.writes);

async function main() {
  const { rowsOf } = await import('../db/client');
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { listJobs } = await import('../lib/watchdog/jobs');
  const { heartbeatLease } = await import('../lib/watchdog/leases');
  const { LiveHub } = await import('../lib/watchdog/live');
  const { cliActor } = await import('../lib/watchdog/context');
  console.log(machineLine());
  const pg = await startPostgres();
  const database = await prepareDatabase({ url: pg.url });
  const ctx = () => ({ db: database.db, actor: cliActor, now: new Date() });
  try {
    await database.db.execute(sql`
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, completed_at, updated_at)
      select 'bench-' || g, 'w-' || (g % 50), 1, now() + interval '1 hour', now(), now() - interval '2 hours',
             (array['active','completed','expired','released'])[1 + g % 4], case when g % 4 = 1 then now() end,
             now() - g * interval '1 second'
      from generate_series(1, ${JOBS}) g`);
    await database.db.execute(sql`analyze job_leases`);
    const [deep] = rowsOf<{ at: string; job_id: string }>(
      await database.db.execute(sql`
      select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, job_id from job_leases
      order by updated_at desc, job_id desc offset ${Math.floor(JOBS * 0.9)} limit 1`),
    );
    const deepCursor = Buffer.from(`${deep.at}|${deep.job_id}`).toString('base64url');
    const time = async (f: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await f();
        ms.push(performance.now() - t);
      }
      return `median ${fmt(percentile(ms, 0.5), 2)} ms, p95 ${fmt(percentile(ms, 0.95), 2)} ms`;
    };
    const pages = async (label: string) => {
      console.log(`${label}: first page (100)  ${await time(() => listJobs(ctx(), { limit: 100 }))}  [load ${loadAvg()}]`);
      console.log(`${label}: page at 90 %       ${await time(() => listJobs(ctx(), { limit: 100, cursor: deepCursor }))}  [load ${loadAvg()}]`);
      console.log(`${label}: state=completed    ${await time(() => listJobs(ctx(), { limit: 100, state: 'completed' }))}  [load ${loadAvg()}]`);
    };
    await pages(`jobs list over ${JOBS} leases, with the keyset indexes`);
    await database.db.execute(sql`drop index job_leases_updated_idx; drop index job_leases_state_updated_idx`);
    await pages(`jobs list over ${JOBS} leases, without them`);

    // 2. what the live trigger costs a lease writer
    const later = () => new Date(Date.now() + 900_000);
    const writes = async (n: number, tag: string) => {
      const t = performance.now();
      for (let i = 0; i < n; i++)
        await heartbeatLease({ ...ctx(), actor: { role: 'system', id: 'b', label: 'system:bench', via: 'token' } }, `live-${tag}-${i % 200}`, { worker_id: 'w-1', lease_expires_at: later() });
      return (n / (performance.now() - t)) * 1000;
    };
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < 4; round++) {
      on.push(await writes(WRITES / 4, `on${round}`));
      await database.db.execute(sql`alter table job_leases disable trigger job_leases_live`);
      off.push(await writes(WRITES / 4, `off${round}`));
      await database.db.execute(sql`alter table job_leases enable trigger job_leases_live`);
    }
    console.log(`lease writes/s, one caller: trigger on ${on.map((x) => fmt(x)).join(', ')}; off ${off.map((x) => fmt(x)).join(', ')}  [load ${loadAvg()}]`);

    // 3. commit → subscriber
    const hub = new LiveHub({ database: async () => database, clock: () => new Date() });
    const waiting = new Map<string, (at: number) => void>();
    await hub.subscribe({
      send: (messages) => {
        const at = performance.now();
        for (const m of messages) waiting.get((m.data as { job_id: string }).job_id)?.(at);
      },
      end: () => {},
    });
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      const job = `live-delay-${i}`;
      const got = new Promise<number>((r) => waiting.set(job, r));
      await heartbeatLease({ ...ctx(), actor: { role: 'system', id: 'b', label: 'system:bench', via: 'token' } }, job, { worker_id: 'w-1', lease_expires_at: later() });
      const committed = performance.now();
      delays.push((await got) - committed);
    }
    console.log(
      `commit → LiveHub subscriber (LISTEN, 25 ms gather, load): median ${fmt(percentile(delays, 0.5), 1)} ms, p95 ${fmt(percentile(delays, 0.95), 1)} ms, max ${fmt(Math.max(...delays), 1)} ms  [load ${loadAvg()}]`,
    );
    await hub.close();
  } finally {
    await database.close();
    pg.stop();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
