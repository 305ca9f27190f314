import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { appendAudit, GENESIS_HASH, listAudit, verifyAuditChain } from '@/lib/watchdog/audit';
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
      expect(v).toMatchObject({ ok: true, checked: 50, last_id: 50 });
    } finally {
      await fresh.close();
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
