import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrateDatabase, openDatabase, rowsOf } from '@/db/client';
import { enumChecks, NOTIFICATION_STATUSES } from '@/lib/schemas/enums';
import { testDatabaseKinds } from './helpers/db';

/** The values a CHECK constraint allows, read back from the database's own definition of it. */
function allowedValues(definition: string): string[] {
  return [...definition.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1].replaceAll("''", "'"));
}

async function checkConstraints(database: Database): Promise<Map<string, string>> {
  const res = await database.db.execute(sql`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
    where c.contype = 'c' and n.nspname = 'public'`);
  return new Map(rowsOf<{ name: string; definition: string }>(res).map((r) => [r.name, r.definition]));
}

/** The database error code of a refused statement (drizzle wraps the driver's error in `cause`). */
async function refusal(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    const err = e as { code?: string; cause?: { code?: string } };
    return err.cause?.code ?? err.code;
  }
  return undefined;
}

const everyColumn = Object.entries(enumChecks).flatMap(([table, columns]) => Object.entries(columns as Record<string, readonly string[]>).map(([column, list]) => ({ table, column, list })));

for (const kind of testDatabaseKinds()) {
  describe(`enum CHECK constraints (${kind.name})`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await kind.open();
    });
    afterAll(async () => {
      await database?.close();
    });

    it('each constrained column allows exactly the values of its list in lib/schemas/enums.ts', async () => {
      const constraints = await checkConstraints(database);
      expect(everyColumn.length).toBeGreaterThan(15);
      for (const { table, column, list } of everyColumn) {
        const definition = constraints.get(`${table}_${column}_check`);
        expect(definition, `${table}.${column} has no CHECK constraint`).toBeDefined();
        expect(allowedValues(definition!).sort(), `${table}.${column}`).toEqual([...list].sort());
      }
    });

    it('refuses an unknown value and accepts a listed one', async () => {
      const now = new Date().toISOString();
      const run = (phase: string, status: string) =>
        database.db.execute(sql`insert into worker_runs (id, worker_id, job_id, phase, status, started_at) values (gen_random_uuid(), 'w-enum', 'j-enum', ${phase}, ${status}, ${now})`);
      expect(await refusal(() => run('deploy', 'ok'))).toBe('23514');
      expect(await refusal(() => run('build', 'exploded'))).toBe('23514');
      expect(await refusal(() => run('build', 'ok'))).toBeUndefined();

      const token = (role: string) =>
        database.db.execute(
          sql`insert into api_tokens (id, name, role, token_hash, prefix, created_at, created_by) values (gen_random_uuid(), 'enum test', ${role}, ${`h-${role}`}, 'wdt_x', ${now}, 'test')`,
        );
      expect(await refusal(() => token('admin'))).toBe('23514');
      expect(await refusal(() => token('supervisor'))).toBeUndefined();

      const incident = (signal: string) =>
        database.db.execute(
          sql`insert into incidents (id, job_id, signal, status, first_failure_at, detected_at, rule_version) values (gen_random_uuid(), 'j-enum', ${signal}, 'open', ${now}, ${now}, 1)`,
        );
      expect(await refusal(() => incident('cosmic_ray'))).toBe('23514');
      expect(await refusal(() => incident('loop_detected'))).toBeUndefined();

      const note = (status: string) =>
        database.db.execute(sql`insert into notifications (id, kind, payload, status, next_attempt_at, created_at) values (gen_random_uuid(), 'notify_owner', '{}'::jsonb, ${status}, ${now}, ${now})`);
      expect(await refusal(() => note('queued'))).toBe('23514');
      expect(await refusal(() => note('pending'))).toBeUndefined();

      const count = await database.db.execute(
        sql`select (select count(*) from worker_runs where job_id = 'j-enum')::int as runs, (select count(*) from incidents where job_id = 'j-enum')::int as incidents`,
      );
      expect(rowsOf<{ runs: number; incidents: number }>(count)[0]).toEqual({ runs: 1, incidents: 1 });
    });
  });
}

describe('migration 0003_enum_checks on an existing database', () => {
  it('upgrades in place: queued and retrying notifications become pending, every other row is kept', async () => {
    // a database at 0002, with the notification states the console wrote before
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'watchdog-migrations-'));
    const source = path.join(process.cwd(), 'db', 'migrations');
    fs.mkdirSync(path.join(folder, 'meta'));
    const journal = JSON.parse(fs.readFileSync(path.join(source, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; idx: number }[] };
    const before = journal.entries.filter((e) => e.idx < 3);
    for (const e of before) fs.copyFileSync(path.join(source, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
    fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: before }));

    const database = await openDatabase({ url: '', dataDir: 'memory://' });
    try {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await migrate(database.db as never, { migrationsFolder: folder });
      const now = new Date().toISOString();
      for (const status of ['queued', 'retrying', 'delivered', 'failed']) {
        await database.db.execute(
          sql`insert into notifications (id, kind, payload, status, attempts, next_attempt_at, created_at) values (gen_random_uuid(), 'needs_human', ${JSON.stringify({ was: status })}::jsonb, ${status}, 1, ${now}, ${now})`,
        );
      }
      await database.db.execute(sql`insert into api_tokens (id, name, role, token_hash, prefix, created_at, created_by) values (gen_random_uuid(), 'old', 'worker', 'h-old', 'wdt_o', ${now}, 'test')`);

      await migrateDatabase(database); // the real start-up path applies 0003

      const rows = rowsOf<{ was: string; status: string }>(await database.db.execute(sql`select payload->>'was' as was, status from notifications order by 1`));
      expect(rows).toEqual([
        { was: 'delivered', status: 'delivered' },
        { was: 'failed', status: 'failed' },
        { was: 'queued', status: 'pending' },
        { was: 'retrying', status: 'pending' },
      ]);
      expect(rows.every((r) => (NOTIFICATION_STATUSES as readonly string[]).includes(r.status))).toBe(true);
      const tokens = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from api_tokens`));
      expect(tokens[0].n).toBe(1);
      expect((await checkConstraints(database)).has('notifications_status_check')).toBe(true);
    } finally {
      await database.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
