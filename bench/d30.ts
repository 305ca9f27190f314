// D30 over 1M helper events: seeds a throwaway PostgreSQL with set-based inserts, then times
// computeD30Metrics without the D30 indexes and rollup (migrations 0001/0002; "before": every figure
// counted from the raw tables) and with them ("after"), and what they cost each ingested event. Usage: npx tsx bench/d30.ts [--events 1000000] [--runs 15]
// (DATABASE_URL of an empty scratch database instead of the throwaway cluster: BENCH_DATABASE_URL).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, migrationsDir, rowsOf } from '@/db/client';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { computeD30Metrics, type D30EventSource } from '@/lib/watchdog/metrics';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { seedBenchFleet } from './d30-seed';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase, postgresAvailable, startThrowawayPostgres } from '../scripts/pg-throwaway.mjs';

interface Timing {
  runs: number;
  median_ms: number;
  p95_ms: number;
  min_ms: number;
  max_ms: number;
}

const ROLLUP_TRIGGERS = ['helper_event_days_insert', 'helper_event_days_delete', 'helper_event_days_update', 'helper_event_days_truncate'];

function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (v: number) => Math.round(v * 10) / 10;
  return { runs: s.length, median_ms: r(q(0.5)), p95_ms: r(q(0.95)), min_ms: r(s[0]), max_ms: r(s[s.length - 1]) };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The CREATE INDEX statements of the D30 migration, and the index names. */
function d30IndexStatements(): { names: string[]; statements: string[] } {
  const dir = migrationsDir();
  const file = fs.readdirSync(dir).find((f) => /^\d+_d30_indexes\.sql$/.test(f));
  if (!file) throw new Error('the D30 index migration is missing');
  const statements = fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => /^CREATE INDEX/i.test(s));
  const names = statements.map((s) => /CREATE INDEX "([^"]+)"/i.exec(s)?.[1]).filter((n): n is string => Boolean(n));
  return { names, statements };
}

/**
 * Times computeD30Metrics: on the pool (its statements at once, as the route runs it) or `serial`, inside
 * one transaction where they run one after the other: the whole work on one core.
 */
async function timeD30(database: Database, now: Date, runs: number, eventSource: D30EventSource = 'rollup', serial = false) {
  const once = () => (serial ? database.db.transaction((tx) => computeD30Metrics(tx, { now, eventSource })) : computeD30Metrics(database.db, { now, eventSource }));
  // one warm-up run (plans, buffer cache), then the timed runs
  let last = await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await once();
    samples.push(performance.now() - t);
  }
  return { timing: summarize(samples), metrics: last };
}

/** Sequential single-event ingests (the HTTP path minus HTTP): the cost the indexes add per event. */
async function timeIngest(database: Database, now: Date, count: number) {
  const ctx = { db: database.db, actor: { role: 'system' as const, id: 'bench', label: 'system:bench', via: 'token' as const }, now };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const failing = i % 25 === 0;
    const output = failing ? '500 TypeError: fetch failed' : '{"ok":true}';
    const t = performance.now();
    await ingestHelperEvent(ctx, {
      id: randomUUID(),
      job_id: `ingest-${i % 400}`,
      worker_id: `w-${i % 20}`,
      command: 'pls progress',
      phase: 'progress',
      exit_code: failing ? 1 : 0,
      output,
      output_hash: hashOutput(output),
      duration_ms: 150,
      created_at: new Date(now.getTime() - 1000 + i),
    });
    samples.push(performance.now() - t);
  }
  return summarize(samples);
}

async function vacuumAnalyze(database: Database) {
  for (const table of ['helper_events', 'incidents', 'artifact_checks', 'repair_actions', 'job_leases']) {
    await database.db.execute(sql.raw(`vacuum analyze ${table}`));
  }
}

export async function runD30Bench(opts: { events: number; runs: number; ingest: number }) {
  let stop = () => {};
  let url = process.env.BENCH_DATABASE_URL ?? '';
  if (!url) {
    if (!postgresAvailable()) throw new Error('PostgreSQL 15 binaries not found (PG_BIN) and BENCH_DATABASE_URL not set');
    const pg = await startThrowawayPostgres();
    stop = pg.stop;
    url = createDatabase(pg.url, `bench_d30_${Date.now()}`);
  }
  const loadAtStart = Math.round(os.loadavg()[0] * 100) / 100;
  const database = await prepareDatabase({ url, poolMax: 10 });
  try {
    const version = rowsOf<{ v: string }>(await database.db.execute(sql`select current_setting('server_version') as v`))[0].v;
    const now = new Date(Math.floor(Date.now() / 60000) * 60000);
    // "before": the schema without the D30 indexes and without the rollup triggers
    const { names, statements } = d30IndexStatements();
    for (const name of names) await database.db.execute(sql.raw(`drop index if exists "${name}"`));
    for (const trigger of ROLLUP_TRIGGERS) await database.db.execute(sql.raw(`alter table helper_events disable trigger ${trigger}`));

    let t = performance.now();
    const counts = await seedBenchFleet(database.db, { events: opts.events, now });
    const seedS = (performance.now() - t) / 1000;
    await vacuumAnalyze(database);

    const before = await timeD30(database, now, opts.runs, 'count');
    const ingestBefore = await timeIngest(database, now, opts.ingest);

    // "after": the D30 indexes built, the rollup filled from the events (as migration 0002 does) and kept by its triggers
    t = performance.now();
    for (const stmt of statements) await database.db.execute(sql.raw(stmt));
    const indexS = (performance.now() - t) / 1000;
    t = performance.now();
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`delete from helper_event_days`);
      await tx.execute(sql`insert into helper_event_days (day, shard, events)
                           select (created_at at time zone 'UTC')::date, 0::smallint, count(*) from helper_events group by 1`);
      for (const trigger of ROLLUP_TRIGGERS) await tx.execute(sql.raw(`alter table helper_events enable trigger ${trigger}`));
    });
    const rollupS = (performance.now() - t) / 1000;
    await vacuumAnalyze(database);

    const indexesOnly = await timeD30(database, now, opts.runs, 'count');
    const after = await timeD30(database, now, opts.runs);
    const afterSerial = await timeD30(database, now, opts.runs, 'rollup', true);
    const ingestAfter = await timeIngest(database, now, opts.ingest);

    const { series: _series, decisions: _decisions, ...figures } = after.metrics;
    const report = {
      machine: {
        load_average_1m: { at_start: loadAtStart, at_end: Math.round(os.loadavg()[0] * 100) / 100 },
        cpus: os.cpus().length,
        cpu_model: os.cpus()[0]?.model ?? 'unknown',
        memory_gb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: version,
      },
      seeded: { ...counts, seconds: Math.round(seedS * 10) / 10 },
      d30_indexes: { names, build_seconds: Math.round(indexS * 10) / 10, rollup_fill_seconds: Math.round(rollupS * 10) / 10 },
      d30_before_indexes: before.timing,
      d30_after_indexes_counting_events: indexesOnly.timing,
      d30_after_indexes_and_rollup: after.timing,
      d30_after_one_connection_serial: afterSerial.timing,
      ingest_per_event_before_indexes: ingestBefore,
      ingest_per_event_after_indexes: ingestAfter,
      figures: {
        coverage: figures.coverage,
        retry_success_rate: figures.retry_success_rate,
        gate_pass_rate: figures.gate_pass_rate,
        false_green_count: figures.false_green_count,
        mttd_s: figures.mttd_s,
        mttr_s: figures.mttr_s,
        events: figures.counts.events,
        recommendation: figures.recommendation.decision,
      },
    };
    if (JSON.stringify(indexesOnly.metrics.series) !== JSON.stringify(after.metrics.series)) throw new Error('the rollup and the count disagree');
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\nD30 over ${counts.helper_events.toLocaleString('en')} helper events: before ${before.timing.median_ms} ms median / ${before.timing.p95_ms} ms p95, ` +
        `after ${after.timing.median_ms} ms median / ${after.timing.p95_ms} ms p95 (indexes without the rollup: ${indexesOnly.timing.median_ms} / ${indexesOnly.timing.p95_ms} ms; all on one connection: ${afterSerial.timing.median_ms} / ${afterSerial.timing.p95_ms} ms; ${opts.runs} runs; ${os.cpus().length} cores, load ${loadAtStart}, PostgreSQL ${version})`,
    );
    return report;
  } finally {
    await database.close();
    stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/d30.ts')) {
  runD30Bench({ events: arg('events', 1_000_000), runs: arg('runs', 15), ingest: arg('ingest', 500) }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
