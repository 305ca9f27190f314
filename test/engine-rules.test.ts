import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { auditLog, ruleSets } from '@/db/schema';
import { RulesPutInput } from '@/lib/schemas/admin';
import { defaultRules, getCurrentRules, getRuleVersion, listRuleVersions, mergeRules, updateRules } from '@/lib/watchdog/rules';
import { ctxAt, ownerActor, testDatabaseKinds } from './helpers/db';

const t0 = new Date('2026-07-01T00:00:00Z');

describe('mergeRules validation', () => {
  it.each([
    ['an unknown param', [{ signal: 'claim_no_output' as const, threshold: 30, params: { bogus: 1 } }], 'rules.0.params.bogus'],
    ['a zero claim timeout', [{ signal: 'claim_no_output' as const, threshold: 0 }], 'rules.0.threshold'],
    ['a zero near-expiry window', [{ signal: 'lease_near_expiry' as const, threshold: 0 }], 'rules.0.threshold'],
    ['too many retries', [{ signal: 'fetch_failed' as const, threshold: 3, params: { max_retries: 9 } }], 'rules.0.params.max_retries'],
    ['a non-numeric param', [{ signal: 'fetch_failed' as const, threshold: 3, params: { max_retries: 'two' } }], 'rules.0.params.max_retries'],
    ['an impossible status', [{ signal: 'artifact_gate_fail' as const, threshold: 1, params: { expected_status: 42 } }], 'rules.0.params.expected_status'],
    ['threshold and its param disagreeing', [{ signal: 'queue_stuck' as const, threshold: 100, params: { grace_s: 200 } }], 'rules.0.params.grace_s'],
  ])('refuses %s with the field path', (_name, input, path) => {
    try {
      mergeRules(defaultRules, input);
      expect.unreachable('should refuse');
    } catch (e) {
      expect(e).toMatchObject({ code: 'validation_failed' });
      expect((e as { details: { path: string }[] }).details.map((d) => d.path)).toContain(path);
    }
  });

  it('the schema refuses unknown signals, negative thresholds and a signal twice', () => {
    expect(RulesPutInput.safeParse({ rules: [{ signal: 'cosmic_rays', threshold: 1 }] }).success).toBe(false);
    // a negative threshold passes the schema and is refused by mergeRules, naming the rule
    expect(() => mergeRules(defaultRules, [{ signal: 'queue_stuck', threshold: -1 }])).toThrow(/queue_stuck/);
    expect(
      RulesPutInput.safeParse({
        rules: [
          { signal: 'queue_stuck', threshold: 1 },
          { signal: 'queue_stuck', threshold: 2 },
        ],
      }).success,
    ).toBe(false);
    expect(RulesPutInput.safeParse({ rules: [] }).success).toBe(false);
  });

  it('threshold and the primary param mirror each other, whichever was given', () => {
    const byThreshold = mergeRules(defaultRules, [{ signal: 'queue_stuck', threshold: 600 }]);
    expect(byThreshold.find((r) => r.signal === 'queue_stuck')).toMatchObject({ threshold: 600, params: { grace_s: 600 } });
    const byParam = mergeRules(defaultRules, [{ signal: 'queue_stuck', threshold: 300, params: { grace_s: 900 } }]);
    expect(byParam.find((r) => r.signal === 'queue_stuck')).toMatchObject({ threshold: 900, params: { grace_s: 900 } });
    const both = mergeRules(defaultRules, [{ signal: 'queue_stuck', threshold: 120, params: { grace_s: 120 } }]);
    expect(both.find((r) => r.signal === 'queue_stuck')).toMatchObject({ threshold: 120, params: { grace_s: 120 } });
    // untouched signals stay as they were
    expect(byThreshold.find((r) => r.signal === 'fetch_failed')).toEqual(defaultRules.find((r) => r.signal === 'fetch_failed'));
  });
});

describe.each(testDatabaseKinds())('rule versions on $name', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  const owner = (s = 0) => ctxAt(database, ownerActor, new Date(t0.getTime() + s * 1000));

  it('version 1 holds the API.md defaults', async () => {
    const v1 = await getCurrentRules(database.db);
    expect(v1.version).toBe(1);
    const byName = Object.fromEntries(v1.rules.map((r) => [r.signal, r.params]));
    expect(byName).toEqual({
      claim_no_output: { timeout_s: 30, max_retries: 1, severity: 'warning' },
      fetch_failed: { retry_delay_s: 3, max_retries: 1, severity: 'warning' },
      lease_near_expiry: { within_s: 180, severity: 'warning' },
      lease_expired: { grace_s: 0, severity: 'critical' },
      queue_stuck: { grace_s: 300, severity: 'critical' },
      artifact_gate_fail: { expected_status: 200, min_files: 1, severity: 'critical' },
      no_progress: { quiet_s: 900, severity: 'warning' },
      loop_detected: { repeats: 5, window_s: 1800, severity: 'critical' },
      worker_silent: { silent_s: 600, severity: 'warning' },
    });
    expect(v1.rules.every((r) => r.enabled)).toBe(true);
  });

  it('each PUT that changes something makes a new version, old versions are kept, the change is audited', async () => {
    const v2 = await updateRules(owner(1), [{ signal: 'claim_no_output', threshold: 20 }], 'faster claims');
    expect(v2).toMatchObject({ version: 2, updated_by: ownerActor.label, updated_at: new Date(t0.getTime() + 1000).toISOString() });
    const v3 = await updateRules(owner(2), [{ signal: 'claim_no_output', threshold: 25 }]);
    expect(v3.version).toBe(3);
    expect((await getCurrentRules(database.db)).version).toBe(3);
    expect((await getRuleVersion(database.db, 1))?.rules).toEqual(defaultRules);
    expect((await listRuleVersions(database.db)).map((v) => v.version)).toEqual([3, 2, 1]);
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.action, 'rules.update'));
    expect(audits.map((a) => a.target)).toEqual(['rules:v2', 'rules:v3']);
    expect(audits[0].details).toMatchObject({ version: 2, previous_version: 1, note: 'faster claims', changed: [{ signal: 'claim_no_output', threshold_before: 30, threshold_after: 20 }] });
    // the same rules again: the version in force answers, none is created, nothing is audited
    const same = await updateRules(owner(3), [{ signal: 'claim_no_output', threshold: 25 }]);
    expect(same).toEqual(v3);
    expect((await listRuleVersions(database.db)).map((v) => v.version)).toEqual([3, 2, 1]);
    expect(await database.db.select().from(auditLog).where(eq(auditLog.action, 'rules.update'))).toHaveLength(2);
  });

  it('an invalid PUT changes nothing', async () => {
    const before = await database.db.select().from(ruleSets);
    const auditsBefore = await database.db.select().from(auditLog);
    await expect(updateRules(owner(3), [{ signal: 'lease_near_expiry', threshold: 0 }])).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await database.db.select().from(ruleSets)).toHaveLength(before.length);
    expect(await database.db.select().from(auditLog)).toHaveLength(auditsBefore.length);
  });

  if (kind.name === 'postgres') {
    it('concurrent PUTs get distinct consecutive versions', async () => {
      const start = (await getCurrentRules(database.db)).version;
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => updateRules(owner(10 + i), [{ signal: 'queue_stuck', threshold: 301 + i }])));
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 6 }, (_, i) => start + 1 + i));
    });
  }
});
