/**
 * One watchdog sweep over many active leases with a few hundred due, on a throwaway PostgreSQL:
 *
 *   npx tsx bench/sweep.ts [--leases 100000] [--due 300] [--runs 5]
 *
 * Seeds `--leases` active leases whose deadlines are an hour away (not due, not near expiry), then
 * for each case inserts the due leases (expired 1–60 s ago), times runSweep (in-process, the
 * scheduler's call) and checks every due lease was found. Cases: idle (0 due), `--due` due,
 * `--due`/10 due, and `--due` due over a tenth of the leases — so it shows whether the cost grows
 * with the due leases or with all leases.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { fmt, machineLine, percentile, startPostgres } from './lib';

export interface SweepCase {
  leases: number;
  due: number;
  medianMs: number;
  p95Ms: number;
  runs: number;
}

export async function runSweepBench(opts: { leases?: number; due?: number; runs?: number } = {}): Promise<SweepCase[]> {
  const leases = opts.leases ?? 100_000;
  const due = opts.due ?? 300;
  const runs = opts.runs ?? 5;
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { runSweep } = await import('../lib/watchdog/sweep');
  const { systemActor } = await import('../lib/watchdog/context');
  console.log(`sweep: ${machineLine()}`);
  const postgres = await startPostgres();
  const database = await prepareDatabase({ url: postgres.url });
  const db = database.db;
  let batch = 0;
  const seed = async (n: number, offsetMs: [number, number], prefix: string) => {
    await db.execute(sql`
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage, updated_at)
      select ${prefix} || g, 'w-' || (g % 50), 1,
        now() + make_interval(secs => (${offsetMs[0]} + random() * ${offsetMs[1] - offsetMs[0]}) / 1000.0),
        now() - interval '10 seconds', now() - interval '20 minutes', 'active', 0, now()
      from generate_series(1, ${n}) g`);
  };
  const out: SweepCase[] = [];
  try {
    const timeCase = async (label: string, total: number, dueNow: number) => {
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        if (dueNow) await seed(dueNow, [-60_000, -1_000], `due-${batch++}-`);
        const t = performance.now();
        const result = await runSweep({ db, actor: systemActor, now: new Date() });
        times.push(performance.now() - t);
        const found = result.findings.filter((f) => f.signal === 'lease_expired').length;
        if (found !== dueNow) throw new Error(`${label}: the sweep found ${found} expired leases, ${dueNow} were due`);
      }
      const c = { leases: total, due: dueNow, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs };
      out.push(c);
      console.log(`${label.padEnd(34)} median ${fmt(c.medianMs, 1).padStart(7)} ms, p95 ${fmt(c.p95Ms, 1).padStart(7)} ms (${runs} sweeps)`);
    };
    await seed(leases / 10, [3_600_000, 7_200_000], 'bg-a-');
    await db.execute(sql`analyze job_leases`);
    // warm-up: the first sweep pays for connections, plans and the JIT
    await seed(due, [-60_000, -1_000], 'warm-');
    await runSweep({ db, actor: systemActor, now: new Date() });
    await timeCase(`${leases / 10} active, ${due} due`, leases / 10, due);
    await seed(leases - leases / 10, [3_600_000, 7_200_000], 'bg-b-');
    await db.execute(sql`analyze job_leases`);
    await timeCase(`${leases} active, 0 due (idle)`, leases, 0);
    await timeCase(`${leases} active, ${due / 10} due`, leases, due / 10);
    await timeCase(`${leases} active, ${due} due`, leases, due);
    const big = out.find((c) => c.leases === leases && c.due === due)!;
    const small = out.find((c) => c.leases === leases / 10 && c.due === due)!;
    console.log(
      `sweep: ${leases} leases / ${due} due = ${fmt(big.medianMs, 1)} ms (goal < 250); 10× fewer leases, same due: ${fmt(small.medianMs, 1)} ms; goal "grows with due, not all": ${big.medianMs < small.medianMs * 2 ? 'met' : 'NOT met'}`,
    );
    return out;
  } finally {
    await database.close();
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { leases: { type: 'string' }, due: { type: 'string' }, runs: { type: 'string' } } });
  runSweepBench({ leases: values.leases ? Number(values.leases) : undefined, due: values.due ? Number(values.due) : undefined, runs: values.runs ? Number(values.runs) : undefined }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
