// The set-based ingest path: healthy events stored in one statement guarded by the rules version,
// batch runs that give exactly what posting the events one by one would give.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { helperEvents, incidents } from '@/db/schema';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { hashOutput } from '@/lib/watchdog/hash';
import { ingestHelperEvent, ingestHelperEventBatch } from '@/lib/watchdog/events';
import { getCurrentRules, mergeRules } from '@/lib/watchdog/rules';
import { ctxAt, systemTestActor, testDatabaseKinds, workerActor } from './helpers/db';

const t0 = new Date('2026-04-01T09:00:00Z');

function event(jobId: string, over: Partial<HelperEventInput> & { output?: string } = {}): HelperEventInput {
  const output = over.output ?? '{"ok":true}';
  return {
    id: randomUUID(),
    job_id: jobId,
    worker_id: 'w-1',
    command: `pls upload-files ${jobId}`,
    phase: 'upload',
    exit_code: 0,
    duration_ms: 150,
    ...over,
    output,
    output_hash: over.output_hash ?? hashOutput(output),
  };
}
const fetchFail = (jobId: string) => event(jobId, { exit_code: 1, output: '500 TypeError: fetch failed' });
const slowClaim = (jobId: string) => event(jobId, { command: 'pls claim', phase: 'claim', output: 'still waiting', duration_ms: 12_000 });
const details = () => 'details';

describe.each(testDatabaseKinds())('ingest fast path on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const system = () => ctxAt(database, systemTestActor, t0);
  const jobIncidents = (jobId: string) => database.db.select().from(incidents).where(eq(incidents.jobId, jobId));

  it('a batch gives what posting one by one in order gives: failure, recovery, replay, conflict, another job', async () => {
    const job = `fp-order-${randomUUID().slice(0, 8)}`;
    const fail = fetchFail(job);
    const recovery = event(job);
    const second = event(job);
    const other = event(`${job}-b`);
    const results = await ingestHelperEventBatch(system(), [fail, recovery, second, { ...recovery }, { ...recovery, exit_code: 3 }, other], details);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 200, 409, 201]);
    expect(results[4].error?.code).toBe('idempotency_conflict');
    expect(results.map((r) => r.id)).toEqual([fail.id, recovery.id, second.id, recovery.id, recovery.id, other.id]);
    const [inc] = await jobIncidents(job);
    expect(inc).toMatchObject({ signal: 'fetch_failed', status: 'resolved' });
    // the first healthy event after the failure is the proof of recovery
    expect(inc.resolution).toContain(recovery.id);
    const stored = await database.db.select().from(helperEvents).where(eq(helperEvents.jobId, job));
    expect(stored).toHaveLength(3);
  });

  it('a healthy event in a batch before the failure does not resolve it', async () => {
    const job = `fp-before-${randomUUID().slice(0, 8)}`;
    const results = await ingestHelperEventBatch(system(), [event(job), fetchFail(job)], details);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    expect((await jobIncidents(job)).map((i) => i.status)).toEqual(['open']);
  });

  it('rules changed behind this process (another instance) are used for the next event, single and batch', async () => {
    const healthyUnderV1 = await ingestHelperEvent(ctxAt(database, workerActor('w-1'), t0), slowClaim(`fp-rules-${randomUUID().slice(0, 8)}`));
    expect(healthyUnderV1.body.classification.signal).toBeNull();
    const current = await getCurrentRules(database.db);
    // written straight into the table, as another console instance would: this process is not told
    const version = current.version + 1;
    const rules = mergeRules(current.rules, [{ signal: 'claim_no_output', threshold: 10 }]);
    await database.db.execute(
      sql`insert into rule_sets (version, rules, updated_at, updated_by, updated_by_role) values (${version}, ${JSON.stringify(rules)}::jsonb, now(), 'owner:other-instance', 'owner')`,
    );
    try {
      const single = await ingestHelperEvent(ctxAt(database, workerActor('w-1'), t0), slowClaim(`fp-rules-${randomUUID().slice(0, 8)}`));
      expect(single.body.classification).toMatchObject({ signal: 'claim_no_output', rule_version: version });
      const back = mergeRules(rules, [{ signal: 'claim_no_output', threshold: 30 }]);
      await database.db.execute(
        sql`insert into rule_sets (version, rules, updated_at, updated_by, updated_by_role) values (${version + 1}, ${JSON.stringify(back)}::jsonb, now(), 'owner:other-instance', 'owner')`,
      );
      const job = `fp-rules-batch-${randomUUID().slice(0, 8)}`;
      const batch = await ingestHelperEventBatch(system(), [slowClaim(job), event(job)], details);
      expect(batch.map((r) => [r.status, r.classification?.signal, r.classification?.rule_version])).toEqual([
        [201, null, version + 1],
        [201, null, version + 1],
      ]);
      const rows = await database.db
        .select()
        .from(helperEvents)
        .where(and(eq(helperEvents.jobId, job)));
      expect(rows.map((r) => r.ruleVersion)).toEqual([version + 1, version + 1]);
    } finally {
      await database.db.execute(sql`delete from rule_sets where version > ${current.version}`);
    }
  });
});
