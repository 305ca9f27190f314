/**
 * Helper-event ingest, side by side with its ceiling, in one run:
 *
 *   npx tsx bench/ingest.ts [--seconds 8] [--concurrency 16] [--skip-pglite]
 *
 *   raw      — single-row INSERTs through `pg` into `bench_raw_events` (CREATE TABLE … LIKE
 *              helper_events INCLUDING ALL: same columns, keys and indexes), 16 connections
 *   floor    — the same 16 clients against a bare node:http server doing one such INSERT per request
 *              (bench/http-floor-server.mjs), before and after single (the mean is single's baseline)
 *   single   — POST /api/watchdog/helper-events on the real built console (`next start`) on the same
 *              PostgreSQL: HTTP + bearer auth + zod + hash check + classification + durable commit,
 *              16 keep-alive clients; the server's RSS (process tree) sampled every 100 ms
 *   batch    — POST /api/watchdog/helper-events/batch, 500 events a batch, 4 clients
 *   pglite   — single and batch again on a console over embedded PGlite, next to its floor (a bare
 *              node:http server doing one INSERT into PGlite in its own process, before and after) and
 *              raw in-process PGlite INSERTs
 *
 * raw is measured before and after single (the mean is the baseline), so drift on a shared machine
 * shows. Every count is checked against the rows stored.
 */
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import {
  closedLoop,
  treeCpuSeconds,
  treeRssMiB,
  fmt,
  healthyEvent,
  loadAvg,
  machineLine,
  postJson,
  postJsonLean,
  runId,
  sampleRss,
  startConsole,
  startPostgres,
  type LoadResult,
  failBench,
  printFigures,
} from './lib';

export interface IngestFigures {
  machine: string;
  postgres: {
    raw: LoadResult[];
    rawMean: number;
    echo: LoadResult;
    /** bare node:http + 1 INSERT, before and after single */
    floor: LoadResult[];
    floorMean: number;
    single: LoadResult;
    batch: LoadResult;
    rssPeakMiB: number;
    rssIdleMiB: number;
    rssSingleMiB: number;
    loadBefore: string;
    loadAfter: string;
    cpuMsPerRequest: { single: number; batchEvent: number };
  };
  pglite?: { single: LoadResult; batch: LoadResult; floor: LoadResult[]; floorMean: number; raw: LoadResult; rssPeakMiB: number };
}

const line = (name: string, r: LoadResult, unit = 'events/s') =>
  `${name.padEnd(34)} ${fmt(r.rate).padStart(7)} ${unit}  (${r.ops} in ${fmt(r.seconds, 1)} s, p50 ${fmt(r.p50ms, 1)} ms, p99 ${fmt(r.p99ms, 1)} ms per request${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''})`;

async function rawInserts(url: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  try {
    await pool.query('create table if not exists bench_raw_events (like helper_events including all)');
    // open every connection before timing
    await Promise.all(Array.from({ length: concurrency }, () => pool.query('select 1')));
    const run = runId();
    return await closedLoop({
      concurrency,
      maxOps: 200_000,
      maxMs: seconds * 1000,
      op: async (i) => {
        const e = healthyEvent(i, run);
        await pool.query(
          `insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms, created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
          [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, null, e.duration_ms, new Date(), new Date(), null, 1, '[]', null, e.output_hash],
        );
      },
    });
  } finally {
    await pool.end();
  }
}

/** Closed-loop POSTs of healthy events to bench/http-floor-server.mjs in a child process. */
async function httpFloor(mode: 'echo' | 'insert' | 'pglite', databaseUrl: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const pgliteDir = mode === 'pglite' ? fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-floor-pglite-')) : '';
  const child = fork(path.join(import.meta.dirname, 'http-floor-server.mjs'), [], {
    env: { ...process.env, FLOOR_MODE: mode, DATABASE_URL: databaseUrl, FLOOR_PGLITE_DIR: pgliteDir },
    stdio: 'ignore',
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`floor server exited ${code}`)));
    });
    const url = `http://127.0.0.1:${port}/`;
    const run = runId();
    await closedLoop({ concurrency, maxOps: 2_000, maxMs: 1_000, op: async (i) => void (await postJsonLean(url, 'x', healthyEvent(i, run), [201])) });
    return await closedLoop({ concurrency, maxOps: 200_000, maxMs: seconds * 1000, op: async (i) => void (await postJsonLean(url, 'x', healthyEvent(i, run), [201])) });
  } finally {
    child.kill('SIGTERM');
    if (pgliteDir) setTimeout(() => fs.rmSync(pgliteDir, { recursive: true, force: true }), 1000).unref();
  }
}

/** Raw INSERTs into embedded PGlite in this process, one after another (no HTTP): context for the PGlite figures. */
async function pgliteRawInserts(seconds: number): Promise<LoadResult> {
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-raw-pglite-'));
  const db = new PGlite(dir);
  try {
    await db.waitReady;
    await db.exec(`create table bench_raw_events (id uuid primary key, job_id text not null, worker_id text not null, command text not null, phase text, exit_code int, output text,
      output_hash text not null, duration_ms int, created_at timestamptz not null, received_at timestamptz not null)`);
    const run = runId();
    return await closedLoop({
      concurrency: 1,
      maxOps: 200_000,
      maxMs: seconds * 1000,
      op: async (i) => {
        const e = healthyEvent(i, run);
        await db.query(
          'insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, duration_ms, created_at, received_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)',
          [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, e.duration_ms, new Date(), new Date()],
        );
      },
    });
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function httpSingle(url: string, token: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const run = runId();
  return closedLoop({
    concurrency,
    maxOps: 200_000,
    maxMs: seconds * 1000,
    op: async (i) => {
      await postJsonLean(`${url}/api/watchdog/helper-events`, token, healthyEvent(i, run), [201]);
    },
  });
}

async function httpBatch(url: string, token: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const run = runId();
  return closedLoop({
    concurrency,
    maxOps: 400,
    maxMs: seconds * 1000,
    weight: 500,
    op: async (i) => {
      const events = Array.from({ length: 500 }, (_, k) => healthyEvent(i * 500 + k, run));
      const out = (await postJson(`${url}/api/watchdog/helper-events/batch`, token, { events }, [200])) as { results: { status: number }[] };
      const bad = out.results.filter((r) => r.status !== 201);
      if (bad.length) throw new Error(`batch item status ${bad[0].status}`);
    },
  });
}

async function countEvents(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('select count(*) from helper_events')).rows[0].count);
  } finally {
    await c.end();
  }
}

export async function runIngestBench(opts: { seconds?: number; concurrency?: number; pglite?: boolean } = {}): Promise<IngestFigures> {
  const seconds = opts.seconds ?? 8;
  const concurrency = opts.concurrency ?? 16;
  const machine = machineLine();
  console.log(`ingest: ${machine}`);
  const postgres = await startPostgres();
  const figures = {} as IngestFigures;
  figures.machine = machine;
  try {
    const server = await startConsole('postgres', { databaseUrl: postgres.url });
    try {
      // warm up the route bundles, the pool and the JIT
      await httpSingle(server.url, server.tokens.worker, 4, 2);
      await httpBatch(server.url, server.tokens.worker, 1, 2);
      const before = await countEvents(postgres.url);
      const loadBefore = loadAvg();
      const raw1 = await rawInserts(postgres.url, concurrency, seconds);
      console.log(line('raw pg INSERT (16 conns)', raw1, 'rows/s'));
      const rssIdle = treeRssMiB(server.pid);
      const rss = sampleRss(server.pid);
      let cpu = treeCpuSeconds(server.pid);
      const cpuSince = () => {
        const now = treeCpuSeconds(server.pid);
        const used = now - cpu;
        cpu = now;
        return used;
      };
      // the floors of any request-per-event HTTP design here: a bare node:http server, same client, same body
      const echo = await httpFloor('echo', postgres.url, concurrency, seconds / 2);
      console.log(line(`bare node:http, no work (${concurrency} clients)`, echo, 'req/s'));
      const floor1 = await httpFloor('insert', postgres.url, concurrency, seconds / 2);
      console.log(line(`bare node:http + 1 INSERT (${concurrency})`, floor1, 'req/s'));
      cpuSince();
      const single = await httpSingle(server.url, server.tokens.worker, concurrency, seconds);
      const singleCpu = (cpuSince() * 1000) / single.ops;
      console.log(line(`HTTP single (${concurrency} clients)`, single) + `, server CPU ${fmt(singleCpu, 2)} ms/event`);
      const rssSingle = rss.peek();
      const floor2 = await httpFloor('insert', postgres.url, concurrency, seconds / 2);
      console.log(line('bare node:http + 1 INSERT again', floor2, 'req/s'));
      const floorMean = (floor1.rate + floor2.rate) / 2;
      const raw2 = await rawInserts(postgres.url, concurrency, seconds);
      console.log(line('raw pg INSERT again', raw2, 'rows/s'));
      cpuSince();
      const batch = await httpBatch(server.url, server.tokens.worker, 4, seconds * 1.5);
      const batchCpu = (cpuSince() * 1000) / batch.ops;
      console.log(line('HTTP batch (500/batch, 4 clients)', batch) + `, server CPU ${fmt(batchCpu, 3)} ms/event`);
      const rssPeak = rss.stop().peakMiB;
      const stored = (await countEvents(postgres.url)) - before;
      const answered = single.ops + batch.ops;
      if (stored !== answered) throw new Error(`stored ${stored} events but ${answered} were answered 201`);
      const rawMean = (raw1.rate + raw2.rate) / 2;
      figures.postgres = {
        raw: [raw1, raw2],
        rawMean,
        echo,
        floor: [floor1, floor2],
        floorMean,
        single,
        batch,
        rssPeakMiB: rssPeak,
        rssIdleMiB: rssIdle,
        rssSingleMiB: rssSingle,
        loadBefore,
        loadAfter: loadAvg(),
        cpuMsPerRequest: { single: singleCpu, batchEvent: batchCpu },
      };
      console.log(
        `postgres: single = ${fmt((single.rate / rawMean) * 100)}% of raw (goal ≥ 50%); the bare node:http floors are ${fmt((echo.rate / rawMean) * 100)}% (no work) and ${fmt((floorMean / rawMean) * 100)}% (one INSERT) of raw, and single ingest is ${fmt(single.rate / floorMean, 2)}× the one-INSERT floor (goal ≥ 0.9×); batch = ${fmt(batch.rate / single.rate, 1)}× single (goal ≥ 5×), server RSS ${fmt(rssIdle)} MiB warmed-up idle, peak ${fmt(rssSingle)} MiB under single, ${fmt(rssPeak)} MiB under batch (goal < 400), stored ${stored} = answered; load ${loadBefore} → ${figures.postgres.loadAfter}`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    postgres.stop();
  }
  if (opts.pglite !== false) {
    // the embedded console's floor: the same client against a bare node:http server holding PGlite in-process
    const server = await startConsole('pglite');
    try {
      await httpSingle(server.url, server.tokens.worker, 4, 2);
      await httpBatch(server.url, server.tokens.worker, 1, 2);
      const rss = sampleRss(server.pid);
      const loadBefore = loadAvg();
      const floor1 = await httpFloor('pglite', '', concurrency, seconds / 2);
      console.log(line(`bare node:http + 1 PGlite INSERT (${concurrency})`, floor1, 'req/s'));
      const single = await httpSingle(server.url, server.tokens.worker, concurrency, seconds);
      console.log(line(`PGlite HTTP single (${concurrency} clients)`, single));
      const floor2 = await httpFloor('pglite', '', concurrency, seconds / 2);
      console.log(line('bare node:http + 1 PGlite INSERT again', floor2, 'req/s'));
      const raw = await pgliteRawInserts(seconds / 2);
      console.log(line('raw PGlite INSERTs in-process (1 at a time)', raw, 'rows/s'));
      const floorMean = (floor1.rate + floor2.rate) / 2;
      console.log(`pglite: single = ${fmt(single.rate / floorMean, 2)}× the bare node:http + 1 PGlite INSERT floor (goal ≥ 0.9×); load ${loadBefore} → ${loadAvg()}`);
      const batch = await httpBatch(server.url, server.tokens.worker, 4, seconds * 1.5);
      console.log(line('PGlite HTTP batch (500/batch)', batch));
      figures.pglite = { single, batch, floor: [floor1, floor2], floorMean, raw, rssPeakMiB: rss.stop().peakMiB };
      console.log(
        `pglite: single = ${fmt((single.rate / figures.postgres.single.rate) * 100)}% of the PostgreSQL single rate, batch = ${fmt((batch.rate / figures.postgres.batch.rate) * 100)}% of the PostgreSQL batch rate, RSS peak ${fmt(figures.pglite.rssPeakMiB)} MiB`,
      );
    } finally {
      await server.stop();
    }
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, 'skip-pglite': { type: 'boolean' } } });
  runIngestBench({ seconds: values.seconds ? Number(values.seconds) : undefined, concurrency: values.concurrency ? Number(values.concurrency) : undefined, pglite: !values['skip-pglite'] }).then(
    printFigures,
    failBench,
  );
}
