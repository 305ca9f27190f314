import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { type Database, type Db, migrateDatabase, rowsOf } from '@/db/client';
import * as schema from '@/db/schema';
import { listWorkers } from '@/lib/watchdog/fleet';
import { listJobs } from '@/lib/watchdog/jobs';
import { createToken } from '@/lib/watchdog/access';
import { appendAudit } from '@/lib/watchdog/audit';
import { cliActor } from '@/lib/watchdog/context';
import { createRuntime, installRuntime } from '@/lib/watchdog/runtime';
import { testDatabaseKinds } from './helpers/db';
import { serveRouteTable } from './helpers/route-server';

/** GET /api/watchdog/audit filters and GET /api/watchdog/jobs state + keyset paging, over real HTTP, on both databases. */
for (const kind of testDatabaseKinds()) {
  describe(`console reads (${kind.name})`, () => {
    let database: Database;
    let server: { url: string; close: () => Promise<void> };
    let owner = '';
    const get = async (path: string) => {
      const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${owner}` } });
      return { status: res.status, body: await res.json() };
    };

    beforeAll(async () => {
      database = await kind.open();
      installRuntime(createRuntime({ database, limits: { rps: 0 } }));
      owner = (await createToken({ db: database.db, actor: cliActor, now: new Date() }, { role: 'owner', name: 'reads-owner' })).token;
      server = await serveRouteTable();
    });
    afterAll(async () => {
      await server?.close();
      await database?.close();
    });

    describe('GET /api/watchdog/audit filters', () => {
      const T = (m: number) => new Date(Date.UTC(2026, 10, 1, 12, m));
      beforeAll(async () => {
        const anon = { label: 'anonymous:mallory@example.test', role: null };
        for (let m = 0; m < 6; m++) await appendAudit(database.db, anon, T(m), { action: 'login.refused', details: { email: 'mallory@example.test', address: '10.0.0.9' } });
        await appendAudit(database.db, { label: 'supervisor:sup@example.test', role: 'supervisor' }, T(10), { action: 'incident.acknowledged', target: 'x' });
        await appendAudit(database.db, { label: 'token:w-1', role: 'worker' }, T(11), { action: 'access.forbidden', details: { address: '10.0.0.7' } });
        await appendAudit(database.db, { label: 'anonymous', role: null }, T(12), { action: 'access.unauthenticated', details: { address: '10.0.0.7' } });
      });

      it('filters by action (exact or a prefix ending with *), actor, and time from (inclusive) to (exclusive)', async () => {
        const refused = await get('/api/watchdog/audit?action=login.refused&limit=500');
        expect(refused.status).toBe(200);
        expect(refused.body.entries).toHaveLength(6);
        expect(new Set(refused.body.entries.map((e: { action: string }) => e.action))).toEqual(new Set(['login.refused']));
        const access = await get('/api/watchdog/audit?action=access.*');
        expect(access.body.entries.map((e: { action: string }) => e.action)).toEqual(['access.unauthenticated', 'access.forbidden']);
        const sup = await get(`/api/watchdog/audit?actor=${encodeURIComponent('supervisor:sup@example.test')}`);
        expect(sup.body.entries.map((e: { action: string }) => e.action)).toEqual(['incident.acknowledged']);
        const anon = await get('/api/watchdog/audit?actor=anonymous*&limit=500');
        expect(anon.body.entries).toHaveLength(7);
        const window = await get(`/api/watchdog/audit?from=${T(2).toISOString()}&to=${T(11).toISOString()}`);
        expect(window.body.entries.map((e: { at: string }) => e.at)).toEqual([T(10), T(5), T(4), T(3), T(2)].map((d) => d.toISOString()));
        const both = await get(`/api/watchdog/audit?action=login.refused&from=${T(4).toISOString()}`);
        expect(both.body.entries).toHaveLength(2);
      });

      it('pages a filtered list with the cursor: every entry once, newest first', async () => {
        const ids: number[] = [];
        let cursor = '';
        for (;;) {
          const page = await get(`/api/watchdog/audit?action=login.refused&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
          ids.push(...page.body.entries.map((e: { id: number }) => e.id));
          if (!page.body.next_cursor) break;
          cursor = page.body.next_cursor;
        }
        expect(ids).toHaveLength(6);
        expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      });

      it('answers 400 validation_failed, naming the field, for bad filters', async () => {
        for (const [query, field] of [
          ['action=a*b', 'action'],
          ['action=*', 'action'],
          ['actor=' + 'x'.repeat(201), 'actor'],
          ['from=yesterday', 'from'],
          ['to=2026-11-01', 'to'],
          [`from=${T(5).toISOString()}&to=${T(1).toISOString()}`, 'to'],
          ['action=%01x', 'action'],
        ] as const) {
          const res = await get(`/api/watchdog/audit?${query}`);
          expect(res.status, query).toBe(400);
          expect(res.body.error.code).toBe('validation_failed');
          expect(JSON.stringify(res.body.error.details), query).toContain(field);
        }
      });
    });

    describe('GET /api/watchdog/workers: open incidents per worker', () => {
      it("counts a worker's open incidents: its own, those naming it in details, and its jobs' that name no worker", async () => {
        const now = new Date('2026-11-02T12:00:00Z');
        await database.db.execute(sql`
          insert into workers (worker_id, first_seen_at, last_seen_at) values ('oi-a', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz),
            ('oi-b', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)`);
        await database.db.execute(sql`
          insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state)
          values ('oi-job-a', 'oi-a', 1, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, 'completed')`);
        const incident = (job: string, signal: string, status: string, worker: string | null, details: object) => sql`
          insert into incidents (id, job_id, worker_id, signal, status, first_failure_at, detected_at, details, rule_version)
          values (gen_random_uuid(), ${job}, ${worker}, ${signal}, ${status}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, ${JSON.stringify(details)}::jsonb, 1)`;
        await database.db.execute(incident('oi-job-a', 'fetch_failed', 'open', 'oi-a', {})); // its own
        await database.db.execute(incident('oi-job-x', 'claim_no_output', 'open', null, { worker_id: 'oi-a' })); // named in details
        await database.db.execute(incident('oi-job-a', 'queue_stuck', 'open', null, {})); // its job's, naming no worker
        await database.db.execute(incident('oi-job-a', 'lease_expired', 'resolved', null, {})); // resolved: not counted
        await database.db.execute(incident('oi-job-b', 'fetch_failed', 'open', 'oi-b', {})); // another worker's
        await database.db.execute(incident('oi-job-none', 'queue_stuck', 'open', null, {})); // no lease, no worker: nobody's
        const workers = await listWorkers({ db: database.db, actor: cliActor, now });
        expect(workers.filter((w) => w.worker_id.startsWith('oi-')).map((w) => [w.worker_id, w.open_incidents])).toEqual([
          ['oi-a', 3],
          ['oi-b', 1],
        ]);
      });
    });

    describe('GET /api/watchdog/jobs: state filter and keyset pages', () => {
      const states = ['active', 'completed', 'expired', 'released'] as const;
      beforeAll(async () => {
        // 41 leases, several sharing one updated_at to the microsecond (the keyset's tie-break is the job id)
        await database.db.execute(sql`
          insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, completed_at, updated_at)
          select 'reads-' || lpad(g::text, 3, '0'), 'w-' || (g % 3), 1, now() + interval '10 minutes', now(), now() - interval '1 hour',
                 (array['active','completed','expired','released'])[1 + g % 4],
                 case when g % 4 = 1 then now() - interval '2 days' end,
                 timestamptz '2026-11-01 12:00:00.123456+00' - ((g / 3) * interval '1 second')
          from generate_series(0, 40) g`);
      });

      it('walks every job exactly once, newest activity first, through next_cursor', async () => {
        const seen: { job_id: string }[] = [];
        let cursor = '';
        let pages = 0;
        for (;;) {
          const page = await get(`/api/watchdog/jobs?q=reads-&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
          expect(page.status).toBe(200);
          seen.push(...page.body.jobs);
          pages++;
          if (!page.body.next_cursor) break;
          cursor = page.body.next_cursor;
        }
        expect(pages).toBe(6);
        expect(seen.map((j) => j.job_id)).toEqual(
          Array.from({ length: 41 }, (_, g) => `reads-${String(g).padStart(3, '0')}`).sort((a, b) => {
            const ga = Number(a.slice(6));
            const gb = Number(b.slice(6));
            return Math.floor(ga / 3) - Math.floor(gb / 3) || b.localeCompare(a);
          }),
        );
      });

      it('filters by state, and pages the filtered list', async () => {
        for (const state of states) {
          const all: { state: string; completed_at: string | null }[] = [];
          let cursor = '';
          for (;;) {
            const page = await get(`/api/watchdog/jobs?q=reads-&state=${state}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
            all.push(...page.body.jobs);
            if (!page.body.next_cursor) break;
            cursor = page.body.next_cursor;
          }
          expect(all.length, state).toBe(state === 'active' ? 11 : 10);
          expect(all.every((j) => j.state === state)).toBe(true);
          if (state === 'completed') expect(all.every((j) => j.completed_at !== null)).toBe(true);
        }
      });

      it('answers 400 for an unknown state or a cursor it did not give out', async () => {
        for (const query of ['state=running', 'cursor=abc', `cursor=${Buffer.from('yesterday|x').toString('base64url')}`, 'limit=0']) {
          const res = await get(`/api/watchdog/jobs?${query}`);
          expect(res.status, query).toBe(400);
          expect(res.body.error.code).toBe('validation_failed');
        }
      });

      it('reads a page from the keyset indexes (0011_console_reads), not a sort of the table', async () => {
        const plan = async (where: string) =>
          database.db.transaction(async (tx) => {
            await tx.execute(sql`set local enable_seqscan = off`);
            await tx.execute(sql`set local enable_sort = off`);
            return rowsOf<Record<string, string>>(await tx.execute(sql.raw(`explain select job_id from job_leases ${where} order by updated_at desc, job_id desc limit 50`)))
              .map((r) => Object.values(r)[0])
              .join('\n');
          });
        expect(await plan('')).toContain('job_leases_updated_idx');
        expect(await plan(`where state = 'completed'`)).toContain('job_leases_state_updated_idx');
        expect(await plan(`where (updated_at, job_id) < ('2026-11-01T12:00:00Z'::timestamptz, 'x')`)).toContain('job_leases_updated_idx');
      });

      it('finds a job by a piece of its id through the trigram indexes (0014, pg_trgm on both databases), escaping % and _', async () => {
        const [ext] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from pg_extension where extname = 'pg_trgm'`));
        expect(ext.n).toBe(1);
        const plan = await database.db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_seqscan = off`);
          await tx.execute(sql`set local enable_indexscan = off`);
          return rowsOf<Record<string, string>>(
            await tx.execute(sql`explain select job_id from job_leases where (job_id ilike '%ads-03%' or worker_id ilike '%ads-03%') order by updated_at desc, job_id desc limit 50`),
          )
            .map((r) => Object.values(r)[0])
            .join('\n');
        });
        expect(plan).toContain('job_leases_job_trgm_idx');
        expect(plan).toContain('job_leases_worker_trgm_idx');
        const found = await get('/api/watchdog/jobs?q=ADS-03&limit=50');
        expect(found.body.jobs.map((j: { job_id: string }) => j.job_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `reads-03${i}`));
        expect((await get('/api/watchdog/jobs?q=reads%25&limit=50')).body.jobs).toEqual([]);
        expect((await get('/api/watchdog/jobs?q=reads_0&limit=50')).body.jobs).toEqual([]);
      });
    });
  });
}

describe('migration 0014 without pg_trgm (a PGlite opened without the extension)', () => {
  it('applies, leaves the trigram indexes out, and the jobs search still finds by a piece of the id', async () => {
    const client = new PGlite();
    const database: Database = { db: drizzle(client, { schema }) as unknown as Db, kind: 'pglite', describe: 'pglite (no pg_trgm)', close: () => client.close(), listen: async () => async () => {} };
    try {
      await migrateDatabase(database);
      const indexes = rowsOf<{ indexname: string }>(await database.db.execute(sql`select indexname from pg_indexes where tablename = 'job_leases'`)).map((r) => r.indexname);
      expect(indexes).toContain('job_leases_worker_state_idx');
      expect(indexes.filter((n) => n.includes('trgm'))).toEqual([]);
      await database.db.execute(sql`
        insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state)
        select 'plain-' || g, 'w-' || g, 1, now(), now(), now(), 'active' from generate_series(1, 12) g`);
      const page = await listJobs({ db: database.db, actor: cliActor, now: new Date() }, { q: 'ain-1', limit: 50 });
      expect(page.jobs.map((j) => j.job_id).sort()).toEqual(['plain-1', 'plain-10', 'plain-11', 'plain-12']);
    } finally {
      await database.close();
    }
  });
});
