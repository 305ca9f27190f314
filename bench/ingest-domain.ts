/**
 * Helper-event ingest below HTTP, on a throwaway PostgreSQL, 16 concurrent callers over a pool of 16:
 *
 *   npx tsx bench/ingest-domain.ts [--seconds 4]
 *
 *   raw        — single-row INSERT through `pg` into a table LIKE helper_events (the ceiling)
 *   token      — findActorByToken (the per-request auth read)
 *   ingest     — ingestHelperEvent of a healthy event: hash check, classification, durable insert
 *   ingest, rollup trigger off — the same with the D30 helper_event_days trigger disabled, so what
 *                the trigger costs concurrent ingest shows (runs interleaved: on, off, on, off)
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { closedLoop, fmt, healthyEvent, loadAvg, type LoadResult, machineLine, runId, startPostgres } from './lib';

export interface DomainFigures {
  raw: LoadResult;
  token: LoadResult;
  ingestTriggerOn: LoadResult[];
  ingestTriggerOff: LoadResult[];
  load: string;
}

export async function runDomainBench(opts: { seconds?: number } = {}): Promise<DomainFigures> {
  const seconds = opts.seconds ?? 4;
  const { prepareDatabase } = await import('../lib/watchdog/runtime');
  const { ingestHelperEvent } = await import('../lib/watchdog/events');
  const { createToken, findActorByToken } = await import('../lib/watchdog/access');
  const { cliActor } = await import('../lib/watchdog/context');
  console.log(`ingest-domain: ${machineLine()}`);
  const postgres = await startPostgres();
  const database = await prepareDatabase({ url: postgres.url, poolMax: 16 });
  const pool = new pg.Pool({ connectionString: postgres.url, max: 16 });
  try {
    const { token } = await createToken({ db: database.db, actor: cliActor, now: new Date() }, { role: 'worker', worker_id: 'w-1', name: 'bench' });
    const actor = (await findActorByToken(database.db, token))!;
    await pool.query('create table bench_raw_events (like helper_events including all)');
    const run = runId();
    const loop = (op: (i: number) => Promise<unknown>) => closedLoop({ concurrency: 16, maxOps: 200_000, maxMs: seconds * 1000, op: async (i) => void (await op(i)) });
    const ingest = () => loop((i) => ingestHelperEvent({ db: database.db, actor, now: new Date() }, healthyEvent(i, run) as never));
    await loop((i) => ingestHelperEvent({ db: database.db, actor, now: new Date() }, healthyEvent(i, `w${run}`) as never)); // warm-up
    const raw = await loop((i) => {
      const e = healthyEvent(i, run);
      return pool.query(
        `insert into bench_raw_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, duration_ms, created_at, received_at, rule_version, body_hash)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,now(),now(),1,$10)`,
        [e.id, e.job_id, e.worker_id, e.command, e.phase, e.exit_code, e.output, e.output_hash, e.duration_ms, e.output_hash],
      );
    });
    console.log(`raw pg INSERT             ${fmt(raw.rate)} rows/s`);
    const tokenRate = await loop(() => findActorByToken(database.db, token));
    console.log(`findActorByToken          ${fmt(tokenRate.rate)} lookups/s (p50 ${fmt(tokenRate.p50ms, 2)} ms)`);
    const on: LoadResult[] = [];
    const off: LoadResult[] = [];
    const hasTrigger = (await pool.query(`select 1 from pg_trigger where tgname = 'helper_event_days_insert'`)).rowCount! > 0;
    for (let k = 0; k < 2; k++) {
      on.push(await ingest());
      console.log(`ingestHelperEvent         ${fmt(on.at(-1)!.rate)} events/s (p50 ${fmt(on.at(-1)!.p50ms, 2)} ms)${hasTrigger ? ' — rollup trigger on' : ''}`);
      if (!hasTrigger) continue;
      await database.db.execute(sql`alter table helper_events disable trigger helper_event_days_insert`);
      off.push(await ingest());
      await database.db.execute(sql`alter table helper_events enable trigger helper_event_days_insert`);
      console.log(`ingestHelperEvent         ${fmt(off.at(-1)!.rate)} events/s (p50 ${fmt(off.at(-1)!.p50ms, 2)} ms) — rollup trigger off`);
    }
    const mean = (xs: LoadResult[]) => xs.reduce((a, r) => a + r.rate, 0) / (xs.length || 1);
    if (off.length) console.log(`rollup trigger: ${fmt(mean(on))} vs ${fmt(mean(off))} events/s without it (${fmt((1 - mean(on) / mean(off)) * 100)}% cost)`);
    return { raw, token: tokenRate, ingestTriggerOn: on, ingestTriggerOff: off, load: loadAvg() };
  } finally {
    await pool.end();
    await database.close();
    postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
  runDomainBench({ seconds: values.seconds ? Number(values.seconds) : undefined }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
