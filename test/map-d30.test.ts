import { describe, expect, it } from 'vitest';
import { type D30Response, mapD30, mapDaily, mapSignals } from '@/components/metrics/map-d30';

const day = (d: string, over: Partial<D30Response['series'][number]> = {}) => ({
  day: d,
  events: 0,
  failures: 0,
  incidents: 0,
  gate_passed: 0,
  gate_failed: 0,
  retries: 0,
  retries_succeeded: 0,
  ...over,
});

const base: D30Response = {
  coverage: 0.85,
  retry_success_rate: 0.75,
  gate_pass_rate: 0.9,
  false_green_count: 0,
  mttd_s: 42,
  mttr_s: 1800,
  incidents_by_signal: { fetch_failed: 3, lease_expired: 1 },
  series: [
    day('2026-03-03', { events: 10, failures: 2, incidents: 1, gate_passed: 4, gate_failed: 1, retries: 2, retries_succeeded: 1 }),
    day('2026-03-01', { events: 5, failures: 1, gate_passed: 2, retries: 2, retries_succeeded: 2 }),
  ],
  recommendation: {
    decision: 'continue',
    reasons: ['', 'coverage 85% meets the 80% goal'],
    reason_messages: [
      { key: 'noEvents', values: {} },
      { key: 'coverageMet', values: { coverage_rate: 0.85, covered: 17, failing: 20, goal_rate: 0.8 } },
    ],
    thresholds: { coverage_goal: 0.8, coverage_floor: 0.5, retry_success_min: 0.5, false_green_max: 0, mttd_max_s: 300, mttr_max_s: 1200 },
  },
  goal: { coverage: 0.8 },
  decisions: [
    { decision: 'continue', decided_at: '2026-03-02T00:00:00Z', decided_by: 'owner:a' },
    { decision: 'change_owner', decided_at: '2026-03-04T00:00:00Z', decided_by: 'owner:b' },
  ],
};

describe('mapD30', () => {
  it('sorts the days, fills the missing ones with zeros and derives daily rates', () => {
    const daily = mapDaily(base.series);
    expect(daily.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(daily[1]).toEqual({
      day: '2026-03-02',
      events: 0,
      failures: 0,
      incidents: 0,
      gatePassed: 0,
      gateFailed: 0,
      gatePassRate: null,
      retries: 0,
      retriesSucceeded: 0,
      retrySuccessRate: null,
      noData: true,
      retryGoalMet: null,
    });
    expect(daily[0]).toMatchObject({ day: '2026-03-01', gatePassRate: 1, retrySuccessRate: 1, noData: false });
    expect(daily[2]).toMatchObject({ events: 10, failures: 2, incidents: 1, gatePassed: 4, gateFailed: 1, gatePassRate: 0.8, retrySuccessRate: 0.5 });
  });

  it('accepts full ISO timestamps as days and sums duplicates of one day', () => {
    const daily = mapDaily([day('2026-03-01T00:00:00.000Z', { events: 2 }), day('2026-03-01', { events: 3, gate_failed: 1 })]);
    expect(daily).toHaveLength(1);
    expect(daily[0]).toMatchObject({ day: '2026-03-01', events: 5, gateFailed: 1, gatePassRate: 0 });
  });

  it('crosses month and year ends without losing a day', () => {
    const daily = mapDaily([day('2025-12-30'), day('2026-01-02')]);
    expect(daily.map((d) => d.day)).toEqual(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(mapDaily([day('2024-02-28'), day('2024-03-01')]).map((d) => d.day)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('lists every known signal in contract order with zeros, then unknown ones', () => {
    const bars = mapSignals({ lease_expired: 2, zzz_new: 1, fetch_failed: 4 });
    expect(bars.map((b) => [b.signal, b.count])).toEqual([
      ['claim_no_output', 0],
      ['fetch_failed', 4],
      ['lease_near_expiry', 0],
      ['lease_expired', 2],
      ['queue_stuck', 0],
      ['artifact_gate_fail', 0],
      ['no_progress', 0],
      ['loop_detected', 0],
      ['worker_silent', 0],
      ['zzz_new', 1],
    ]);
    expect(mapSignals(undefined)).toHaveLength(9);
  });

  it('colours the daily retries by the goal: met green, missed red, no retry no colour', () => {
    const daily = mapDaily(base.series, 0.6);
    expect(daily.map((d) => d.retryGoalMet)).toEqual([true, null, false]);
    expect(mapDaily(base.series).map((d) => d.retryGoalMet)).toEqual([null, null, null]);
  });

  it('compares coverage with the goal and gives each KPI its figure, kind and hint arguments (the page words them)', () => {
    const v = mapD30(base);
    expect(v.coverage).toEqual({ value: 0.85, goal: 0.8, met: true, gap: 0 });
    const kpi = Object.fromEntries(v.kpis.map((k) => [k.key, k]));
    expect(kpi.coverage).toMatchObject({ raw: 0.85, kind: 'percent', tone: 'success', hint: { goal: 0.8 } });
    expect(kpi.retry_success_rate).toMatchObject({ raw: 0.75, kind: 'percent', tone: 'success', hint: { recovered: 3, retries: 4 } });
    expect(kpi.gate_pass_rate).toMatchObject({ raw: 0.9, kind: 'percent', tone: 'neutral', hint: { passed: 6, failed: 1 } });
    expect(kpi.false_green_count).toMatchObject({ raw: 0, kind: 'count', tone: 'success' });
    expect(kpi.mttd_s).toMatchObject({ raw: 42, kind: 'duration', tone: 'success' });
    // every colour follows a goal of the recommendation: MTTR 30 min misses the 20 min goal of this answer
    expect(kpi.mttr_s).toMatchObject({ raw: 1800, kind: 'duration', tone: 'danger' });
    expect(mapD30({ ...base, recommendation: { decision: 'continue', reasons: [] } }).kpis.find((k) => k.key === 'mttr_s')!.tone).toBe('neutral');
    expect(v.totals).toEqual({ events: 15, failures: 3, incidents: 1, gatePassed: 6, gateFailed: 1, retries: 4, retriesSucceeded: 3 });
    expect(v.hasActivity).toBe(true);
  });

  it('flags a coverage below the goal with the gap, and a false green as danger', () => {
    const v = mapD30({ ...base, coverage: 0.5, false_green_count: 2, goal: { coverage: 0.8 } });
    expect(v.coverage.met).toBe(false);
    expect(v.coverage.gap).toBeCloseTo(0.3);
    expect(v.kpis.find((k) => k.key === 'coverage')!.tone).toBe('danger');
    expect(v.kpis.find((k) => k.key === 'false_green_count')!.tone).toBe('danger');
  });

  it('gives no figure (the page shows a dash), not zeros or NaN, when there is nothing to measure', () => {
    const v = mapD30({
      coverage: null,
      retry_success_rate: null,
      gate_pass_rate: null,
      false_green_count: null,
      mttd_s: null,
      mttr_s: null,
      incidents_by_signal: {},
      series: [],
      recommendation: { decision: 'escalate_to_watchdog_agent', reasons: [] },
    });
    expect(v.kpis.map((k) => k.raw)).toEqual([null, null, null, null, null, null]);
    expect(v.kpis.every((k) => k.tone === 'neutral')).toBe(true);
    expect(v.coverage).toEqual({ value: null, goal: 0.8, met: false, gap: null });
    expect(v.daily).toEqual([]);
    expect(v.hasActivity).toBe(false);
    expect(v.recommendation).toEqual({ decision: 'escalate_to_watchdog_agent', reasons: [] });
  });

  it('passes the assumptions and reasons with their messages, and without them from a server that sends none', () => {
    const message = { key: 'falseGreen', values: { count: 0 } };
    const v = mapD30({
      ...base,
      recommendation: { decision: 'continue', reasons: ['a reason'] },
      assumptions: [
        { text: 'A', holds: true, figure: 'false green 0', detail: 'D', text_message: { key: 'oneRetry', values: {} }, figure_message: message, detail_message: { key: 'retryUntested', values: {} } },
        { text: 'B', holds: null, figure: 'F', detail: 'D' } as unknown as NonNullable<D30Response['assumptions']>[number],
      ],
    });
    expect(v.recommendation.reasons).toEqual([{ text: 'a reason', message: null }]);
    expect(v.assumptions[0]).toMatchObject({ figure: 'false green 0', figure_message: message });
    expect(v.assumptions[1]).toMatchObject({ text: 'B', text_message: null, figure_message: null, detail_message: null });
  });

  it('keeps the recommendation reasons that say something and lists decisions newest first', () => {
    const v = mapD30(base);
    // each reason keeps its own message (the empty one dropped with its message)
    expect(v.recommendation).toEqual({
      decision: 'continue',
      reasons: [{ text: 'coverage 85% meets the 80% goal', message: { key: 'coverageMet', values: { coverage_rate: 0.85, covered: 17, failing: 20, goal_rate: 0.8 } } }],
    });
    expect(v.decisions.map((d) => d.decided_by)).toEqual(['owner:b', 'owner:a']);
  });
});
