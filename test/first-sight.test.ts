// Migration 0015: every helper event knows whether it is the first sight, in its job, of its output hash
// (new_progress) and of its phase (new_phase), and, if so, the job's previous first sight
// (prev_progress_at). The rules preview reads its quiet stretches and loop candidates from them, so they
// must be exact on every path that stores events: one event, a batch, a group statement, concurrent
// transactions, late (out-of-order) events, and the backfill of rows stored before the migration.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, type Db, rowsOf } from '@/db/client';
import { resetConfig } from '@/lib/config';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent, ingestHelperEventBatch, prepareEvent, storeHealthyEvents } from '@/lib/watchdog/events';
import { getCurrentRules } from '@/lib/watchdog/rules';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { ctxAt, systemTestActor, testDatabaseKinds } from './helpers/db';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const t0 = new Date('2026-05-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function event(jobId: string, output: string, createdS: number, phase: HelperEventInput['phase'] = 'progress'): HelperEventInput {
  return {
    id: randomUUID(),
    job_id: jobId,
    worker_id: 'w-1',
    command: `pls ${phase} ${jobId}`,
    phase,
    exit_code: 0,
    duration_ms: 100,
    output,
    output_hash: hashOutput(output),
    created_at: at(createdS),
  };
}

interface Row {
  id: string;
  job_id: string;
  output_hash: string;
  phase: string | null;
  t: number;
  new_progress: boolean;
  new_phase: boolean;
  prev: number | null;
}

async function storedRows(db: Db, jobPrefix: string): Promise<Row[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select id, job_id, output_hash, phase, (extract(epoch from created_at) * 1000)::float8 as t, new_progress, new_phase,
        (extract(epoch from prev_progress_at) * 1000)::float8 as prev
      from helper_events where job_id like ${`${jobPrefix}%`}`),
  );
  return rows.map((r) => ({
    id: String(r.id),
    job_id: String(r.job_id),
    output_hash: String(r.output_hash),
    phase: (r.phase as string | null) ?? null,
    t: Number(r.t),
    new_progress: r.new_progress === true || r.new_progress === 't',
    new_phase: r.new_phase === true || r.new_phase === 't',
    prev: r.prev == null ? null : Number(r.prev),
  }));
}

/**
 * The truth, computed from scratch in JS: in (created_at, id) order, the first row of each (job, output
 * hash) and of each (job, phase), and for each such first sight the one before it in its job.
 */
function expectedOf(rows: Row[]): Map<string, Pick<Row, 'new_progress' | 'new_phase' | 'prev'>> {
  const sorted = [...rows].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hashes = new Set<string>();
  const phases = new Set<string>();
  const lastPoint = new Map<string, number>();
  const out = new Map<string, Pick<Row, 'new_progress' | 'new_phase' | 'prev'>>();
  for (const r of sorted) {
    const hk = `${r.job_id}|${r.output_hash}`;
    const pk = `${r.job_id}|${r.phase}`;
    const newProgress = !hashes.has(hk);
    const newPhase = r.phase !== null && !phases.has(pk);
    hashes.add(hk);
    if (r.phase !== null) phases.add(pk);
    const point = newProgress || newPhase;
    out.set(r.id, { new_progress: newProgress, new_phase: newPhase, prev: point ? (lastPoint.get(r.job_id) ?? null) : null });
    if (point) lastPoint.set(r.job_id, r.t);
  }
  return out;
}

/** The stored rows that differ from the truth (none, if the columns are exact). */
async function wrongRows(db: Db, jobPrefix: string) {
  const rows = await storedRows(db, jobPrefix);
  const expected = expectedOf(rows);
  return rows
    .filter((r) => {
      const e = expected.get(r.id)!;
      return e.new_progress !== r.new_progress || e.new_phase !== r.new_phase || e.prev !== r.prev;
    })
    .map((r) => ({ ...r, expected: expected.get(r.id) }));
}

const details = () => 'details';

describe.each(testDatabaseKinds())('first sights (migration 0015) on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const ctx = () => ctxAt(database, systemTestActor, t0);

  it('single events: a new output or phase is a first sight, a repeat is not; a late event takes the flag over', async () => {
    const job = `fs-single-${randomUUID().slice(0, 8)}`;
    const a = event(job, 'step A', 10);
    const aAgain = event(job, 'step A', 20);
    const b = event(job, 'step B', 30);
    const aUpload = event(job, 'step A', 40, 'upload');
    for (const e of [a, aAgain, b, aUpload]) expect((await ingestHelperEvent(ctx(), e)).status).toBe(201);
    const byId = new Map((await storedRows(database.db, job)).map((r) => [r.id, r]));
    expect(byId.get(a.id)).toMatchObject({ new_progress: true, new_phase: true, prev: null });
    expect(byId.get(aAgain.id)).toMatchObject({ new_progress: false, new_phase: false, prev: null });
    expect(byId.get(b.id)).toMatchObject({ new_progress: true, new_phase: false, prev: at(10).getTime() });
    expect(byId.get(aUpload.id)).toMatchObject({ new_progress: false, new_phase: true, prev: at(30).getTime() });
    // stored late (a spool): created before b with b's output, and before everything with a new one
    const lateB = event(job, 'step B', 25);
    const first = event(job, 'step 0', 5);
    for (const e of [lateB, first]) expect((await ingestHelperEvent(ctx(), e)).status).toBe(201);
    const after = new Map((await storedRows(database.db, job)).map((r) => [r.id, r]));
    expect(after.get(lateB.id)).toMatchObject({ new_progress: true, new_phase: false, prev: at(10).getTime() });
    expect(after.get(b.id)).toMatchObject({ new_progress: false, new_phase: false, prev: null });
    expect(after.get(first.id)).toMatchObject({ new_progress: true, new_phase: true, prev: null });
    expect(after.get(a.id)).toMatchObject({ new_progress: true, new_phase: false, prev: at(5).getTime() });
    expect(after.get(aUpload.id)).toMatchObject({ new_phase: true, prev: at(25).getTime() });
    // the same id again (idempotent replay) changes nothing
    expect((await ingestHelperEvent(ctx(), { ...first })).status).toBe(200);
    expect(await wrongRows(database.db, job)).toEqual([]);
  });

  it('a batch, in and out of time order, with repeats inside it and a failing event between runs', async () => {
    const job = `fs-batch-${randomUUID().slice(0, 8)}`;
    const events = [
      event(job, 'one', 50),
      event(job, 'two', 40),
      event(job, 'one', 30),
      event(job, 'three', 60, 'upload'),
      { ...event(job, '500 TypeError: fetch failed', 65, 'upload'), exit_code: 1 },
      event(job, 'two', 70),
      event(job, 'four', 35),
    ];
    // as they arrive over HTTP: JSON, times as strings
    const results = await ingestHelperEventBatch(ctx(), JSON.parse(JSON.stringify(events)), details);
    expect(results.map((r) => r.status)).toEqual(events.map(() => 201));
    expect(await wrongRows(database.db, job)).toEqual([]);
    const byId = new Map((await storedRows(database.db, job)).map((r) => [r.id, r]));
    // 'one' created at 30 is its first sight, though stored after the one created at 50
    expect(byId.get(events[2].id)?.new_progress).toBe(true);
    expect(byId.get(events[0].id)?.new_progress).toBe(false);
  });

  it('group statements storing events of the same jobs at once, in opposite job orders', async () => {
    const job = `fs-group-${randomUUID().slice(0, 8)}`;
    const rules = await getCurrentRules(database.db);
    const jobs = [`${job}-a`, `${job}-b`, `${job}-c`];
    const groups = Array.from({ length: 6 }, (_, g) =>
      (g % 2 ? [...jobs].reverse() : jobs).flatMap((j, k) => [event(j, `out ${k % 2}`, 100 - g * 7 + k), event(j, `out ${(g + k) % 3}`, 10 + g * 3)]).map((e) => prepareEvent(ctx(), e)),
    );
    const stored = await Promise.all(groups.map((items) => storeHealthyEvents(ctx(), items, rules)));
    for (const s of stored) expect(s === 'stale' ? 0 : s.rows.size).toBe(6);
    expect(await wrongRows(database.db, job)).toEqual([]);
  });

  it('many single events of one job at once, the same outputs, created in every order', async () => {
    const job = `fs-race-${randomUUID().slice(0, 8)}`;
    const events = Array.from({ length: 40 }, (_, i) => event(job, `out ${i % 5}`, (i * 37) % 41, i % 3 ? 'progress' : 'build'));
    const results = await Promise.all(events.map((e) => ingestHelperEvent(ctx(), e)));
    expect(results.map((r) => r.status)).toEqual(events.map(() => 201));
    const rows = await storedRows(database.db, job);
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.new_progress)).toHaveLength(5);
    expect(await wrongRows(database.db, job)).toEqual([]);
  });

  it.runIf(kind.name === 'postgres')('two transactions storing the same output: the later waits for the earlier and sees it', async () => {
    const pool = (database.db as unknown as { $client: { connect(): Promise<PoolClient> } }).$client;
    const insert = (c: PoolClient, e: HelperEventInput) =>
      c.query(
        `insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, created_at, received_at, rule_version, body_hash)
         values ($1, $2, $3, $4, $5, 0, $6, $7, $8, now(), 1, 'b')`,
        [e.id, e.job_id, e.worker_id, e.command, e.phase, e.output, e.output_hash, e.created_at],
      );
    for (const laterCreatedFirst of [true, false]) {
      const job = `fs-tx-${laterCreatedFirst}-${randomUUID().slice(0, 8)}`;
      const first = event(job, 'same output', laterCreatedFirst ? 20 : 10);
      const second = event(job, 'same output', laterCreatedFirst ? 10 : 20);
      const c1 = await pool.connect();
      const c2 = await pool.connect();
      try {
        await c1.query('begin');
        await insert(c1, first);
        const pid2 = (await c2.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
        const pending = insert(c2, second);
        // the second statement waits for the job's lock, held by the open transaction
        let waiting = false;
        for (let i = 0; i < 200 && !waiting; i++) {
          const r = await c1.query(`select 1 from pg_locks where pid = $1 and locktype = 'advisory' and not granted`, [pid2]);
          waiting = (r.rowCount ?? 0) > 0;
          if (!waiting) await new Promise((res) => setTimeout(res, 25));
        }
        expect(waiting).toBe(true);
        await c1.query('commit');
        await pending;
      } finally {
        c1.release();
        c2.release();
      }
      const byId = new Map((await storedRows(database.db, job)).map((r) => [r.id, r]));
      // exactly one of the two is the first sight: the one created first
      expect(byId.get(first.id)?.new_progress).toBe(!laterCreatedFirst);
      expect(byId.get(second.id)?.new_progress).toBe(laterCreatedFirst);
      expect(await wrongRows(database.db, job)).toEqual([]);
    }
  });
});

/** A database migrated up to 0011 (the columns do not exist yet), then to the end. */
describe.each(['pglite', ...(inject('postgresAdminUrl') ? ['postgres'] : [])])('migration 0015 backfills on %s', (name) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-0011-'));
  const saved = process.env.WATCHDOG_MIGRATIONS_DIR;
  afterAll(() => {
    if (saved === undefined) delete process.env.WATCHDOG_MIGRATIONS_DIR;
    else process.env.WATCHDOG_MIGRATIONS_DIR = saved;
    resetConfig();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sets the first sights of the rows stored before it, the way ingest sets them after', async () => {
    const source = path.join(process.cwd(), 'db', 'migrations');
    fs.cpSync(source, dir, { recursive: true });
    // the database as it was before 0015: without 0015 and every later migration (the migrator applies
    // only migrations newer than the newest applied, so a later one applied here would skip 0015 after)
    const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
    for (const e of journal.entries.filter((e) => e.idx >= 15)) fs.rmSync(path.join(dir, `${e.tag}.sql`));
    journal.entries = journal.entries.filter((e) => e.idx < 15);
    fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
    const open = () => (name === 'pglite' ? { url: '', dataDir: memory } : { url: pgUrl!, poolMax: 4 });
    const memory = name === 'pglite' ? path.join(dir, 'pglite') : '';
    const pgUrl = name === 'postgres' ? createDatabase(inject('postgresAdminUrl'), `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`) : null;

    process.env.WATCHDOG_MIGRATIONS_DIR = dir;
    resetConfig();
    const before = await prepareDatabase(open());
    const job = `fs-mig-${randomUUID().slice(0, 8)}`;
    try {
      const columns = rowsOf<{ n: number }>(
        await before.db.execute(sql`select count(*)::int as n from information_schema.columns where table_name = 'helper_events' and column_name = 'new_progress'`),
      );
      expect(Number(columns[0].n)).toBe(0);
      // three jobs, stored in an order unrelated to their times, repeats and phases mixed, a tie in time
      const rows = [0, 1, 2].flatMap((j) =>
        Array.from({ length: 12 }, (_, k) => event(`${job}-${j}`, `out ${(k * 5) % 7}`, (k * 7) % 12 === 3 ? 30 : ((k * 7) % 12) * 10, k % 4 ? 'progress' : 'upload')),
      );
      for (const e of rows) {
        await before.db.execute(sql`
          insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, created_at, received_at, rule_version, body_hash)
          values (${e.id}, ${e.job_id}, ${e.worker_id}, ${e.command}, ${e.phase}, 0, ${e.output}, ${e.output_hash}, ${e.created_at!.toISOString()}::timestamptz, now(), 1, 'b')`);
      }
    } finally {
      await before.close();
    }
    process.env.WATCHDOG_MIGRATIONS_DIR = source;
    resetConfig();
    const after = await prepareDatabase(open());
    try {
      const stored = await storedRows(after.db, job);
      expect(stored).toHaveLength(36);
      expect(stored.filter((r) => r.new_progress).length).toBe(21);
      expect(await wrongRows(after.db, job)).toEqual([]);
      // and the trigger continues from there
      expect((await ingestHelperEvent(ctxAt(after, systemTestActor, t0), event(`${job}-0`, 'late and new', 1))).status).toBe(201);
      expect(await wrongRows(after.db, job)).toEqual([]);
    } finally {
      await after.close();
    }
  });
});
