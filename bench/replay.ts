// Rules preview over 31 days of a 50-worker fleet (~1M helper events): seeds a throwaway PostgreSQL with
// set-based inserts (helper events, lease history with a renewal a minute, artifact checks, refusals),
// then times previewRules — the evidence statements and both replays — for the rules in force and a draft.
// Usage: npx tsx bench/replay.ts [--events 1000000] [--runs 7]   (BENCH_DATABASE_URL: an empty scratch database instead)
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { cliActor } from '@/lib/watchdog/context';
import { ensureDefaultRules, loadReplayEvidence, previewRules, getCurrentRules } from '@/lib/watchdog/rules';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { machineLine } from './lib';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase, postgresAvailable, startThrowawayPostgres } from '../scripts/pg-throwaway.mjs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * 50 workers over the 31 days before `now`: each job 40 helper events 15 s apart (a new output each,
 * cycling through the phases), a lease acquired at the start and renewed every 4 events (+300 s), completed
 * at the end after a passing check. About 4 % of events fail (fetch failed, silent claims, unknown
 * errors); 1 % of jobs loop (the same output again and again); 3 % stop renewing half-way (expired, then
 * stuck); 5 % had a failed artifact check first.
 */
async function seedReplayFleet(db: Db, events: number, now: Date) {
  const perJob = 40;
  const jobs = Math.floor(events / perJob);
  const p = sql`(select ${now.toISOString()}::timestamptz as t_end, ${jobs}::int as jobs, 50::int as workers)`;
  const start = sql`p.t_end - interval '31 days' + (j * ((interval '31 days' - interval '1 hour') / p.jobs))`;
  await db.execute(sql`
    insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code, duration_ms,
                               created_at, received_at, signal, rule_version, suggested_actions, body_hash)
    select md5('rev' || j || '-' || k)::uuid, 'rjob-' || j, 'rw-' || (j % p.workers), 'pls ' || ph || ' rjob-' || j, ph,
           case when h < 40 then 1 else 0 end, o, 'sha256:' || encode(sha256(convert_to(o, 'UTF8')), 'hex'),
           case when h < 20 then 'INTERNAL_ERROR' when h < 28 and ph = 'claim' then 'NO_OUTPUT_TIMEOUT' else null end,
           case when h >= 20 and h < 28 then 31000 else 200 + (k * 37 % 900) end,
           at, at + interval '120 milliseconds',
           case when h < 20 and ph in ('context', 'progress', 'upload', 'complete') then 'fetch_failed' when h < 28 and ph = 'claim' then 'claim_no_output' else null end,
           1, '[]'::jsonb, md5('rbody' || j || '-' || k)
    from ${p} p, lateral generate_series(0, p.jobs - 1) j, lateral generate_series(0, ${perJob - 1}) k,
         lateral (select (j::bigint * 7919 + k * 104729 + 13) % 1000 as h,
                         (array['claim','context','progress','build','progress','upload','progress','complete'])[k % 8 + 1] as ph) x,
         lateral (select case when h < 20 then '500 TypeError: fetch failed' when h < 28 then 'claiming...' when h < 40 then 'segmentation fault at ' || k
                              when j % 100 = 7 and k > 4 then 'waiting for review'
                              else 'step ' || k || ' of rjob-' || j end as o,
                         ${start} + k * interval '15 seconds' as at) y`);
  await db.execute(sql`
    insert into lease_history (job_id, worker_id, fencing_token, event, lease_expires_at, at, actor)
    select 'rjob-' || j, 'rw-' || (j % p.workers), 1, case when r = 0 then 'acquired' else 'renewed' end,
           ${start} + r * interval '60 seconds' + interval '300 seconds', ${start} + r * interval '60 seconds', 'worker:rw-' || (j % p.workers)
    from ${p} p, lateral generate_series(0, p.jobs - 1) j, lateral generate_series(0, 9) r
    where not (j % 33 = 5 and r > 4)
    union all
    select 'rjob-' || j, 'rw-' || (j % p.workers), 1, 'completed', null, ${start} + interval '600 seconds', 'worker:rw-' || (j % p.workers)
    from ${p} p, lateral generate_series(0, p.jobs - 1) j where j % 33 <> 5`);
  await db.execute(sql`
    insert into artifact_checks (id, job_id, worker_id, primary_url, files, http_status, file_count, expected_file_count, passed, failure_reason, checked_at, requested_by)
    select md5('rchk' || j || '-' || f)::uuid, 'rjob-' || j, 'rw-' || (j % p.workers), 'https://artifacts.example/rjob-' || j, '[]'::jsonb,
           case when f = 0 then 404 else 200 end, 1, 1, f = 1, case when f = 0 then 'primary_url answered 404, expected 200' else null end,
           ${start} + case when f = 1 then interval '590 seconds' else interval '560 seconds' end, 'worker:rw-' || (j % p.workers)
    from ${p} p, lateral generate_series(0, p.jobs - 1) j, lateral generate_series(0, 1) f
    where j % 33 <> 5 and (f = 1 or j % 20 = 3)`);
  for (const t of ['helper_events', 'lease_history', 'artifact_checks']) await db.execute(sql.raw(`vacuum analyze ${t}`));
  return countRows(db);
}

async function countRows(db: Db) {
  return rowsOf<Record<string, number>>(
    await db.execute(
      sql`select (select count(*) from helper_events)::int as helper_events, (select count(*) from lease_history)::int as lease_history, (select count(*) from artifact_checks)::int as artifact_checks`,
    ),
  )[0];
}

async function main() {
  const events = arg('events', 1_000_000);
  const runs = arg('runs', 7);
  let stop = () => {};
  let url = process.env.BENCH_DATABASE_URL ?? '';
  if (!url) {
    if (!postgresAvailable()) throw new Error('PostgreSQL 15 binaries not found (PG_BIN) and BENCH_DATABASE_URL not set');
    const pg = await startThrowawayPostgres();
    stop = pg.stop;
    url = createDatabase(pg.url, `bench_replay_${Date.now()}`);
  }
  const database = await prepareDatabase({ url, poolMax: 10 });
  try {
    const now = new Date(Math.floor(Date.now() / 60000) * 60000);
    await ensureDefaultRules(database.db, now);
    const seedStart = performance.now();
    // a scratch database already seeded by an earlier run (BENCH_DATABASE_URL) is reused as it is
    const seededAt = rowsOf<{ t: string | null }>(await database.db.execute(sql`select max(created_at) as t from helper_events`))[0]?.t;
    if (seededAt) now.setTime(new Date(seededAt).getTime() + 3600_000);
    const counts = seededAt ? await countRows(database.db) : await seedReplayFleet(database.db, events, now);
    const seedS = Math.round((performance.now() - seedStart) / 100) / 10;
    const ctx = { db: database.db, actor: cliActor, now };
    const window = { from: new Date(now.getTime() - 31 * 86_400_000).toISOString(), to: now.toISOString() };
    const draft = [
      { signal: 'queue_stuck' as const, threshold: 900 },
      { signal: 'no_progress' as const, threshold: 600 },
      { signal: 'fetch_failed' as const, threshold: 3, enabled: false },
    ];
    const once = () => previewRules(ctx, { rules: draft, ...window });
    let last = await once(); // warm-up: plans, buffer cache
    const samples: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await once();
      samples.push(performance.now() - t);
      loads.push(os.loadavg()[0]);
    }
    // where the time goes: the evidence statements alone
    const rules = await getCurrentRules(database.db);
    const t = performance.now();
    const evidence = await loadReplayEvidence(database.db, { from: new Date(window.from), to: now, now }, [
      rules,
      { rules: draft.map((r) => ({ ...rules.rules.find((x) => x.signal === r.signal)!, ...r })) },
    ]);
    const evidenceMs = Math.round(performance.now() - t);
    const s = [...samples].sort((a, b) => a - b);
    const report = {
      machine: machineLine(),
      seeded: counts,
      seed_s: seedS,
      runs,
      median_ms: Math.round(s[Math.floor(s.length / 2)]),
      max_ms: Math.round(s[s.length - 1]),
      min_ms: Math.round(s[0]),
      load_avg_1m_during: Math.round((loads.reduce((a, b) => a + b, 0) / loads.length) * 100) / 100,
      evidence_statements_ms: evidenceMs,
      evidence_rows: Object.fromEntries(Object.entries(evidence).flatMap(([k, v]) => (Array.isArray(v) ? [[k, v.length]] : []))),
      current: last.current,
      draft: last.draft,
      changes_total: last.changes_total,
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\nrules preview over ${counts.helper_events.toLocaleString('en')} helper events, 31 days, 50 workers: median ${report.median_ms} ms (min ${report.min_ms}, max ${report.max_ms}; ${runs} runs; load ${report.load_avg_1m_during} on ${os.cpus().length} cores)`,
    );
  } finally {
    await database.close();
    stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
