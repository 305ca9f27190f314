import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, migrateDatabase, openDatabase, rowsOf } from '@/db/client';
import { resetConfig } from '@/lib/config';
import { appendAudit, appendAuditBatch, GENESIS_HASH, hashAuditRow, listAudit, startAuditLinker, verifyAuditChain } from '@/lib/watchdog/audit';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { ctxAt, ownerActor, supervisorActor, testDatabaseKinds, workerActor } from './helpers/db';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const t0 = new Date('2026-08-01T00:00:00Z');
const root = path.resolve(__dirname, '..');

/** Runs a tamper inside a transaction, verifies inside it, and rolls it back. */
async function verifyTampered(database: Database, tamper: string) {
  let result: Awaited<ReturnType<typeof verifyAuditChain>> | null = null;
  await database.db
    .transaction(async (tx) => {
      for (const statement of tamper.split(';')) await tx.execute(sql.raw(statement));
      result = await verifyAuditChain(tx, 7);
      tx.rollback();
    })
    .catch((e: Error) => {
      if (!/rollback/i.test(e.message)) throw e;
    });
  return result!;
}

describe.each(testDatabaseKinds())('audit chain on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
    for (let i = 0; i < 20; i++) {
      await appendAudit(database.db, { label: `owner:o${i % 3}`, role: 'owner' }, new Date(t0.getTime() + i * 1000), {
        action: i % 2 ? 'repair.retry' : 'rules.update',
        target: `t-${i}`,
        jobId: i % 4 === 0 ? 'audit-job' : `other-${i}`,
        outputHash: i % 2 ? hashOutput(`output ${i}`) : null,
        details: { i, note: `entry ${i}`, nested: { list: [1, 2, { deep: 'ü — ✓' }] } },
      });
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('an untouched chain verifies, linked from the genesis hash, ids gapless', async () => {
    const v = await verifyAuditChain(database.db, 7);
    expect(v).toMatchObject({ ok: true, checked: 20, last_id: 20 });
    const rows = rowsOf<{ id: number; prev_hash: string; hash: string }>(await database.db.execute(sql`select id::int as id, prev_hash, hash from audit_log order by id`));
    expect(rows[0]).toMatchObject({ id: 1, prev_hash: GENESIS_HASH });
    rows.slice(1).forEach((r, i) => expect(r.prev_hash).toBe(rows[i].hash));
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it.each([
    ['details edited', `update audit_log set details = jsonb_set(details, '{note}', '"edited"') where id = 9`, 9, 8],
    ['nested details edited', `update audit_log set details = jsonb_set(details, '{nested,list,0}', '5') where id = 12`, 12, 11],
    ['actor edited', `update audit_log set actor = 'owner:someone-else' where id = 4`, 4, 3],
    ['actor_role edited', `update audit_log set actor_role = 'system' where id = 4`, 4, 3],
    ['output_hash edited', `update audit_log set output_hash = 'sha256:${'1'.repeat(64)}' where id = 6`, 6, 5],
    ['output_hash removed', `update audit_log set output_hash = null where id = 8`, 8, 7],
    ['action edited', `update audit_log set action = 'rules.read' where id = 3`, 3, 2],
    ['time edited', `update audit_log set at = at + interval '1 second' where id = 15`, 15, 14],
    ['job edited', `update audit_log set job_id = 'another' where id = 1`, 1, 0],
    ['a middle row deleted', `delete from audit_log where id = 10`, 11, 9],
    ['the first row deleted', `delete from audit_log where id = 1`, 2, 0],
    ['a row deleted and the next relinked', `delete from audit_log where id = 10; update audit_log set prev_hash = (select hash from audit_log where id = 9) where id = 11`, 11, 9],
    ['rows renumbered to hide a deletion', `delete from audit_log where id = 20; update audit_log set id = 20 where id = 19`, 20, 18],
    ['a hash recomputed by hand without the chain', `update audit_log set details = '{}'::jsonb, hash = 'sha256:${'2'.repeat(64)}' where id = 17`, 17, 16],
  ])('detects: %s', async (_name, tamper, badId, checked) => {
    const v = await verifyTampered(database, tamper);
    expect(v.ok).toBe(false);
    expect(v.first_bad_id).toBe(badId);
    expect(v.checked).toBe(checked);
    // and the rollback left the chain intact
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('lists newest first with a cursor, and by job', async () => {
    const first = await listAudit(database.db, { limit: 8 });
    expect(first.entries.map((e) => e.id)).toEqual([20, 19, 18, 17, 16, 15, 14, 13]);
    const second = await listAudit(database.db, { limit: 8, cursor: Number(first.next_cursor) });
    expect(second.entries.map((e) => e.id)).toEqual([12, 11, 10, 9, 8, 7, 6, 5]);
    const third = await listAudit(database.db, { limit: 8, cursor: Number(second.next_cursor) });
    expect(third.entries.map((e) => e.id)).toEqual([4, 3, 2, 1]);
    expect(third.next_cursor).toBeNull();
    const byJob = await listAudit(database.db, { limit: 3, job_id: 'audit-job' });
    expect(byJob.entries.map((e) => e.id)).toEqual([17, 13, 9]);
    const byJob2 = await listAudit(database.db, { limit: 3, job_id: 'audit-job', cursor: Number(byJob.next_cursor) });
    expect(byJob2.entries.map((e) => e.id)).toEqual([5, 1]);
    expect(byJob2.entries.every((e) => e.job_id === 'audit-job')).toBe(true);
  });

  it('text PostgreSQL would change (NUL, lone surrogates) is stored so that it still verifies', async () => {
    const fresh = await kind.open();
    try {
      await appendAudit(fresh.db, { label: 'supervisor:x\u0000y', role: 'supervisor' }, t0, { action: 'decision.approve', details: { note: 'bad \ud800 text \u0000 here' } });
      expect((await verifyAuditChain(fresh.db)).ok).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('concurrent appends stay ordered and verifiable (50 at once)', async () => {
    const fresh = await kind.open();
    try {
      const ctx = (i: number) => ctxAt(fresh, i % 2 ? supervisorActor : ownerActor, new Date(t0.getTime() + i));
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 5 === 0
            ? heartbeatLease(ctxAt(fresh, workerActor('w-1'), t0), `conc-${i}`, { worker_id: 'w-1', lease_expires_at: new Date(t0.getTime() + 60_000) })
            : appendAudit(fresh.db, ctx(i).actor, ctx(i).now, { action: 'test.append', target: String(i), details: { i } }),
        ),
      );
      const v = await verifyAuditChain(fresh.db);
      expect(v).toMatchObject({ ok: true, checked: 50 });
    } finally {
      await fresh.close();
    }
  });

  it('writers take no lock: an entry is stored at once and linked later, by the linker or the first reader', async () => {
    const fresh = await kind.open();
    try {
      const row = await appendAudit(fresh.db, { label: 'owner:o', role: 'owner' }, t0, { action: 'test.pending', jobId: 'pending-job' });
      expect(row).toMatchObject({ pos: null, prevHash: null, hash: null });
      const pendingBefore = rowsOf<{ n: number }>(await fresh.db.execute(sql`select count(*)::int as n from audit_log where pos is null`))[0].n;
      expect(pendingBefore).toBeGreaterThanOrEqual(1);
      // a reader links what is pending before it reads
      const listed = await listAudit(fresh.db, { limit: 500 });
      expect(listed.entries.find((e) => e.id === row.id)).toMatchObject({ action: 'test.pending', hash: expect.stringMatching(/^sha256:/) });
      expect(rowsOf<{ n: number }>(await fresh.db.execute(sql`select count(*)::int as n from audit_log where pos is null`))[0].n).toBe(0);
      // the background linker links without a reader
      const linker = startAuditLinker(fresh.db, 20);
      try {
        await appendAuditBatch(fresh.db, { label: 'owner:o', role: 'owner' }, t0, [{ action: 'test.b1' }, { action: 'test.b2' }]);
        for (let i = 0; i < 200; i++) {
          if (rowsOf<{ n: number }>(await fresh.db.execute(sql`select count(*)::int as n from audit_log where pos is null`))[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(rowsOf<{ n: number }>(await fresh.db.execute(sql`select count(*)::int as n from audit_log where pos is null`))[0].n).toBe(0);
      } finally {
        await linker.stop();
      }
      const chain = rowsOf<{ action: string }>(await fresh.db.execute(sql`select action from audit_log order by pos desc limit 2`));
      expect(chain.map((r) => r.action)).toEqual(['test.b2', 'test.b1']);
      expect(await verifyAuditChain(fresh.db)).toMatchObject({ ok: true });
    } finally {
      await fresh.close();
    }
  });

  it('detects an entry inserted into the linked chain, and one slipped in between two links', async () => {
    // an inserted row at a fresh position past the head, hashed by hand but not linked to it
    const forged = await verifyTampered(
      database,
      `insert into audit_log (id, pos, at, actor, action, details, prev_hash, hash) values (1000, 21, now(), 'owner:forger', 'rules.update', '{}', 'sha256:${'3'.repeat(64)}', 'sha256:${'4'.repeat(64)}')`,
    );
    expect(forged).toMatchObject({ ok: false, first_bad_id: 1000, checked: 20 });
    // a row squeezed between positions 10 and 11: the later ones shifted up by one
    const squeezed = await verifyTampered(
      database,
      `update audit_log set pos = -pos - 1 where pos > 10; update audit_log set pos = -pos where pos < 0; insert into audit_log (id, pos, at, actor, action, details, prev_hash, hash) select 1001, 11, now(), 'owner:forger', 'rules.update', '{}', hash, hash from audit_log where pos = 10`,
    );
    expect(squeezed).toMatchObject({ ok: false, first_bad_id: 1001, checked: 10 });
  });
});

describe.runIf(inject('postgresAdminUrl'))('one chain from two consoles on PostgreSQL', () => {
  it('two instances (two pools, two background linkers) writing at once keep one verifiable history', async () => {
    const url = createDatabase(inject('postgresAdminUrl'), `two_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    const a = await prepareDatabase({ url, poolMax: 8 });
    const b = await prepareDatabase({ url, poolMax: 8 });
    const linkers = [startAuditLinker(a.db, 5), startAuditLinker(b.db, 5)];
    try {
      await Promise.all(
        Array.from({ length: 160 }, (_, i) => {
          const db = i % 2 ? a.db : b.db;
          return i % 8 === 0
            ? appendAuditBatch(db, { label: `owner:i${i % 2}`, role: 'owner' }, new Date(t0.getTime() + i), [{ action: `two.${i}.a` }, { action: `two.${i}.b` }])
            : db.transaction(async (tx) => {
                await appendAudit(tx, { label: `owner:i${i % 2}`, role: 'owner' }, new Date(t0.getTime() + i), { action: `two.${i}`, details: { i } });
              });
        }),
      );
      await Promise.all(linkers.map((l) => l.stop()));
      const v = await verifyAuditChain(b.db);
      const total = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from audit_log`))[0].n;
      expect(v).toMatchObject({ ok: true, checked: total });
      expect((await verifyAuditChain(a.db)).last_hash).toBe(v.last_hash);
      // each batch keeps its order in the chain
      const order = rowsOf<{ action: string }>(await a.db.execute(sql`select action from audit_log where action like 'two.%' order by pos`)).map((r) => r.action);
      for (let i = 0; i < 160; i += 8) expect(order.indexOf(`two.${i}.a`)).toBeLessThan(order.indexOf(`two.${i}.b`));
      expect(order).toHaveLength(140 + 40);
    } finally {
      await Promise.all(linkers.map((l) => l.stop()));
      await b.close();
      await a.close();
    }
  });
});

const admin = inject('postgresAdminUrl');
describe.runIf(admin)('audit verify and sweep through the CLI on PostgreSQL', () => {
  let url: string;
  let database: Database;
  beforeAll(async () => {
    url = createDatabase(admin, `cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    database = await prepareDatabase({ url });
    for (let i = 0; i < 5; i++) await appendAudit(database.db, { label: 'owner:cli-test', role: 'owner' }, new Date(t0.getTime() + i), { action: 'test.cli', details: { i } });
  });
  afterAll(async () => {
    await database?.close();
  });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'cli', 'index.ts'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, WATCHDOG_LOG_LEVEL: 'silent', NODE_ENV: 'test' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exit 0 on an intact chain, exit 1 naming the first bad entry after an SQL edit, and after a deletion', async () => {
    const ok = cli('audit', 'verify');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, checked: 5 });
    await database.db.execute(sql`update audit_log set details = '{"i": 99}'::jsonb where id = 3`);
    const edited = cli('audit', 'verify');
    expect(edited.status).toBe(1);
    expect(JSON.parse(edited.stdout)).toMatchObject({ ok: false, first_bad_id: 3, checked: 2 });
    expect(edited.stderr).toMatch(/broken at entry 3/);
    await database.db.execute(sql`update audit_log set details = '{"i": 2}'::jsonb where id = 3`);
    expect(cli('audit', 'verify').status).toBe(0);
    await database.db.execute(sql`delete from audit_log where id = 2`);
    const deleted = cli('audit', 'verify');
    expect(deleted.status).toBe(1);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ ok: false, first_bad_id: 3 });
  });

  it('`watchdog sweep` runs one sweep and prints its findings as JSON', async () => {
    await heartbeatLease(ctxAt(database, workerActor('w-1'), new Date(Date.now() - 3_600_000)), 'cli-sweep-job', { worker_id: 'w-1', lease_expires_at: new Date(Date.now() - 1_000_000) });
    const r = cli('sweep');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.findings.filter((f: { job_id: string }) => f.job_id === 'cli-sweep-job').map((f: { signal: string }) => f.signal)).toEqual(['lease_expired', 'queue_stuck']);
    const again = JSON.parse(cli('sweep').stdout);
    expect(again.findings.filter((f: { job_id: string }) => f.job_id === 'cli-sweep-job')).toEqual([]);
  });
});

describe.each([
  { name: 'pglite', url: () => '' },
  ...(inject('postgresAdminUrl') ? [{ name: 'postgres', url: () => createDatabase(inject('postgresAdminUrl'), `up_${randomUUID().replace(/-/g, '').slice(0, 12)}`) as string }] : []),
])('0010 upgrades a chain written the old way on $name', ({ url: makeUrl }) => {
  it('the old entries keep their hashes and verify; new entries link after them', async () => {
    // the migrations before 0010, as a database that was made before this version has them
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-mig-'));
    const journal = JSON.parse(fs.readFileSync(path.join(root, 'db/migrations/meta/_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 10);
    fs.mkdirSync(path.join(dir, 'meta'));
    fs.writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries) fs.copyFileSync(path.join(root, 'db/migrations', `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    const url = makeUrl();
    const database = await openDatabase(url ? { url } : { url: '', dataDir: 'memory://' });
    try {
      process.env.WATCHDOG_MIGRATIONS_DIR = dir;
      resetConfig();
      await migrateDatabase(database);
      // the old writer: ids by hand under the lock, each row hashed over the previous one
      let prev = GENESIS_HASH;
      for (let id = 1; id <= 6; id++) {
        const row = { id, at: new Date(t0.getTime() + id), actor: 'owner:old', actorRole: 'owner', action: 'old.entry', target: null, jobId: 'old-job', outputHash: null, details: { id } };
        const hash = hashAuditRow(prev, row);
        await database.db.execute(
          sql`insert into audit_log (id, at, actor, actor_role, action, job_id, details, prev_hash, hash) values (${id}, ${row.at.toISOString()}, 'owner:old', 'owner', 'old.entry', 'old-job', ${JSON.stringify(row.details)}::jsonb, ${prev}, ${hash})`,
        );
        prev = hash;
      }
      delete process.env.WATCHDOG_MIGRATIONS_DIR;
      resetConfig();
      await migrateDatabase(database);
      const old = rowsOf<{ id: number; pos: number; hash: string }>(await database.db.execute(sql`select id::int as id, pos::int as pos, hash from audit_log order by id`));
      expect(old.map((r) => [r.id, r.pos])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [i, i]));
      expect(old[5].hash).toBe(prev);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 6, last_id: 6, last_hash: prev });
      // the sequence continues after the hand-set ids; a new entry links to the old head
      const fresh = await appendAudit(database.db, { label: 'owner:new', role: 'owner' }, t0, { action: 'new.entry' });
      expect(fresh.id).toBe(7);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 7, last_id: 7 });
      const [linked] = rowsOf<{ prev_hash: string }>(await database.db.execute(sql`select prev_hash from audit_log where id = 7`));
      expect(linked.prev_hash).toBe(prev);
      // and an old entry edited after the upgrade is still caught
      await database.db.execute(sql`update audit_log set details = '{"id": 9}'::jsonb where id = 3`);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, first_bad_id: 3, checked: 2 });
    } finally {
      delete process.env.WATCHDOG_MIGRATIONS_DIR;
      resetConfig();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
