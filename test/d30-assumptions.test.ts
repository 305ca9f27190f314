import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { recordArtifactEvidence } from '@/db/seed/demo';
import { D30Metrics } from '@/lib/schemas/metrics';
import { completeJob } from '@/lib/watchdog/artifacts';
import { ingestHelperEvent } from '@/lib/watchdog/events';
import { hashOutput } from '@/lib/watchdog/hash';
import { heartbeatLease } from '@/lib/watchdog/leases';
import { assessD30Assumptions, computeD30Metrics, SEED_ASSUMPTIONS } from '@/lib/watchdog/metrics';
import { recordRepairAction } from '@/lib/watchdog/repairs';
import { runSweep } from '@/lib/watchdog/sweep';
import { ctxAt, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';
import { expectSameText, sayMessage } from './helpers/text-message';

/** Each sentence of each assumption has its message, and the message says it (in English, word for word). */
function expectMessages(list: ReturnType<typeof assessD30Assumptions>) {
  for (const a of list) {
    expectSameText('metrics.assumption', a.text, a.text_message);
    expectSameText('metrics.assumption', a.figure, a.figure_message);
    expectSameText('metrics.assumption', a.detail, a.detail_message);
  }
}

const T = (iso: string) => new Date(`2026-05-${iso}Z`);
const FETCH_FAILED = { exit: 1, output: 'POST /api/context -> 500\nTypeError: fetch failed' };

describe('D30 assumptions from the figures', () => {
  const base = { retry_success_rate: null, false_green_count: 0, counts: { retries: 0, retries_succeeded: 0, completed_jobs: 0 }, queue_stuck: 0, queue_stuck_late: 0, queue_stuck_max_lag_s: null };

  it("names the seed's three assumptions, and says 'not enough data' (null) when the window has nothing to test them on", () => {
    const a = assessD30Assumptions(base);
    expect(a.map((x) => x.text)).toEqual([SEED_ASSUMPTIONS.oneRetry, SEED_ASSUMPTIONS.queueStuck, SEED_ASSUMPTIONS.blockComplete]);
    expect(a.map((x) => x.holds)).toEqual([null, null, null]);
    for (const x of a) expect(x.detail).toMatch(/nothing to test it on/);
    expect(a.map((x) => x.text_message.key)).toEqual(['oneRetry', 'queueStuck', 'blockComplete']);
    expectMessages(a);
  });

  it('one retry holds at a 50% retry success rate and not below', () => {
    expect(assessD30Assumptions({ ...base, retry_success_rate: 0.5, counts: { ...base.counts, retries: 4, retries_succeeded: 2 } })[0]).toMatchObject({
      holds: true,
      figure: 'retry success rate 50%',
      detail: expect.stringMatching(/^2 of 4 automatic retries succeeded/),
    });
    expect(assessD30Assumptions({ ...base, retry_success_rate: 0.25, counts: { ...base.counts, retries: 4, retries_succeeded: 1 } })[0].holds).toBe(false);
    const third = assessD30Assumptions({ ...base, retry_success_rate: 0.3333, counts: { ...base.counts, retries: 3, retries_succeeded: 1 } });
    expect(third[0]).toMatchObject({
      figure: 'retry success rate 33.3%',
      figure_message: { key: 'retryRate', values: { rate: 0.3333 } },
      detail: '1 of 3 automatic retries succeeded; it holds at 50% or more.',
      detail_message: { key: 'retryTested', values: { succeeded: 1, retries: 3, min_rate: 0.5 } },
    });
    expect(sayMessage('zh-Hant', 'metrics.assumption', third[0].detail_message)).toBe('3 次自動重試中有 1 次成功；達 [pct 0.5] 以上即成立。');
    expectMessages(third);
  });

  it('queue stuck holds only when every incident was detected within grace + 60 s', () => {
    expect(assessD30Assumptions({ ...base, queue_stuck: 3, queue_stuck_late: 0, queue_stuck_max_lag_s: 31 })[1]).toMatchObject({
      holds: true,
      figure: '3 of 3 queue_stuck incidents detected within grace + 60 s',
    });
    expect(assessD30Assumptions({ ...base, queue_stuck: 3, queue_stuck_late: 1, queue_stuck_max_lag_s: 300 })[1]).toMatchObject({
      holds: false,
      detail: expect.stringMatching(/slowest took 300 s, and 1 took longer/),
    });
    expectMessages(assessD30Assumptions({ ...base, queue_stuck: 3, queue_stuck_late: 1, queue_stuck_max_lag_s: 300 }));
    expectMessages(assessD30Assumptions({ ...base, queue_stuck: 1200, queue_stuck_late: 0, queue_stuck_max_lag_s: 31 }));
  });

  it('block-complete holds with no false green among completed jobs, and not with one', () => {
    expect(assessD30Assumptions({ ...base, counts: { ...base.counts, completed_jobs: 5 } })[2]).toMatchObject({ holds: true, figure: 'false green 0' });
    expect(assessD30Assumptions({ ...base, false_green_count: 1, counts: { ...base.counts, completed_jobs: 5 } })[2].holds).toBe(false);
    expectMessages(assessD30Assumptions({ ...base, false_green_count: 1, counts: { ...base.counts, completed_jobs: 5 } }));
  });
});

describe.each(testDatabaseKinds())('D30 assumptions from real incidents on $name', (kind) => {
  let database: Database;
  const from = '2026-05-01T00:00:00.000Z';
  const to = '2026-05-03T00:00:00.000Z';

  async function event(job: string, phase: 'context' | 'upload' | 'progress', at: Date, opts: { exit?: number; output?: string } = {}) {
    const output = opts.output ?? '{"ok":true}';
    const id = randomUUID();
    await ingestHelperEvent(ctxAt(database, workerActor('w-1'), new Date(at.getTime() + 2000)), {
      id,
      job_id: job,
      worker_id: 'w-1',
      command: `pls ${phase} ${job}`,
      phase,
      exit_code: opts.exit ?? 0,
      output,
      output_hash: hashOutput(output),
      duration_ms: 100,
      created_at: at,
    });
    return id;
  }
  const assumptions = async (f = from, t = to) => {
    const m = await computeD30Metrics(database.db, { from: f, to: t, now: new Date(to) });
    expect(D30Metrics.safeParse(m).success).toBe(true);
    return m.assumptions;
  };

  beforeAll(async () => {
    database = await kind.open();
    // A fetch failure, retried by the runner, the retry works.
    const failed = await event('as-a', 'context', T('01T10:00:00'), FETCH_FAILED);
    await recordRepairAction(ctxAt(database, systemTestActor, T('01T10:00:05')), {
      job_id: 'as-a',
      trigger: 'fetch_failed',
      action: 'retry',
      authority: 'system',
      phase: 'context',
      evidence_event_ids: [failed],
    });
    await event('as-a', 'context', T('01T10:00:10'));
    // A job completed through the gate.
    const d = ctxAt(database, workerActor('w-1'), T('01T11:50:00'));
    await heartbeatLease(d, 'as-d', { worker_id: 'w-1', lease_expires_at: T('01T12:50:00') });
    await event('as-d', 'upload', T('01T11:55:00'));
    await recordArtifactEvidence(database.db, { jobId: 'as-d', workerId: 'w-1', passed: true, at: T('01T12:00:00') });
    await completeJob({ ...d, now: T('01T12:05:00') }, 'as-d', { worker_id: 'w-1', fencing_token: 1 });
    // A lease that expires at 08:00; the sweep 30 s after its queue_stuck deadline (grace 300 s).
    await heartbeatLease(ctxAt(database, workerActor('w-1'), T('01T07:50:00')), 'as-q', { worker_id: 'w-1', lease_expires_at: T('01T08:00:00') });
    await runSweep(ctxAt(database, systemTestActor, T('01T08:05:30')));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('an empty window tests nothing', async () => {
    expect((await assumptions('2026-04-01T00:00:00.000Z', '2026-04-02T00:00:00.000Z')).map((a) => a.holds)).toEqual([null, null, null]);
  });

  it('all three hold on a window where the retry worked, the gate held and queue_stuck was seen 30 s after its deadline', async () => {
    const a = await assumptions();
    expect(a.map((x) => x.holds)).toEqual([true, true, true]);
    expect(a[0].figure).toBe('retry success rate 100%');
    expect(a[1].figure).toBe('1 of 1 queue_stuck incidents detected within grace + 60 s');
    expect(a[1].detail).toMatch(/slowest took 30 s/);
  });

  it('queue stuck stops holding when a stuck job is detected 2 min after its deadline', async () => {
    await heartbeatLease(ctxAt(database, workerActor('w-1'), T('02T07:50:00')), 'as-late', { worker_id: 'w-1', lease_expires_at: T('02T08:00:00') });
    await runSweep(ctxAt(database, systemTestActor, T('02T08:07:00')));
    const a = await assumptions();
    expect(a[1]).toMatchObject({ holds: false, figure: '1 of 2 queue_stuck incidents detected within grace + 60 s' });
    expect(a[1].detail).toMatch(/slowest took 120 s, and 1 took longer/);
    expectMessages(a);
    expect(a[0].holds).toBe(true);
    expect(a[2].holds).toBe(true);
  });
});
