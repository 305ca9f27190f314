import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Database, rowsOf } from '@/db/client';
import { notifications } from '@/db/schema';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { backoffSeconds, deliverDueNotifications, enqueueNotification, nextNotificationDue, RETRY_FOR_MS } from '@/lib/watchdog/notify';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { prepareDatabase } from '@/lib/watchdog/runtime';
import { startScheduler } from '@/lib/watchdog/sweep';
import { ctxAt, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

// @ts-expect-error plain .mjs helper shared with scripts/
import { createDatabase } from '../scripts/pg-throwaway.mjs';
import { resetConfig } from '@/lib/config';

const SECRET = 'webhook-secret-for-tests';

interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A webhook receiver that answers from a script of statuses (then 200), verifying nothing itself. */
async function startReceiver(script: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.writeHead(script.shift() ?? 200);
      res.end('thanks');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function signatureValid(r: Received, secret: string): boolean {
  const timestamp = String(r.headers['x-watchdog-timestamp']);
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex'));
  const given = Buffer.from(String(r.headers['x-watchdog-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const t0 = new Date('2026-09-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const fail = (job: string) => {
  const output = '500 TypeError: fetch failed';
  return { id: randomUUID(), job_id: job, worker_id: 'w-1', command: `pls context ${job}`, phase: 'context' as const, exit_code: 1, output, output_hash: hashOutput(output) };
};

describe.each(testDatabaseKinds())('escalation notifications on $name', (kind) => {
  let database: Database;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.close();
  });
  const notesOf = (job: string) => database.db.select().from(notifications).where(eq(notifications.jobId, job));

  it('the request path only enqueues: the escalation answers while nothing is sent', async () => {
    receiver = await startReceiver();
    const w1 = ctxAt(database, workerActor('w-1'), at(0));
    await ingestHelperEvent(w1, fail('nt-1'));
    const second = await ingestHelperEvent({ ...w1, now: at(1) }, fail('nt-1'));
    expect(second.body.classification.suggested_actions[0]).toMatchObject({ action: 'notify_owner', escalation: 'needs_human' });
    const [queued] = await notesOf('nt-1');
    expect(queued).toMatchObject({ kind: 'needs_human', status: 'pending', attempts: 0 });
    expect(queued.nextAttemptAt.toISOString()).toBe(at(1).toISOString());
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers signed; a 500 from the receiver is retried later with backoff until it succeeds', async () => {
    await receiver.close();
    receiver = await startReceiver([500, 503]);
    // also a supervisor review (a pending request) and a notify_owner recorded by the system
    await recordRepairAction(ctxAt(database, systemTestActor, at(1)), { job_id: 'nt-1', trigger: 'queue_stuck', action: 'reclaim', authority: 'system' });
    const opts = { url: receiver.url, secret: SECRET };

    const first = await deliverDueNotifications(database.db, at(2), opts);
    expect(first).toEqual({ sent: 0, failed: 2 }); // two due; the receiver answers 500, then 503
    let rows = await notesOf('nt-1');
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'pending', attempts: 1, lastHttpStatus: expect.any(Number) });
      expect(r.lastError).toMatch(/webhook answered 50[03]/);
      expect(r.nextAttemptAt.getTime()).toBe(at(2).getTime() + backoffSeconds(1) * 1000);
    }
    expect(backoffSeconds(1)).toBeLessThanOrEqual(5); // the first retry within 5 s, then doubling
    expect(backoffSeconds(2)).toBe(2 * backoffSeconds(1));
    expect(await deliverDueNotifications(database.db, at(3), opts)).toEqual({ sent: 0, failed: 0 }); // not due yet
    expect((await nextNotificationDue(database.db, opts))?.toISOString()).toBe(at(2 + backoffSeconds(1)).toISOString());

    const second = await deliverDueNotifications(database.db, at(2 + backoffSeconds(1)), opts);
    expect(second).toEqual({ sent: 2, failed: 0 });
    rows = await notesOf('nt-1');
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(rows.every((r) => r.attempts === 2 && r.deliveredAt?.toISOString() === at(2 + backoffSeconds(1)).toISOString())).toBe(true);

    expect(receiver.received).toHaveLength(4);
    for (const r of receiver.received) {
      expect(signatureValid(r, SECRET)).toBe(true);
      expect(signatureValid(r, 'another secret')).toBe(false);
      expect(signatureValid({ ...r, body: r.body.replace('nt-1', 'nt-2') }, SECRET)).toBe(false);
    }
    const delivered = receiver.received.slice(2).map((r) => JSON.parse(r.body));
    expect(delivered.map((d) => d.kind).sort()).toEqual(['needs_human', 'supervisor_review']);
    expect(delivered.find((d) => d.kind === 'needs_human')).toMatchObject({ job_id: 'nt-1', attempt: 2, payload: { signal: 'fetch_failed', output_hash: hashOutput('500 TypeError: fetch failed') } });
    expect(receiver.received[2].headers['x-watchdog-delivery']).toBeTruthy();
    expect(await deliverDueNotifications(database.db, at(100), opts)).toEqual({ sent: 0, failed: 0 });
  });

  it('keeps retrying for an hour, then marks the message failed with its last error (an unreachable webhook never blocks anything)', async () => {
    await enqueueNotification(database.db, at(0), { kind: 'notify_owner', jobId: 'nt-dead', payload: { why: 'test' } });
    let now = at(0);
    let attempts = 0;
    for (;;) {
      const r = await deliverDueNotifications(database.db, now, { url: 'http://127.0.0.1:9/unreachable', secret: SECRET, timeoutMs: 2000 });
      expect(r.failed).toBe(1);
      attempts++;
      const [row] = await notesOf('nt-dead');
      expect(row.attempts).toBe(attempts);
      expect(row.lastError).toBeTruthy();
      if (row.status === 'failed') break;
      expect(row.status).toBe('pending');
      now = row.nextAttemptAt;
    }
    expect(now.getTime() - at(0).getTime()).toBeGreaterThanOrEqual(RETRY_FOR_MS);
    expect(attempts).toBeGreaterThan(8);
    expect(await deliverDueNotifications(database.db, new Date(now.getTime() + 3_600_000), { url: 'http://127.0.0.1:9/unreachable' })).toEqual({ sent: 0, failed: 0 });
  });
});

describe('the scheduler delivers notifications off the request path', () => {
  it('with WATCHDOG_WEBHOOK_URL set, a queued escalation reaches the receiver', async () => {
    const receiver = await startReceiver([500]);
    const database = await prepareDatabase({ url: '', dataDir: 'memory://' });
    const saved = { url: process.env.WATCHDOG_WEBHOOK_URL, secret: process.env.WATCHDOG_WEBHOOK_SECRET };
    process.env.WATCHDOG_WEBHOOK_URL = receiver.url;
    process.env.WATCHDOG_WEBHOOK_SECRET = SECRET;
    resetConfig(); // the configuration is read once: read it again
    const scheduler = startScheduler(database.db, { maxIdleMs: 500 });
    try {
      await enqueueNotification(database.db, new Date(), { kind: 'notify_owner', jobId: 'nt-sched', payload: { n: 1 } });
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const [row] = await database.db.select().from(notifications).where(eq(notifications.jobId, 'nt-sched'));
        if (row?.status === 'delivered') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const [row] = await database.db.select().from(notifications).where(eq(notifications.jobId, 'nt-sched'));
      expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received.every((r) => signatureValid(r, SECRET))).toBe(true);
    } finally {
      await scheduler.stop();
      if (saved.url === undefined) delete process.env.WATCHDOG_WEBHOOK_URL;
      else process.env.WATCHDOG_WEBHOOK_URL = saved.url;
      if (saved.secret === undefined) delete process.env.WATCHDOG_WEBHOOK_SECRET;
      else process.env.WATCHDOG_WEBHOOK_SECRET = saved.secret;
      resetConfig();
      await database.close();
      await receiver.close();
    }
  });
});

const admin = inject('postgresAdminUrl');
describe.runIf(admin)('notifications on PostgreSQL with two instances', () => {
  it('two instances delivering at once send each notification exactly once', async () => {
    const url = createDatabase(admin, `nt_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    const a = await prepareDatabase({ url, poolMax: 4 });
    const b = await prepareDatabase({ url, poolMax: 4 });
    const receiver = await startReceiver();
    try {
      for (let i = 0; i < 30; i++) await enqueueNotification(a.db, at(0), { kind: 'supervisor_review', jobId: `nt-pair-${i}`, payload: { i } });
      const opts = { url: receiver.url, secret: SECRET, batch: 10 };
      const results = await Promise.all([a, b, a, b, a, b].map((d) => deliverDueNotifications(d.db, at(1), opts)));
      expect(results.reduce((n, r) => n + r.sent, 0)).toBe(30);
      const ids = receiver.received.map((r) => JSON.parse(r.body).id);
      expect(new Set(ids).size).toBe(30);
      expect(ids).toHaveLength(30);
      const [{ n }] = rowsOf<{ n: number }>(await a.db.execute(sql`select count(*)::int as n from notifications where status = 'delivered'`));
      expect(n).toBe(30);
    } finally {
      await receiver.close();
      await a.close();
      await b.close();
    }
  });
});
