/**
 * The D30 review: GET /api/watchdog/metrics/d30 → what the metrics page draws.
 * Pure (no React, no DOM) so the chart data is unit-tested on its own. No words: figures, keys and
 * their arguments; the page words and formats them in the reader's language (metrics messages).
 */
import type { D30Assumption as D30AssumptionRecord, D30DecisionRecord, D30Metrics, D30SeriesDay } from '@/lib/schemas/metrics';
import type { TextMessage } from '@/lib/schemas/message';
import { signalOrder } from '@/components/lib/format';

/**
 * An assumption of the rollout with its verdict from the window's evidence (lib/schemas/metrics.ts D30Assumption):
 * the English sentences and, when the server sends them, their messages (the page says those in the reader's language).
 */
export type D30Assumption = Pick<D30AssumptionRecord, 'text' | 'holds' | 'figure' | 'detail'> & {
  text_message?: TextMessage | null;
  figure_message?: TextMessage | null;
  detail_message?: TextMessage | null;
};

/** A reason of the recommendation: the server's English and, when it sends one, its message. */
export interface D30Reason {
  text: string;
  message: TextMessage | null;
}

/** A recorded owner decision, as much of it as the page shows (lib/schemas/metrics.ts D30DecisionRecord). */
export type D30Decision = Pick<D30DecisionRecord, 'decision' | 'decided_at' | 'decided_by'> & Partial<Pick<D30DecisionRecord, 'id' | 'note'>>;

/** What the page reads of `GET /api/watchdog/metrics/d30` (lib/schemas/metrics.ts D30Metrics). */
export type D30Response = Pick<D30Metrics, 'coverage' | 'retry_success_rate' | 'gate_pass_rate' | 'mttd_s' | 'mttr_s' | 'series'> & {
  /** null when nothing was measured (the mapper shows a dash) */
  false_green_count: number | null;
  incidents_by_signal: Partial<D30Metrics['incidents_by_signal']>;
  recommendation: Pick<D30Metrics['recommendation'], 'decision' | 'reasons'> & Partial<Pick<D30Metrics['recommendation'], 'thresholds' | 'reason_messages'>>;
  goal?: Partial<D30Metrics['goal']>;
  decisions?: D30Decision[];
  assumptions?: D30Assumption[];
};

export type KpiTone = 'success' | 'warning' | 'danger' | 'neutral';

export interface Kpi {
  /** also the key of its label and hint in the metrics messages (`kpi.<key>.label`, `kpi.<key>.hint`) */
  key: 'coverage' | 'retry_success_rate' | 'gate_pass_rate' | 'false_green_count' | 'mttd_s' | 'mttr_s';
  /** how the page formats `raw` */
  kind: 'percent' | 'count' | 'duration';
  raw: number | null;
  tone: KpiTone;
  /** the hint's arguments: rates as fractions (`goal`), counts as numbers */
  hint: Record<string, number>;
}

export interface DailyPoint {
  day: string;
  events: number;
  failures: number;
  incidents: number;
  gatePassed: number;
  gateFailed: number;
  /** null when no check ran that day */
  gatePassRate: number | null;
  retries: number;
  retriesSucceeded: number;
  retrySuccessRate: number | null;
  /** nothing was reported that day (no event, check, retry or incident): drawn as "no data", never as a zero */
  noData: boolean;
  /** the day's retry success met the goal (null: no retry that day or no goal known) */
  retryGoalMet: boolean | null;
}

export interface SignalBar {
  signal: string;
  count: number;
}

export interface D30View {
  coverage: { value: number | null; goal: number; met: boolean; gap: number | null };
  kpis: Kpi[];
  daily: DailyPoint[];
  bySignal: SignalBar[];
  totals: { events: number; failures: number; incidents: number; gatePassed: number; gateFailed: number; retries: number; retriesSucceeded: number };
  recommendation: { decision: string; reasons: D30Reason[] };
  /** newest first */
  decisions: D30Decision[];
  /** the seed's assumptions and their verdict from the figures */
  assumptions: D30Assumption[];
  hasActivity: boolean;
  /** the goals the colours follow (the recommendation's thresholds), null when the answer has none */
  goals: D30Metrics['recommendation']['thresholds'] | null;
}

export const DEFAULT_COVERAGE_GOAL = 0.8;
const DAY_MS = 86_400_000;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const count = (v: unknown): number => finite(v) ?? 0;
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** A message as the server sent it, or null when it sent none (or something else). */
function messageOf(m: unknown): TextMessage | null {
  if (!m || typeof m !== 'object') return null;
  const { key, values } = m as Partial<TextMessage>;
  return typeof key === 'string' && values !== null && typeof values === 'object' ? { key, values } : null;
}

/** "2026-03-04" or a full ISO time → "2026-03-04" (UTC day). */
export function dayKey(day: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  const d = new Date(day);
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 10) : day;
}

/** Days sorted, duplicates summed, and missing days inside the range filled with zeros. */
export function mapDaily(series: D30SeriesDay[], retryGoal: number | null = null): DailyPoint[] {
  const byDay = new Map<string, D30SeriesDay>();
  for (const s of series ?? []) {
    const key = dayKey(s.day);
    const prev = byDay.get(key);
    byDay.set(key, {
      day: key,
      events: count(prev?.events) + count(s.events),
      failures: count(prev?.failures) + count(s.failures),
      incidents: count(prev?.incidents) + count(s.incidents),
      gate_passed: count(prev?.gate_passed) + count(s.gate_passed),
      gate_failed: count(prev?.gate_failed) + count(s.gate_failed),
      retries: count(prev?.retries) + count(s.retries),
      retries_succeeded: count(prev?.retries_succeeded) + count(s.retries_succeeded),
    });
  }
  const keys = [...byDay.keys()].filter((k) => /^\d{4}-\d{2}-\d{2}$/.test(k)).sort();
  if (!keys.length) return [];
  const out: DailyPoint[] = [];
  const first = Date.parse(`${keys[0]}T00:00:00Z`);
  const last = Date.parse(`${keys[keys.length - 1]}T00:00:00Z`);
  for (let t = first; t <= last; t += DAY_MS) {
    const key = new Date(t).toISOString().slice(0, 10);
    const s = byDay.get(key);
    const gatePassed = count(s?.gate_passed);
    const gateFailed = count(s?.gate_failed);
    const retries = count(s?.retries);
    const retriesSucceeded = count(s?.retries_succeeded);
    const events = count(s?.events);
    const incidents = count(s?.incidents);
    out.push({
      day: key,
      events,
      failures: count(s?.failures),
      incidents,
      gatePassed,
      gateFailed,
      gatePassRate: ratio(gatePassed, gatePassed + gateFailed),
      retries,
      retriesSucceeded,
      retrySuccessRate: ratio(retriesSucceeded, retries),
      noData: !s || (events === 0 && incidents === 0 && gatePassed + gateFailed === 0 && retries === 0 && count(s.failures) === 0),
      retryGoalMet: retries > 0 && retryGoal !== null ? retriesSucceeded / retries >= retryGoal : null,
    });
  }
  return out;
}

/** Every known signal in the contract's order (zeros included), then any other signal the API reports. */
export function mapSignals(bySignal: Record<string, number> | null | undefined): SignalBar[] {
  const src = bySignal ?? {};
  const known: SignalBar[] = signalOrder.map((s) => ({ signal: s, count: count(src[s]) }));
  const extra = Object.keys(src)
    .filter((s) => !(signalOrder as readonly string[]).includes(s))
    .sort()
    .map((s) => ({ signal: s, count: count(src[s]) }));
  return [...known, ...extra];
}

/** Met the goal: green; missed it: red; nothing measured or no goal: neutral. */
function goalTone(v: number | null, goal: number | null | undefined, better: 'higher' | 'lower'): KpiTone {
  if (v === null || goal === null || goal === undefined) return 'neutral';
  return (better === 'higher' ? v >= goal : v <= goal) ? 'success' : 'danger';
}

export function mapD30(d: D30Response): D30View {
  const goal = finite(d.goal?.coverage) ?? DEFAULT_COVERAGE_GOAL;
  const t = d.recommendation?.thresholds;
  const coverage = finite(d.coverage);
  const daily = mapDaily(d.series ?? [], finite(t?.retry_success_min));
  const totals = daily.reduce(
    (t, p) => ({
      events: t.events + p.events,
      failures: t.failures + p.failures,
      incidents: t.incidents + p.incidents,
      gatePassed: t.gatePassed + p.gatePassed,
      gateFailed: t.gateFailed + p.gateFailed,
      retries: t.retries + p.retries,
      retriesSucceeded: t.retriesSucceeded + p.retriesSucceeded,
    }),
    { events: 0, failures: 0, incidents: 0, gatePassed: 0, gateFailed: 0, retries: 0, retriesSucceeded: 0 },
  );
  const falseGreen = finite(d.false_green_count);
  const mttd = finite(d.mttd_s);
  const mttr = finite(d.mttr_s);
  const retry = finite(d.retry_success_rate);
  const gate = finite(d.gate_pass_rate);
  const kpis: Kpi[] = [
    {
      key: 'coverage',
      kind: 'percent',
      raw: coverage,
      tone: goalTone(coverage, goal, 'higher'),
      hint: { goal },
    },
    {
      key: 'retry_success_rate',
      kind: 'percent',
      raw: retry,
      tone: goalTone(retry, t?.retry_success_min, 'higher'),
      hint: { recovered: totals.retriesSucceeded, retries: totals.retries },
    },
    {
      key: 'gate_pass_rate',
      kind: 'percent',
      raw: gate,
      // no goal of its own: the gate's goal is "no false green" (the next figure)
      tone: 'neutral',
      hint: { passed: totals.gatePassed, failed: totals.gateFailed },
    },
    {
      key: 'false_green_count',
      kind: 'count',
      raw: falseGreen,
      tone: goalTone(falseGreen, t?.false_green_max ?? 0, 'lower'),
      hint: {},
    },
    {
      key: 'mttd_s',
      kind: 'duration',
      raw: mttd,
      tone: goalTone(mttd, t?.mttd_max_s, 'lower'),
      hint: {},
    },
    {
      key: 'mttr_s',
      kind: 'duration',
      raw: mttr,
      tone: goalTone(mttr, t?.mttr_max_s, 'lower'),
      hint: {},
    },
  ];
  return {
    coverage: { value: coverage, goal, met: coverage !== null && coverage >= goal, gap: coverage === null ? null : Math.max(0, goal - coverage) },
    kpis,
    daily,
    bySignal: mapSignals(d.incidents_by_signal),
    totals,
    recommendation: {
      decision: d.recommendation?.decision ?? 'continue',
      reasons: (d.recommendation?.reasons ?? [])
        .map((text, i) => ({ text, message: messageOf(d.recommendation?.reason_messages?.[i]) }))
        .filter((r) => typeof r.text === 'string' && r.text.trim() !== ''),
    },
    decisions: [...(d.decisions ?? [])].filter((x) => x && typeof x.decision === 'string').sort((a, b) => String(b.decided_at ?? '').localeCompare(String(a.decided_at ?? ''))),
    assumptions: (d.assumptions ?? [])
      .filter((a) => a && typeof a.text === 'string')
      .map((a) => ({
        text: a.text,
        holds: typeof a.holds === 'boolean' ? a.holds : null,
        figure: String(a.figure ?? ''),
        detail: String(a.detail ?? ''),
        text_message: messageOf(a.text_message),
        figure_message: messageOf(a.figure_message),
        detail_message: messageOf(a.detail_message),
      })),
    hasActivity: daily.some((p) => p.events || p.incidents || p.gatePassed || p.gateFailed || p.retries),
    goals: t ?? null,
  };
}
