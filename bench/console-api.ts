/**
 * Console reads at scale: the answers behind the pages, on a large fleet in a throwaway PostgreSQL.
 *
 *   npx tsx bench/console-api.ts [--events 1000000] [--per-job 10] [--runs 40]
 *
 * Seeds `events` helper events over `events / per-job` jobs (bench/d30-seed.ts: set-based, 30 days,
 * leases, checks, incidents, repairs) and 200 workers, ANALYZEs, then times each answer `runs` times
 * through the domain verbs the routes call (the same SQL as the API, without HTTP):
 * overview, jobs (as the page asks, and filtered by a search), incidents (open; all, filtered by
 * signal and by worker; the second page by cursor), workers, one job's story (a different job each
 * time). Prints p50/p95/max per answer; the goal is p95 < 100 ms.
 *
 * BENCH_DATABASE_URL: a scratch database instead of the throwaway cluster. Empty, it is seeded; already
 * seeded by an earlier run, it is reused as it is (the migrations not yet applied are applied), with the
 * earlier run's `now` (the newest worker sighting), so the figures of two runs are of the same data.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '@/db/client';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { getJobTimeline, listJobs } from '@/lib/watchdog/jobs';
import { listIncidents } from '@/lib/watchdog/incidents';
import { listWorkers } from '@/lib/watchdog/fleet';
import { getOverview } from '@/lib/watchdog/metrics';
import type { Ctx } from '@/lib/watchdog/context';
import { seedBenchFleet } from './d30-seed';
import { fmt, loadAvg, machineLine, percentile, startPostgres, failBench, printFigures } from './lib';

export async function runConsoleApiBench(opts: { events?: number; perJob?: number; runs?: number } = {}) {
  const events = opts.events ?? 1_000_000;
  const perJob = opts.perJob ?? 10;
  const runs = opts.runs ?? 40;
  console.log(`console-api: ${machineLine()}`);
  const reuseUrl = process.env.BENCH_DATABASE_URL;
  const postgres = reuseUrl ? { url: reuseUrl, stop: () => {} } : await startPostgres();
  try {
    const database = await prepareDatabase({ url: postgres.url, poolMax: 8 });
    try {
      const db = database.db;
      const seededNow = rowsOf<{ t: string | Date | null }>(await db.execute(sql`select max(last_seen_at) as t from workers where worker_id = 'w-0'`))[0]?.t;
      const now = seededNow ? new Date(seededNow) : new Date();
      const seedStart = performance.now();
      let counts: unknown = 'reused';
      if (!seededNow) {
        counts = await seedBenchFleet(db, { events, now, eventsPerJob: perJob });
        await db.execute(sql`
          insert into workers (worker_id, first_seen_at, last_seen_at, runner_version)
          select 'w-' || i, ${now.toISOString()}::timestamptz - interval '30 days', ${now.toISOString()}::timestamptz - (i || ' seconds')::interval, '1.0.0'
          from generate_series(0, 199) i on conflict do nothing`);
        await db.execute(sql`analyze`);
      }
      const seeded = rowsOf<Record<string, number>>(
        await db.execute(sql`select (select count(*)::int from helper_events) as helper_events, (select count(*)::int from job_leases) as jobs,
          (select count(*)::int from incidents) as incidents, (select count(*)::int from incidents where status <> 'resolved') as open_incidents,
          (select count(*)::int from workers) as workers`),
      )[0];
      console.log(`seeded in ${fmt((performance.now() - seedStart) / 1000, 1)} s: ${JSON.stringify(seeded)} (seed counts ${JSON.stringify(counts)})`);
      const ctx = (): Ctx => ({ db, actor: { role: 'supervisor', id: 'bench', label: 'supervisor:bench', via: 'token' }, now });
      const jobIds = rowsOf<{ job_id: string }>(await db.execute(sql`select job_id from job_leases order by md5(job_id) limit ${runs}`)).map((r) => r.job_id);
      const firstPage = await listIncidents(db, { status: 'all', limit: 50 });
      const answers: [string, (i: number) => Promise<unknown>][] = [
        ['overview', () => getOverview(ctx())],
        ['jobs (as the page asks: limit 100)', () => listJobs(ctx(), { limit: 100 })],
        ['jobs (search q, limit 100)', (i) => listJobs(ctx(), { q: `job-${1000 + i}`, limit: 100 })],
        ['incidents (open, 50)', () => listIncidents(db, { status: 'open', limit: 50 })],
        ['incidents (all, 50)', () => listIncidents(db, { status: 'all', limit: 50 })],
        ['incidents (all, signal fetch_failed, 50)', () => listIncidents(db, { status: 'all', signal: 'fetch_failed', limit: 50 })],
        ['incidents (all, one worker, 50)', (i) => listIncidents(db, { status: 'all', worker_id: `w-${i % 200}`, limit: 50 })],
        ['incidents (all, second page by cursor)', () => listIncidents(db, { status: 'all', limit: 50, cursor: firstPage.next_cursor ?? undefined })],
        ['workers', () => listWorkers(ctx())],
        ["one job's story", (i) => getJobTimeline(ctx(), jobIds[i % jobIds.length])],
      ];
      const loadBefore = loadAvg();
      const results: { answer: string; p50: number; p95: number; max: number }[] = [];
      for (const [name, call] of answers) {
        await call(0); // warm the plan and the cache
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          await call(i);
          times.push(performance.now() - t);
        }
        const r = { answer: name, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: Math.max(...times) };
        results.push(r);
        console.log(`${name.padEnd(42)} p50 ${fmt(r.p50, 1).padStart(7)} ms  p95 ${fmt(r.p95, 1).padStart(7)} ms  max ${fmt(r.max, 1).padStart(7)} ms${r.p95 < 100 ? '' : '  ← over 100 ms'}`);
      }
      const over = results.filter((r) => r.p95 >= 100);
      console.log(
        `console reads: ${results.length - over.length} of ${results.length} answers p95 < 100 ms${over.length ? ` (over: ${over.map((r) => r.answer).join(', ')})` : ''}; load ${loadBefore} → ${loadAvg()}`,
      );
      return { machine: machineLine(), seeded, runs, results };
    } finally {
      await database.close();
    }
  } finally {
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { events: { type: 'string' }, 'per-job': { type: 'string' }, runs: { type: 'string' } } });
  runConsoleApiBench({
    events: values.events ? Number(values.events) : undefined,
    perJob: values['per-job'] ? Number(values['per-job']) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
  }).then(printFigures, failBench);
}
