import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '@/db/client';
import { createToken } from '@/lib/watchdog/access';
import { cliActor } from '@/lib/watchdog/context';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { noteWorkerSeen } from '@/lib/watchdog/fleet';
import { acknowledgeIncident, listIncidents } from '@/lib/watchdog/incidents';
import { getLease, heartbeatLease } from '@/lib/watchdog/leases';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { updateRules } from '@/lib/watchdog/rules';
import { createRuntime, installRuntime, type Runtime } from '@/lib/watchdog/runtime';
import { ctxAt, ownerActor, supervisorActor, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';
import { api, helperEvent, inFuture, uniqueJob } from './helpers/http';
import { serveRouteTable } from './helpers/route-server';
import { openSse } from './helpers/sse';
import { root, seedAccess, startNextServer, tempDir, type TestTokens } from './helpers/test-server';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const fetchFailed = (job: string, worker = 'w-1') => ({ ...helperEvent({ job_id: job, worker_id: worker, exit_code: 1, output: '500 TypeError: fetch failed' }), phase: 'context' as const });
const later = () => new Date(Date.now() + 900_000);

for (const kind of testDatabaseKinds()) {
  describe(`GET /api/watchdog/stream, one console process (${kind.name})`, () => {
    let database: Database;
    let runtime: Runtime;
    let server: { url: string; close: () => Promise<void> };
    const tokens: Record<'worker' | 'system' | 'supervisor' | 'owner', string> = { worker: '', system: '', supervisor: '', owner: '' };
    const HEARTBEAT_MS = 80;

    beforeAll(async () => {
      database = await kind.open();
      runtime = installRuntime(createRuntime({ database, liveHeartbeatMs: HEARTBEAT_MS, limits: { rps: 0 } }));
      const ctx = { db: database.db, actor: cliActor, now: new Date() };
      tokens.worker = (await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: 'live-w1' })).token;
      for (const role of ['system', 'supervisor', 'owner'] as const) tokens[role] = (await createToken(ctx, { role, name: `live-${role}` })).token;
      server = await serveRouteTable();
    });

    afterAll(async () => {
      await runtime?.live.close();
      await server?.close();
      await database?.close();
    });

    it('answers 401 without a credential and 403 to a worker, in the API shape', async () => {
      const none = await fetch(`${server.url}/api/watchdog/stream`);
      expect(none.status).toBe(401);
      expect((await none.json()).error.code).toBe('unauthenticated');
      const worker = await fetch(`${server.url}/api/watchdog/stream`, { headers: bearer(tokens.worker) });
      expect(worker.status).toBe(403);
      expect((await worker.json()).error.code).toBe('forbidden');
      expect(runtime.live.size).toBe(0);
    });

    it('streams text/event-stream to system, supervisor and owner, with a comment line every heartbeat interval', async () => {
      for (const role of ['system', 'supervisor', 'owner'] as const) {
        const sse = await openSse(`${server.url}/api/watchdog/stream`, bearer(tokens[role]));
        expect(sse.res.status).toBe(200);
        expect(sse.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
        await sse.next((i) => i.comment === 'connected');
        // the injected interval (80 ms here; 15 s by default): three keep-alive comments come while nothing changes
        const first = await sse.next((i) => !!i.comment?.startsWith('keep-alive'));
        const third = await sse.next((i) => !!i.comment?.startsWith('keep-alive'), 5_000, sse.items.indexOf(first) + 2);
        expect(third.at).toBeGreaterThan(first.at);
        sse.close();
      }
    });

    it('sends each change as the REST API returns it: incident opened and acknowledged, action, lease, rules, worker', async () => {
      const sse = await openSse(`${server.url}/api/watchdog/stream`, bearer(tokens.supervisor));
      await sse.next((i) => i.comment === 'connected');
      await expect.poll(() => runtime.live.size).toBe(1);
      const job = uniqueJob('live');
      const now = new Date();

      await heartbeatLease(ctxAt(database, workerActor(), now), job, { worker_id: 'w-1', lease_expires_at: later() });
      const lease = await sse.next((i) => i.event === 'lease' && (i.data as { job_id: string }).job_id === job);
      expect(lease.data).toEqual((await getLease(ctxAt(database, supervisorActor, now), job)).lease);

      await ingestHelperEvent(ctxAt(database, workerActor(), now), fetchFailed(job));
      const opened = await sse.next((i) => i.event === 'incident' && (i.data as { job_id: string }).job_id === job);
      const listed = (await listIncidents(database.db, { job_id: job, status: 'all' })).incidents[0];
      expect(opened.data).toMatchObject({ id: listed.id, signal: 'fetch_failed', status: 'open', acknowledged_at: null });

      const from = sse.items.length;
      await acknowledgeIncident(ctxAt(database, supervisorActor, new Date()), listed.id, { note: 'on it' });
      const acked = await sse.next((i) => i.event === 'incident' && (i.data as { id: string }).id === listed.id, 5_000, from);
      expect(acked.data).toEqual((await listIncidents(database.db, { job_id: job, status: 'all' })).incidents[0]);
      expect(acked.data).toMatchObject({ acknowledged_by: supervisorActor.label, acknowledgement_note: 'on it' });

      const { action } = await recordRepairAction(ctxAt(database, systemTestActor, new Date()), { job_id: job, trigger: 'fetch_failed', action: 'release', authority: 'system', note: 'live' });
      const requested = await sse.next((i) => i.event === 'action' && (i.data as { id: string }).id === action.id);
      expect(requested.data).toEqual(action);

      const rules = await updateRules(ctxAt(database, ownerActor, new Date()), [{ signal: 'fetch_failed', threshold: 2 }], 'live test');
      const published = await sse.next((i) => i.event === 'rules' && (i.data as { version: number }).version === rules.version);
      expect(published.data).toEqual(rules);

      const worker = `w-live-${randomUUID().slice(0, 6)}`;
      await noteWorkerSeen(database.db, worker, new Date());
      const seen = await sse.next((i) => i.event === 'worker' && (i.data as { worker_id: string }).worker_id === worker);
      expect(seen.data).toMatchObject({ worker_id: worker, status: 'idle', current_job_id: null });
      sse.close();
    });

    it('sends a change whose object is far larger than a NOTIFY payload (8000 bytes): only its key travels', async () => {
      const sse = await openSse(`${server.url}/api/watchdog/stream`, bearer(tokens.owner));
      await sse.next((i) => i.comment === 'connected');
      const job = uniqueJob('live-big');
      await ingestHelperEvent(ctxAt(database, workerActor(), new Date()), fetchFailed(job));
      const [incident] = (await listIncidents(database.db, { job_id: job, status: 'all' })).incidents;
      const from = sse.items.length;
      await database.db.execute(sql`update incidents set details = details || jsonb_build_object('note', ${'x'.repeat(20_000)}::text) where id = ${incident.id}`);
      const big = await sse.next((i) => i.event === 'incident' && (i.data as { id: string }).id === incident.id && JSON.stringify(i.data).length > 20_000, 5_000, from);
      expect((big.data as { details: { note: string } }).details.note).toHaveLength(20_000);
      sse.close();
    });

    it('says nothing of a change that was rolled back', async () => {
      const sse = await openSse(`${server.url}/api/watchdog/stream`, bearer(tokens.owner));
      await sse.next((i) => i.comment === 'connected');
      const job = uniqueJob('live-rollback');
      await database.db
        .transaction(async (tx) => {
          await heartbeatLease({ db: tx, actor: workerActor(), now: new Date() }, job, { worker_id: 'w-1', lease_expires_at: later() });
          throw new Error('roll back');
        })
        .catch(() => {});
      const marker = uniqueJob('live-after');
      await heartbeatLease(ctxAt(database, workerActor(), new Date()), marker, { worker_id: 'w-1', lease_expires_at: later() });
      await sse.next((i) => i.event === 'lease' && (i.data as { job_id: string }).job_id === marker);
      expect(sse.items.some((i) => i.event === 'lease' && (i.data as { job_id: string }).job_id === job)).toBe(false);
      sse.close();
    });

    it('ends every stream on close (shutdown), so the server can drain', async () => {
      const sse = await openSse(`${server.url}/api/watchdog/stream`, bearer(tokens.owner));
      await sse.next((i) => i.comment === 'connected');
      await expect.poll(() => runtime.live.size).toBeGreaterThan(0);
      await runtime.live.close();
      await expect.poll(() => sse.ended).toBe(true);
    });
  });
}

const admin = inject('postgresAdminUrl');
const built = fs.existsSync(path.join(root, '.next', 'BUILD_ID'));

describe.runIf(admin && built)('GET /api/watchdog/stream across two console instances on one PostgreSQL', () => {
  let tokens: TestTokens;
  let servers: { url: string; child: ChildProcess }[] = [];

  beforeAll(async () => {
    const databaseUrl = createDatabase(admin, `live_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    const dataDir = tempDir('watchdog-live-');
    ({ tokens } = await seedAccess({ databaseUrl, dataDir }));
    const env = { WATCHDOG_SCHEDULER: '0', WATCHDOG_STREAM_HEARTBEAT_MS: '500' };
    servers = await Promise.all([startNextServer({ databaseUrl, dataDir, env }), startNextServer({ databaseUrl, dataDir, env })]);
  }, 180_000);

  afterAll(() => {
    for (const s of servers) s.child.kill('SIGKILL');
  });

  it('a change made through instance A reaches a subscriber of instance B (measured; the contract is 1 s)', async () => {
    const [A, B] = servers;
    const worker = await fetch(`${B.url}/api/watchdog/stream`, { headers: bearer(tokens.worker) });
    expect(worker.status).toBe(403);
    const sse = await openSse(`${B.url}/api/watchdog/stream`, bearer(tokens.supervisor));
    expect(sse.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await sse.next((i) => i.comment === 'connected');
    await sse.next((i) => !!i.comment?.startsWith('keep-alive'), 5_000);
    const delays: number[] = [];
    for (let n = 0; n < 5; n++) {
      const job = uniqueJob('live-ab');
      const lease = await api(A, tokens.worker, 'PATCH', `/api/watchdog/job-leases/${job}`, { worker_id: 'w-1', lease_expires_at: inFuture(900) });
      expect(lease.status).toBe(200);
      const sent = performance.now();
      const ev = await api(A, tokens.worker, 'POST', '/api/watchdog/helper-events', fetchFailed(job));
      expect(ev.status).toBe(201);
      const got = await sse.next((i) => i.event === 'incident' && (i.data as { job_id: string }).job_id === job, 5_000);
      delays.push(got.at - sent);
      const rest = await api(B, tokens.supervisor, 'GET', `/api/watchdog/incidents?job_id=${job}&status=all`);
      expect(got.data).toEqual(rest.body.incidents[0]);
    }
    delays.sort((a, b) => a - b);
    console.log(`live A→B: incident on the stream ${delays.map((d) => d.toFixed(0)).join(', ')} ms after the helper event was sent (the answer included)`);
    expect(delays[2]).toBeLessThan(1_000);
    sse.close();
  });
});
