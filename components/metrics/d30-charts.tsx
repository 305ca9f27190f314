'use client';

import { useTranslations } from 'next-intl';
import { Bar, BarChart, CartesianGrid, Cell, Legend, type LegendPayload, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type Format, useFormat } from '@/components/lib/use-format';
import type { DailyPoint, SignalBar } from './map-d30';

// Counts are bars (one bar per day, nothing drawn between days); failures have a chart of their own;
// a day without any report is a grey "no data" column, never a zero; green/red follow the goals.
const axis = { fontSize: 11, fill: '#475569' };
const axisTitle = { fontSize: 11, fill: '#334155', fontWeight: 500 };
const grid = '#e2e8f0';
const colors = {
  // the no-data columns: a light grey a day with data never has
  events: '#4f46e5',
  failures: '#be123c',
  incidents: '#b45309',
  met: '#047857',
  missed: '#be123c',
  retries: '#64748b',
  noData: '#eef2f6',
};
const signalColors: Record<string, string> = {
  claim_no_output: '#b45309',
  fetch_failed: '#c2410c',
  lease_near_expiry: '#0369a1',
  lease_expired: '#be123c',
  queue_stuck: '#9f1239',
  artifact_gate_fail: '#4f46e5',
  no_progress: '#475569',
  loop_detected: '#7e22ce',
  worker_silent: '#334155',
};

const tooltipStyle = { borderRadius: 8, border: '1px solid #e2e8f0', boxShadow: '0 4px 12px rgba(15,23,42,0.08)', fontSize: 12 };

function ChartFrame({ title, description, children, height = 260, noDataDays }: { title: string; description: string; children: React.ReactElement; height?: number; noDataDays?: number }) {
  const t = useTranslations('metrics');
  return (
    <figure className="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-[0_1px_2px_rgba(15,23,42,0.04)] sm:p-5" aria-label={title}>
      <figcaption className="mb-3">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <p className="text-xs text-slate-600">{description}</p>
        {noDataDays ? (
          <p className="mt-1 flex items-center gap-1.5 text-xs text-slate-600">
            <span aria-hidden className="inline-block size-2.5 rounded-sm" style={{ background: colors.noData }} />
            {t('charts.noDataDays', { count: noDataDays })}
          </p>
        ) : null}
      </figcaption>
      <div style={{ height }} className="-ml-1">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The chart data with its day label ("Mar 4") and a full-height marker on the days without data (drawn on a hidden 0..1 axis). */
function withNoData(data: DailyPoint[], f: Format) {
  return data.map((d) => ({ ...d, label: f.day(d.day), noDataMark: d.noData ? 1 : 0 }));
}

function NoDataTooltip({ active, payload, label }: { active?: boolean; payload?: { name?: string; dataKey?: unknown; value?: number; color?: string; payload?: DailyPoint }[]; label?: string }) {
  const t = useTranslations('metrics');
  const f = useFormat();
  if (!active || !payload?.length) return null;
  const day = payload[0]?.payload;
  return (
    <div style={tooltipStyle} className="bg-white px-3 py-2">
      <p className="font-medium text-slate-900">{label}</p>
      {day?.noData ? (
        <p className="text-slate-600">{t('charts.noDataTip')}</p>
      ) : (
        payload
          .filter((p) => p.dataKey !== 'noDataMark')
          .map((p) => (
            <p key={p.name} className="text-slate-700">
              {t('charts.tipValue', { name: p.name ?? '', value: f.number(p.value) })}
            </p>
          ))
      )}
    </div>
  );
}

/**
 * The legend: a swatch and the series' name per item, the words in dark grey (the colour is in the swatch)
 * so they read whatever the series colour. Drawn here rather than by Recharts, whose icons carry an English
 * aria-label ("<name> legend icon"): the swatch is decoration, hidden from assistive tech; the name says it.
 */
function LegendList({ payload }: { payload?: readonly LegendPayload[] }) {
  if (!payload?.length) return null;
  return (
    <ul className="recharts-default-legend flex flex-wrap justify-center gap-x-3 gap-y-1 pt-1 text-xs">
      {payload
        .filter((e) => e.type !== 'none')
        .map((e, i) => (
          <li key={`${e.value}-${i}`} className={`recharts-legend-item legend-item-${i} inline-flex items-center gap-1 whitespace-nowrap`}>
            <span aria-hidden className="inline-block size-[9px] shrink-0" style={{ background: e.color }} />
            <span className="recharts-legend-item-text" style={{ color: '#334155' }}>
              {e.value}
            </span>
          </li>
        ))}
    </ul>
  );
}

/** Grid, day axis (titled), a count axis titled with its unit, the no-data columns, tooltip and legend. */
function dailyFrame(unit: string, words: { day: string; noData: string }, f: Format) {
  return [
    <CartesianGrid key="grid" vertical={false} stroke={grid} />,
    <XAxis
      key="x"
      dataKey="label"
      tick={axis}
      tickLine={false}
      axisLine={{ stroke: grid }}
      minTickGap={16}
      label={{ value: words.day, position: 'insideBottom', offset: -2, style: axisTitle }}
      height={40}
    />,
    <YAxis
      key="y"
      yAxisId="count"
      tick={axis}
      tickLine={false}
      axisLine={false}
      allowDecimals={false}
      tickFormatter={(v: number) => f.number(v)}
      width={48}
      label={{ value: unit, angle: -90, position: 'insideLeft', offset: 10, style: { ...axisTitle, textAnchor: 'middle' } }}
    />,
    <YAxis key="mark" yAxisId="mark" hide domain={[0, 1]} />,
    <Tooltip key="tip" content={<NoDataTooltip />} cursor={{ fill: '#f1f5f9' }} />,
    <Legend key="legend" wrapperStyle={{ fontSize: 12 }} content={({ payload }) => <LegendList payload={payload} />} />,
    <Bar key="nodata" yAxisId="mark" dataKey="noDataMark" name={words.noData} fill={colors.noData} barSize={10} isAnimationActive={false} legendType="square" />,
  ];
}

/** The words and formatter every daily chart needs. */
function useDaily() {
  const t = useTranslations('metrics');
  const f = useFormat();
  return { t, f, words: { day: t('charts.dayAxis'), noData: t('charts.noData') } };
}

export function ActivityChart({ data }: { data: DailyPoint[] }) {
  const { t, f, words } = useDaily();
  return (
    <ChartFrame title={t('charts.activity.title')} description={t('charts.activity.description')} noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data, f)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={0}>
        {dailyFrame(t('charts.activity.unit'), words, f)}
        <Bar yAxisId="count" dataKey="events" name={t('charts.activity.events')} fill={colors.events} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={22} />
      </BarChart>
    </ChartFrame>
  );
}

export function FailureChart({ data }: { data: DailyPoint[] }) {
  const { t, f, words } = useDaily();
  return (
    <ChartFrame title={t('charts.failures.title')} description={t('charts.failures.description')} noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data, f)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={1}>
        {dailyFrame(t('charts.failures.unit'), words, f)}
        <Bar yAxisId="count" dataKey="failures" name={t('charts.failures.failed')} fill={colors.failures} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
        <Bar yAxisId="count" dataKey="incidents" name={t('charts.failures.opened')} fill={colors.incidents} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
      </BarChart>
    </ChartFrame>
  );
}

export function GateChart({ data }: { data: DailyPoint[] }) {
  const { t, f, words } = useDaily();
  return (
    <ChartFrame title={t('charts.gate.title')} description={t('charts.gate.description')} noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data, f)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }}>
        {dailyFrame(t('charts.gate.unit'), words, f)}
        <Bar yAxisId="count" dataKey="gatePassed" name={t('charts.gate.passed')} stackId="gate" fill={colors.met} maxBarSize={22} isAnimationActive={false} />
        <Bar yAxisId="count" dataKey="gateFailed" name={t('charts.gate.failed')} stackId="gate" fill={colors.missed} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={22} />
      </BarChart>
    </ChartFrame>
  );
}

export function RetryChart({ data, goal }: { data: DailyPoint[]; goal: number | null }) {
  const { t, f, words } = useDaily();
  return (
    <ChartFrame
      title={t('charts.retries.title')}
      description={t('charts.retries.description', { hasGoal: goal === null ? 'no' : 'yes', goal: f.percent(goal) })}
      noDataDays={data.filter((d) => d.noData).length}
    >
      <BarChart data={withNoData(data, f)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={1}>
        {dailyFrame(t('charts.retries.unit'), words, f)}
        <Bar yAxisId="count" dataKey="retries" name={t('charts.retries.retries')} fill={colors.retries} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
        <Bar yAxisId="count" dataKey="retriesSucceeded" name={t('charts.retries.recovered')} fill={colors.met} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14}>
          {data.map((d) => (
            <Cell key={d.day} fill={d.retryGoalMet === false ? colors.missed : colors.met} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}

export function SignalChart({ data }: { data: SignalBar[] }) {
  const t = useTranslations('metrics');
  const f = useFormat();
  const bars = data.map((d) => ({ ...d, label: f.signal(d.signal) }));
  return (
    <ChartFrame title={t('charts.signals.title')} description={t('charts.signals.description')} height={300}>
      <BarChart data={bars} layout="vertical" margin={{ top: 0, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid horizontal={false} stroke={grid} />
        <XAxis
          type="number"
          tick={axis}
          tickLine={false}
          axisLine={false}
          allowDecimals={false}
          tickFormatter={(v: number) => f.number(v)}
          label={{ value: t('charts.signals.unit'), position: 'insideBottom', offset: -2, style: axisTitle }}
          height={36}
        />
        <YAxis type="category" dataKey="label" tick={axis} tickLine={false} axisLine={false} width={118} />
        <Tooltip contentStyle={tooltipStyle} cursor={{ fill: '#f1f5f9' }} formatter={(value) => (typeof value === 'number' ? f.number(value) : value)} />
        <Bar dataKey="count" name={t('charts.signals.incidents')} radius={[0, 4, 4, 0]} maxBarSize={22} isAnimationActive={false}>
          {bars.map((d) => (
            <Cell key={d.signal} fill={signalColors[d.signal] ?? '#64748b'} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}
