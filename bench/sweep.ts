/**
 * One watchdog sweep over many active leases with a few hundred due, on a throwaway PostgreSQL:
 *
 *   npx tsx bench/sweep.ts [--leases 100000] [--due 300] [--runs 5] [--pglite]
 *
 * (`--pglite`: the same on embedded PGlite in memory, the default deployment, instead.)
 * Seeds `--leases` active leases whose deadlines are an hour away (not due, not near expiry), then
 * for each case inserts the due leases (expired 1–60 s ago, each job with one helper event for the
 * sweep to cite as evidence), times runSweep (in-process, the scheduler's call) and checks every due
 * lease was found. Cases: idle (0 due), `--due` due, `--due`/10 due, and `--due` due over a tenth of
 * the leases — so it shows whether the cost grows with the due leases or with all leases — and
 * `--due` stuck leases (expired 10–20 min ago: each gets both findings in one sweep, a lease_expired
 * and a queue_stuck incident, a mark_stuck, a pending reclaim request, a notification and an audit
 * entry). The 1-minute load average is printed with every case.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { fmt, loadAvg, machineLine, percentile, startPostgres } from './lib';

export interface SweepCase {
  leases: number;
  due: number;
  medianMs: number;
  p95Ms: number;
  runs: number;
  /** due leases past the queue_stuck grace too (both findings per lease) */
  stuck?: boolean;
  /** due no_progress checks of stalled jobs */
  stalled?: boolean;
  /** workers past silent_s */
  silent?: boolean;
}

export async function runSweepBench(opts: { leases?: number; due?: number; runs?: number; pglite?: boolean } = {}): Promise<SweepCase[]> {
  const leases = opts.leases ?? 100_000;
  const due = opts.due ?? 300;
  const runs = opts.runs ?? 5;
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { runSweep } = await import('../lib/watchdog/sweep');
  const { systemActor } = await import('../lib/watchdog/context');
  console.log(`sweep${opts.pglite ? ' (PGlite in memory)' : ''}: ${machineLine()}`);
  const postgres = opts.pglite ? null : await startPostgres();
  const database = await prepareDatabase(postgres ? { url: postgres.url } : { url: '', dataDir: 'memory://' });
  const db = database.db;
  let batch = 0;
  // progressDue: the no_progress check of these leases is due now (acquired 20 min ago, nothing new since)
  const seed = async (n: number, offsetMs: [number, number], prefix: string, progressDue = false) => {
    await db.execute(sql`
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, sweep_stage, updated_at, progress_check_at)
      select ${prefix} || g, 'w-' || (g % 50), 1,
        now() + make_interval(secs => (${offsetMs[0]} + random() * ${offsetMs[1] - offsetMs[0]}) / 1000.0),
        now() - interval '10 seconds', now() - interval '20 minutes', 'active', 0, now(),
        ${progressDue ? sql`now() - interval '1 second'` : sql`now() + make_interval(secs => 3600 + random() * 3600)`}
      from generate_series(1, ${n}) g`);
  };
  /** one helper event for each of the n jobs `prefix` 1..n: the evidence the sweep cites */
  const seedEvents = async (n: number, prefix: string) => {
    await db.execute(sql`
      insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, created_at, received_at, rule_version, body_hash)
      select gen_random_uuid(), ${prefix} || g, 'w-' || (g % 50), 'pls progress ' || ${prefix} || g, 'progress', 0, 'ok',
        'sha256:' || md5(${prefix} || g) || md5(${prefix} || g), now() - interval '30 minutes', now() - interval '30 minutes', 1, 'sha256:' || md5(g::text)
      from generate_series(1, ${n}) g`);
  };
  const seedDue = async (n: number, stuck: boolean) => {
    const prefix = `due-${batch++}-`;
    await seed(n, stuck ? [-1_200_000, -600_000] : [-60_000, -1_000], prefix);
    await seedEvents(n, prefix);
    return prefix;
  };
  const out: SweepCase[] = [];
  try {
    const timeCase = async (label: string, total: number, dueNow: number, stuck = false) => {
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const prefix = dueNow ? await seedDue(dueNow, stuck) : 'none';
        const t = performance.now();
        const result = await runSweep({ db, actor: systemActor, now: new Date() });
        times.push(performance.now() - t);
        // only this run's leases: earlier cases' leases turn stuck 300 s after their expiry
        const mine = result.findings.filter((f) => f.job_id?.startsWith(prefix));
        const found = mine.filter((f) => f.signal === 'lease_expired').length;
        if (found !== dueNow) throw new Error(`${label}: the sweep found ${found} expired leases, ${dueNow} were due`);
        const stuckFound = mine.filter((f) => f.signal === 'queue_stuck' && f.action_id).length;
        if (stuckFound !== (stuck ? dueNow : 0)) throw new Error(`${label}: the sweep found ${stuckFound} stuck leases with a request, ${stuck ? dueNow : 0} were due`);
      }
      const c: SweepCase = { leases: total, due: dueNow, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs, ...(stuck ? { stuck } : {}) };
      out.push(c);
      console.log(`${label.padEnd(34)} median ${fmt(c.medianMs, 1).padStart(7)} ms, p95 ${fmt(c.p95Ms, 1).padStart(7)} ms (${runs} sweeps, load avg ${loadAvg()})`);
    };
    await seed(leases / 10, [3_600_000, 7_200_000], 'bg-a-');
    await db.execute(sql`analyze job_leases`);
    // warm-up: the first sweep pays for connections, plans and the JIT
    await seedDue(due, false);
    await runSweep({ db, actor: systemActor, now: new Date() });
    await timeCase(`${leases / 10} active, ${due} due`, leases / 10, due);
    await seed(leases - leases / 10, [3_600_000, 7_200_000], 'bg-b-');
    await db.execute(sql`analyze job_leases`);
    await timeCase(`${leases} active, 0 due (idle)`, leases, 0);
    await timeCase(`${leases} active, ${due / 10} due`, leases, due / 10);
    await timeCase(`${leases} active, ${due} due`, leases, due);
    await timeCase(`${leases} active, ${due} stuck`, leases, due, true);
    // the fleet stages: stalled jobs (no_progress) and silent workers (worker_silent)
    const stalledTimes: number[] = [];
    const silentTimes: number[] = [];
    for (let r = 0; r < runs; r++) {
      const prefix = `stall-${r}-`;
      await seed(due, [3_600_000, 7_200_000], prefix, true);
      await seedEvents(due, prefix);
      let t = performance.now();
      let result = await runSweep({ db, actor: systemActor, now: new Date() });
      stalledTimes.push(performance.now() - t);
      const stalled = result.findings.filter((f) => f.signal === 'no_progress' && f.job_id?.startsWith(prefix)).length;
      if (stalled !== due) throw new Error(`no_progress: the sweep found ${stalled} stalled jobs, ${due} were due`);
      await db.execute(sql`
        insert into workers (worker_id, first_seen_at, last_seen_at)
        select ${`silent-${r}-`} || g, now() - interval '2 hours', now() - interval '11 minutes' from generate_series(1, ${due}) g`);
      t = performance.now();
      result = await runSweep({ db, actor: systemActor, now: new Date() });
      silentTimes.push(performance.now() - t);
      const silent = result.findings.filter((f) => f.signal === 'worker_silent' && f.worker_id?.startsWith(`silent-${r}-`)).length;
      if (silent !== due) throw new Error(`worker_silent: the sweep found ${silent} silent workers, ${due} were due`);
    }
    for (const [label, times, extra] of [
      [`${leases} active, ${due} stalled (no_progress)`, stalledTimes, { stalled: true }],
      [`${leases} active, ${due} workers silent`, silentTimes, { silent: true }],
    ] as const) {
      const c: SweepCase = { leases, due, medianMs: percentile([...times], 0.5), p95Ms: percentile([...times], 0.95), runs, ...extra };
      out.push(c);
      console.log(`${label.padEnd(34)} median ${fmt(c.medianMs, 1).padStart(7)} ms, p95 ${fmt(c.p95Ms, 1).padStart(7)} ms (${runs} sweeps, load avg ${loadAvg()})`);
    }
    const big = out.find((c) => c.leases === leases && c.due === due && !c.stuck && !c.stalled && !c.silent)!;
    const small = out.find((c) => c.leases === leases / 10 && c.due === due)!;
    console.log(
      `sweep: ${leases} leases / ${due} due = ${fmt(big.medianMs, 1)} ms (goal < 250); 10× fewer leases, same due: ${fmt(small.medianMs, 1)} ms; goal "grows with due, not all": ${big.medianMs < small.medianMs * 2 ? 'met' : 'NOT met'}`,
    );
    return out;
  } finally {
    await database.close();
    postgres?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { leases: { type: 'string' }, due: { type: 'string' }, runs: { type: 'string' }, pglite: { type: 'boolean' } } });
  runSweepBench({
    leases: values.leases ? Number(values.leases) : undefined,
    due: values.due ? Number(values.due) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
    pglite: values.pglite,
  }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
