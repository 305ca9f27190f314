import { describe, expect, it } from 'vitest';
import { ENGLISH_TEXT_FORMATS, textArguments, textValueKind } from '@/lib/i18n/text-message';
import { assessD30Assumptions, recommendD30 } from '@/lib/watchdog/metrics';
import { sayMessage } from './helpers/text-message';

// The English the API composed by hand before its sentences became messages: the messages must say the same,
// word for word, whatever the counts (one and many, zero, thousands unseparated) and figures.
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const secs = (v: number) => (v >= 120 ? `${Math.round(v / 6) / 10} min` : `${v} s`);
const when = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

describe('the server sentences as messages', () => {
  it('names each value kind by its name', () => {
    expect(['at', 'first_at', 'rate', 'min_rate', 'mttd_s', 'decision', 'count', 'by'].map(textValueKind)).toEqual(['time', 'time', 'percent', 'percent', 'duration', 'decision', 'plain', 'plain']);
    expect(textArguments({ at: '2026-12-01T07:44:59.000Z', rate: 1 / 3, max_s: 300, decision: 'change_owner', count: 1000, by: 'owner:a' }, ENGLISH_TEXT_FORMATS)).toEqual({
      at: '2026-12-01 07:44 UTC',
      rate: '33.3%',
      max_s: '5 min',
      decision: 'change owner',
      count: 1000,
      by: 'owner:a',
    });
  });

  it('says the overview details as the API always did', () => {
    const at = '2026-12-01T07:44:10.000Z';
    const say = (key: string, values: Record<string, string | number> = {}) => sayMessage('en', 'overview.detail', { key, values });
    for (const n of [0, 1, 2, 1000, 123456]) {
      expect(say('accounts', { owners: n, supervisors: 1 })).toBe(`${plural(n, 'owner')} and ${plural(1, 'supervisor')} can sign in`);
      expect(say('tokens', { count: n })).toBe(plural(n, 'active worker or system token'));
      expect(say('events', { count: n, at })).toBe(`${plural(n, 'helper event')} received in the last 24 h, the latest at ${when(at)}`);
      expect(say('sweepsOverdue', { count: n, tolerance: 120 })).toBe(`${plural(n, 'lease')} past expiry for over 120 s without a sweep: is the scheduler running?`);
      expect(say('incidents', { count: n, at })).toBe(`${plural(n, 'incident')} recorded, the first at ${when(at)}`);
      expect(say('rulesDefaultsSince', { version: n })).toBe(`only the defaults (v1 to v${n}, none by an owner) are in force; the owner reviews and saves the rules`);
    }
    expect(say('accountsMissing', { missing: 'both' })).toBe('missing an owner and a supervisor account (watchdog user create)');
    expect(say('accountsMissing', { missing: 'owner' })).toBe('missing an owner account (watchdog user create)');
    expect(say('accountsMissing', { missing: 'supervisor' })).toBe('missing a supervisor account (watchdog user create)');
    expect(say('noTokens')).toBe('no active worker or system token (watchdog token create --role worker)');
    expect(say('artifactCheck', { result: 'failed', at })).toBe(`latest artifact check failed at ${when(at)}`);
    expect(say('artifactCheck', { result: 'passed', at })).toBe(`latest artifact check passed at ${when(at)}`);
    expect(say('sweepFinding', { at })).toBe(`latest sweep finding at ${when(at)}; no lease overdue`);
    expect(say('decision', { decision: 'escalate_to_watchdog_agent', by: 'owner:o@x', at })).toBe(`escalate to watchdog agent — recorded by owner:o@x on ${when(at)}`);
    expect(say('rulesDefaults')).toBe('only the defaults (v1) are in force; the owner reviews and saves the rules');
  });

  it('says the D30 assumptions and reasons as the API always did', () => {
    for (const [retries, ok] of [
      [3, 1],
      [1000, 999],
      [7, 7],
    ]) {
      const a = assessD30Assumptions({
        retry_success_rate: Math.round((ok / retries) * 1e4) / 1e4,
        false_green_count: 2,
        counts: { retries, retries_succeeded: ok, completed_jobs: 1500 },
        queue_stuck: 1200,
        queue_stuck_late: 3,
        queue_stuck_max_lag_s: 199.6,
      });
      expect(a[0].figure).toBe(`retry success rate ${pct(Math.round((ok / retries) * 1e4) / 1e4)}`);
      expect(a[0].detail).toBe(`${ok} of ${retries} automatic retries succeeded; it holds at 50% or more.`);
      expect(a[1].figure).toBe('1197 of 1200 queue_stuck incidents detected within grace + 60 s');
      expect(a[1].detail).toBe('Every queue_stuck incident must be detected within 60 s of its deadline (lease expiry + grace); the slowest took 200 s, and 3 took longer.');
      expect(a[2].detail).toBe('2 of 1500 completed jobs completed after a block without a later passing artifact check; it holds at 0.');
    }
    const counts = {
      events: 10,
      failing_jobs: 1500,
      covered_jobs: 1000,
      failure_events: 0,
      unclassified_failure_events: 2000,
      incident_failures: 0,
      uncovered_incident_failures: 0,
      failed_checks: 0,
      uncovered_failed_checks: 0,
      retries: 3,
      retries_succeeded: 1,
      checks: 0,
      checks_passed: 0,
      completed_jobs: 4000,
      incidents: 11,
      incidents_resolved: 1000,
      incidents_open: 0,
    };
    const r = recommendD30({ coverage: 0.6667, retry_success_rate: 0.3333, gate_pass_rate: null, false_green_count: 0, mttd_s: 996.4, mttr_s: 20000, counts });
    expect(r.reasons).toEqual([
      `coverage 66.7% (1000 of 1500 failing jobs fully classified) is below the goal 80%; 2000 unknown error event(s)`,
      'retry success 33.3% (1 of 3 automatic retries) is below 50%',
      `mean time to detect ${secs(996.4)} is over 5 min (11 incident(s))`,
      `mean time to resolve ${secs(20000)} is over 240 min (1000 resolved incident(s))`,
    ]);
    expect(r.reasons[2]).toBe('mean time to detect 16.6 min is over 5 min (11 incident(s))');
  });

  it('takes every argument in Chinese, and words the kinds the Chinese way', () => {
    expect(sayMessage('zh-Hant', 'overview.detail', { key: 'accounts', values: { owners: 1234, supervisors: 1 } })).toBe('1,234 位擁有者與 1 位督導可以登入');
    expect(sayMessage('zh-Hant', 'metrics.reason', { key: 'mttdOver', values: { mttd_s: 996, max_s: 300, incidents: 11 } })).toBe('平均偵測時間 [dur 996] 超過 [dur 300]（11 起事件）');
  });
});
