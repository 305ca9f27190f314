import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { ctxAt, testDatabaseKinds, workerActor } from './helpers/db';

describe.each(testDatabaseKinds())('leases and fencing on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const t0 = new Date('2026-01-01T10:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);

  it('gives token 1 to a new job, renews for the holder, +1 on each new acquisition', async () => {
    const w1 = ctxAt(database, workerActor('w-1'), t0);
    const a = await heartbeatLease(w1, 'job-f1', { worker_id: 'w-1', lease_expires_at: at(600) });
    expect(a.lease).toMatchObject({ fencing_token: 1, state: 'active', worker_id: 'w-1', risk_level: 'normal' });
    const r = await heartbeatLease({ ...w1, now: at(60) }, 'job-f1', { worker_id: 'w-1', lease_expires_at: at(660), fencing_token: 1 });
    expect(r.lease.fencing_token).toBe(1);
    expect(r.lease.last_heartbeat_at).toBe(at(60).toISOString());
    const w2 = ctxAt(database, workerActor('w-2'), at(100));
    await expect(heartbeatLease(w2, 'job-f1', { worker_id: 'w-2', lease_expires_at: at(700) })).rejects.toMatchObject({ code: 'lease_conflict' });
    const taken = await heartbeatLease({ ...w2, now: at(700) }, 'job-f1', { worker_id: 'w-2', lease_expires_at: at(1300) });
    expect(taken.lease).toMatchObject({ fencing_token: 2, worker_id: 'w-2' });
    await expect(heartbeatLease({ ...w1, now: at(710) }, 'job-f1', { worker_id: 'w-1', lease_expires_at: at(1300), fencing_token: 1 })).rejects.toMatchObject({ code: 'stale_fencing_token' });
  });

  it('asks for a heartbeat when the lease is near expiry', async () => {
    const w1 = ctxAt(database, workerActor('w-1'), t0);
    const a = await heartbeatLease(w1, 'job-f2', { worker_id: 'w-1', lease_expires_at: at(120) });
    expect(a.lease.risk_level).toBe('near_expiry');
    expect(a.directives.map((d) => d.action)).toContain('heartbeat');
  });

  it('refuses a worker acting for another worker_id', async () => {
    const w1 = ctxAt(database, workerActor('w-1'), t0);
    await expect(heartbeatLease(w1, 'job-f3', { worker_id: 'w-2', lease_expires_at: at(600) })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
