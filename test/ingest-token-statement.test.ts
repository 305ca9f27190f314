// POST /helper-events' hot path: a healthy event from a token this process has seen is authenticated,
// authorised and stored by one statement. Whatever that statement refuses must store nothing and end
// in exactly the answer of the full path (401/403 audited, 400, 409, a judged failure).
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { apiTokens, helperEvents } from '@/db/schema';
import { permissions } from '@/lib/auth/permissions';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { cliActor } from '@/lib/watchdog/context';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHealthyEventByToken } from '@/lib/ingest';
import { createToken, hashToken, noteTokenUse, revokeToken, TOKEN_USE_RESOLUTION_MS } from '@/lib/watchdog/access';
import { findAuditByRequestIds } from './helpers/audit-search';
import { testDatabaseKinds } from './helpers/db';
import { api, helperEvent, testServers, uniqueJob } from './helpers/http';

const t0 = new Date('2026-05-02T10:00:00Z');
const roles = permissions['helperEvents.write'];

function event(over: Partial<HelperEventInput> & { output?: string } = {}): HelperEventInput {
  const output = over.output ?? '{"ok":true}';
  return {
    id: randomUUID(),
    job_id: `ts-${randomUUID().slice(0, 8)}`,
    worker_id: 'w-1',
    command: 'pls progress',
    phase: 'progress',
    exit_code: 0,
    duration_ms: 90,
    ...over,
    output,
    output_hash: over.output_hash ?? hashOutput(output),
  };
}

describe.each(testDatabaseKinds())('ingestHealthyEventByToken on $name', (kind) => {
  let database: Database;
  let worker: { id: string; token: string };
  let system: { id: string; token: string };
  let supervisor: { id: string; token: string };
  beforeAll(async () => {
    database = await kind.open();
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    worker = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ts-w1-${randomUUID().slice(0, 6)}` });
    system = await createToken(ctx, { role: 'system', name: `ts-sys-${randomUUID().slice(0, 6)}` });
    supervisor = await createToken(ctx, { role: 'supervisor', name: `ts-sup-${randomUUID().slice(0, 6)}` });
  });
  afterAll(async () => {
    await database?.close();
  });
  const credential = (t: { token: string }) => ({ tokenHash: hashToken(t.token), roles });
  const stored = async (id: string) => (await database.db.select().from(helperEvents).where(eq(helperEvents.id, id))).length;

  it('stores a healthy event of the token’s own worker (and any worker’s for a system token) with 201', async () => {
    const e = event();
    const r = await ingestHealthyEventByToken(database.db, t0, credential(worker), e);
    expect(r).toMatchObject({ status: 201, body: { event: { id: e.id, worker_id: 'w-1', signal: null }, incident_id: null } });
    expect(await stored(e.id)).toBe(1);
    const other = event({ worker_id: 'w-9' });
    expect((await ingestHealthyEventByToken(database.db, t0, credential(system), other))?.status).toBe(201);
  });

  it('stores nothing and returns null for an unknown token, a refused role, another worker, a revoked token', async () => {
    const cases: [string, { tokenHash: string; roles: readonly string[] }, HelperEventInput][] = [
      ['unknown token', { tokenHash: hashToken('wdt_unknown'), roles }, event()],
      ['role not permitted', credential(supervisor), event()],
      ['another worker', credential(worker), event({ worker_id: 'w-2' })],
    ];
    for (const [what, cred, e] of cases) {
      expect({ what, r: await ingestHealthyEventByToken(database.db, t0, cred, e) }).toEqual({ what, r: null });
      expect({ what, n: await stored(e.id) }).toEqual({ what, n: 0 });
    }
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const doomed = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ts-doomed-${randomUUID().slice(0, 6)}` });
    expect((await ingestHealthyEventByToken(database.db, t0, credential(doomed), event()))?.status).toBe(201);
    await revokeToken(ctx, doomed.id);
    const after = event();
    expect(await ingestHealthyEventByToken(database.db, t0, credential(doomed), after)).toBeNull();
    expect(await stored(after.id)).toBe(0);
  });

  it('leaves failing events and hash mismatches to the full path, storing nothing', async () => {
    const failing = event({ exit_code: 1, output: '500 TypeError: fetch failed' });
    const mismatch = event({ output_hash: `sha256:${'0'.repeat(64)}` });
    for (const e of [failing, mismatch]) {
      expect(await ingestHealthyEventByToken(database.db, t0, credential(worker), e)).toBeNull();
      expect(await stored(e.id)).toBe(0);
    }
  });

  it('concurrent events share statements (group commit) and each gets the answer it would get alone', async () => {
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const revoked = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ts-gone-${randomUUID().slice(0, 6)}` });
    await revokeToken(ctx, revoked.id);
    const twice = event();
    const cases: { e: HelperEventInput; cred: { tokenHash: string; roles: readonly string[] }; want: number | null }[] = [];
    for (let i = 0; i < 60; i++) {
      const pick = i % 5;
      if (pick === 0) cases.push({ e: event(), cred: credential(worker), want: 201 });
      else if (pick === 1) cases.push({ e: event({ worker_id: `w-${i}` }), cred: credential(system), want: 201 });
      else if (pick === 2)
        cases.push({ e: event({ worker_id: 'w-2' }), cred: credential(worker), want: null }); // another worker
      else if (pick === 3) cases.push({ e: event(), cred: credential(revoked), want: null });
      else cases.push({ e: event(), cred: credential(supervisor), want: null });
    }
    cases.push({ e: twice, cred: credential(worker), want: 201 }, { e: { ...twice }, cred: credential(worker), want: 200 });
    const answers = await Promise.all(cases.map((c) => ingestHealthyEventByToken(database.db, t0, c.cred, c.e)));
    const statuses = answers.map((a) => a?.status ?? null);
    // the duplicate pair: one stored it, the other replays it — whichever ran first
    expect(statuses.slice(-2).sort()).toEqual([200, 201]);
    expect(statuses.slice(0, -2)).toEqual(cases.slice(0, -2).map((c) => c.want));
    for (const [i, c] of cases.entries()) expect({ i, n: await stored(c.e.id) }).toEqual({ i, n: c.want === null ? 0 : 1 });
  });

  it('stands in for the loop check: an event an earlier one of its job repeats (same command and output, inside the window) is left to be judged', async () => {
    const first = event({ output: 'retrying build' });
    expect((await ingestHealthyEventByToken(database.db, t0, credential(worker), first))?.status).toBe(201);
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const again = { ...event({ job_id: first.job_id, output: 'retrying build' }), created_at: at(60) };
    expect(await ingestHealthyEventByToken(database.db, at(60), credential(worker), again)).toBeNull();
    expect(await stored(again.id)).toBe(0);
    // another command, or the same one past the loop window (1800 s by default): nothing to judge
    const otherCommand = { ...event({ job_id: first.job_id, output: 'retrying build', command: 'pls upload-files' }), created_at: at(60) };
    const later = { ...event({ job_id: first.job_id, output: 'retrying build' }), created_at: at(1801) };
    expect((await ingestHealthyEventByToken(database.db, at(60), credential(worker), otherCommand))?.status).toBe(201);
    expect((await ingestHealthyEventByToken(database.db, at(1801), credential(worker), later))?.status).toBe(201);
  });

  it('events that repeat one another in one group: the first is stored, the others are left to be judged', async () => {
    const job = `ts-rep-${randomUUID().slice(0, 8)}`;
    const same = Array.from({ length: 6 }, () => event({ job_id: job, output: 'same output' }));
    const others = Array.from({ length: 6 }, (_, i) => event({ job_id: job, output: `output ${i}` }));
    const answers = await Promise.all([...same, ...others].map((e) => ingestHealthyEventByToken(database.db, t0, credential(worker), e)));
    expect(answers.slice(0, 6).map((a) => a?.status ?? null)).toEqual([201, null, null, null, null, null]);
    expect(answers.slice(6).map((a) => a?.status)).toEqual(Array(6).fill(201));
  });

  it('notes a token’s use at most once a minute', async () => {
    const ctx = { db: database.db, actor: cliActor, now: t0 };
    const t = await createToken(ctx, { role: 'worker', worker_id: 'w-1', name: `ts-used-${randomUUID().slice(0, 6)}` });
    const lastUsed = async () => (await database.db.select({ at: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.id, t.id)))[0].at?.toISOString() ?? null;
    expect(await lastUsed()).toBeNull();
    await noteTokenUse(database.db, t.id, t0);
    expect(await lastUsed()).toBe(t0.toISOString());
    await noteTokenUse(database.db, t.id, new Date(t0.getTime() + 30_000));
    expect(await lastUsed()).toBe(t0.toISOString());
    const later = new Date(t0.getTime() + TOKEN_USE_RESOLUTION_MS);
    await noteTokenUse(database.db, t.id, later);
    expect(await lastUsed()).toBe(later.toISOString());
  });

  it('replays a stored event with 200 and refuses another body under its id with 409', async () => {
    const e = event();
    expect((await ingestHealthyEventByToken(database.db, t0, credential(worker), e))?.status).toBe(201);
    expect((await ingestHealthyEventByToken(database.db, t0, credential(worker), { ...e }))?.status).toBe(200);
    await expect(ingestHealthyEventByToken(database.db, t0, credential(worker), { ...e, duration_ms: 91 })).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(await stored(e.id)).toBe(1);
  });
});

describe.each(testServers())('POST /helper-events hot path over HTTP on $name', (server) => {
  it('a known token’s refused, revoked and invalid calls get the full path’s answers; nothing is stored', async () => {
    const created = await api(server, server.tokens.owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: 'w-7', name: `hot-${randomUUID().slice(0, 6)}` });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    const job = uniqueJob('hot');
    // first call authenticates the full way; the second takes the one-statement path
    for (let i = 0; i < 2; i++) expect((await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-7' }))).status).toBe(201);

    // the use is noted (to the minute, off the request path): the token list no longer says "never used"
    let listed: { id: string; last_used_at: string | null } | undefined;
    for (let i = 0; i < 40 && !listed?.last_used_at; i++) {
      const tokens = await api(server, server.tokens.owner, 'GET', '/api/watchdog/tokens');
      listed = tokens.body.tokens.find((t: { id: string }) => t.id === created.body.id);
      if (!listed?.last_used_at) await new Promise((r) => setTimeout(r, 50));
    }
    expect(listed?.last_used_at).toEqual(expect.any(String));

    const requestId = `hot-forbidden-${randomUUID()}`;
    const forbidden = await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-8' }), { 'x-request-id': requestId });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'forbidden']);
    const audit = await findAuditByRequestIds(server, [requestId]);
    expect(audit.get(requestId)).toMatchObject({ action: 'access.forbidden', details: { route: 'POST /helper-events', status: 403 } });

    const invalid = await api(server, token, 'POST', '/api/watchdog/helper-events', { ...helperEvent({ job_id: job, worker_id: 'w-7' }), exit_code: 'zero' });
    expect([invalid.status, invalid.body.error.code]).toEqual([400, 'validation_failed']);
    const mismatch = await api(server, token, 'POST', '/api/watchdog/helper-events', { ...helperEvent({ job_id: job, worker_id: 'w-7' }), output_hash: `sha256:${'1'.repeat(64)}` });
    expect([mismatch.status, mismatch.body.error.code]).toEqual([422, 'output_hash_mismatch']);
    const failing = await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-7', exit_code: 1, output: '500 TypeError: fetch failed' }));
    expect([failing.status, failing.body.classification.signal]).toEqual([201, 'fetch_failed']);

    // a loop (5 repeats by default): the repeats are judged by the full path, the fifth closes it
    const loopJob = uniqueJob('hot-loop');
    const signals: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: loopJob, worker_id: 'w-7', output: 'Error: cannot find module x' }));
      expect(r.status).toBe(201);
      signals.push(r.body.classification.signal);
    }
    expect(signals).toEqual([null, null, null, null, 'loop_detected']);

    expect((await api(server, server.tokens.owner, 'DELETE', `/api/watchdog/tokens/${created.body.id}`)).status).toBe(200);
    const revoked = await api(server, token, 'POST', '/api/watchdog/helper-events', helperEvent({ job_id: job, worker_id: 'w-7' }));
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'unauthenticated']);

    const story = await api(server, server.tokens.owner, 'GET', `/api/watchdog/jobs/${job}`);
    expect(story.status).toBe(200);
    // the two healthy events and the failure; none of the refused ones
    expect(story.body.events.map((e: { exit_code: number }) => e.exit_code).sort()).toEqual([0, 0, 1]);
  });
});
