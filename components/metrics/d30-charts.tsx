'use client';

import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
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
  return (
    <figure className="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-[0_1px_2px_rgba(15,23,42,0.04)] sm:p-5" aria-label={title}>
      <figcaption className="mb-3">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <p className="text-xs text-slate-600">{description}</p>
        {noDataDays ? (
          <p className="mt-1 flex items-center gap-1.5 text-xs text-slate-600">
            <span aria-hidden className="inline-block size-2.5 rounded-sm" style={{ background: colors.noData }} />
            {noDataDays === 1 ? '1 day with no data (grey): nothing was reported that day.' : `${noDataDays} days with no data (grey): nothing was reported on them.`}
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

/** The chart data with a full-height marker on the days without data (drawn on a hidden 0..1 axis). */
function withNoData(data: DailyPoint[]) {
  return data.map((d) => ({ ...d, noDataMark: d.noData ? 1 : 0 }));
}

function NoDataTooltip({ active, payload, label }: { active?: boolean; payload?: { name?: string; value?: number; color?: string; payload?: DailyPoint }[]; label?: string }) {
  if (!active || !payload?.length) return null;
  const day = payload[0]?.payload;
  return (
    <div style={tooltipStyle} className="bg-white px-3 py-2">
      <p className="font-medium text-slate-900">{label}</p>
      {day?.noData ? (
        <p className="text-slate-600">no data</p>
      ) : (
        payload
          .filter((p) => p.name !== 'No data')
          .map((p) => (
            <p key={p.name} className="text-slate-700">
              {p.name}: {p.value}
            </p>
          ))
      )}
    </div>
  );
}

/** Legend words in dark grey (the colour is in the swatch): readable whatever the series colour. */
function legendText(value: string) {
  return <span style={{ color: '#334155' }}>{value}</span>;
}

/** Grid, day axis (titled), a count axis titled with its unit, the no-data columns, tooltip and legend. */
function dailyFrame(unit: string) {
  return [
    <CartesianGrid key="grid" vertical={false} stroke={grid} />,
    <XAxis
      key="x"
      dataKey="label"
      tick={axis}
      tickLine={false}
      axisLine={{ stroke: grid }}
      minTickGap={16}
      label={{ value: 'day (UTC)', position: 'insideBottom', offset: -2, style: axisTitle }}
      height={40}
    />,
    <YAxis
      key="y"
      yAxisId="count"
      tick={axis}
      tickLine={false}
      axisLine={false}
      allowDecimals={false}
      width={48}
      label={{ value: unit, angle: -90, position: 'insideLeft', offset: 10, style: { ...axisTitle, textAnchor: 'middle' } }}
    />,
    <YAxis key="mark" yAxisId="mark" hide domain={[0, 1]} />,
    <Tooltip key="tip" content={<NoDataTooltip />} cursor={{ fill: '#f1f5f9' }} />,
    <Legend key="legend" iconType="square" iconSize={9} wrapperStyle={{ fontSize: 12, paddingTop: 4 }} formatter={legendText} />,
    <Bar key="nodata" yAxisId="mark" dataKey="noDataMark" name="No data" fill={colors.noData} barSize={10} isAnimationActive={false} legendType="square" />,
  ];
}

export function ActivityChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Helper events per day" description="Every helper command the runners reported, per UTC day" noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={0}>
        {dailyFrame('events per day')}
        <Bar yAxisId="count" dataKey="events" name="Events" fill={colors.events} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={22} />
      </BarChart>
    </ChartFrame>
  );
}

export function FailureChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Failures and incidents per day" description="Failed helper commands and incidents opened, on their own axis" noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={1}>
        {dailyFrame('count per day')}
        <Bar yAxisId="count" dataKey="failures" name="Failed commands" fill={colors.failures} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
        <Bar yAxisId="count" dataKey="incidents" name="Incidents opened" fill={colors.incidents} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
      </BarChart>
    </ChartFrame>
  );
}

export function GateChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Artifact gate" description="Checks passed (green) and failed (red) per day — a failed check blocks complete" noDataDays={data.filter((d) => d.noData).length}>
      <BarChart data={withNoData(data)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }}>
        {dailyFrame('checks per day')}
        <Bar yAxisId="count" dataKey="gatePassed" name="Passed" stackId="gate" fill={colors.met} maxBarSize={22} isAnimationActive={false} />
        <Bar yAxisId="count" dataKey="gateFailed" name="Failed" stackId="gate" fill={colors.missed} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={22} />
      </BarChart>
    </ChartFrame>
  );
}

export function RetryChart({ data, goal }: { data: DailyPoint[]; goal: number | null }) {
  const goalText = goal === null ? 'the goal' : `the ${Math.round(goal * 100)}% goal`;
  return (
    <ChartFrame
      title="Automatic retries"
      description={`Retries the runner made (grey) and how many recovered the job: green on days that met ${goalText}, red on days that missed it`}
      noDataDays={data.filter((d) => d.noData).length}
    >
      <BarChart data={withNoData(data)} margin={{ top: 4, right: 8, bottom: 4, left: 4 }} barGap={1}>
        {dailyFrame('retries per day')}
        <Bar yAxisId="count" dataKey="retries" name="Retries" fill={colors.retries} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14} />
        <Bar yAxisId="count" dataKey="retriesSucceeded" name="Recovered" fill={colors.met} isAnimationActive={false} radius={[3, 3, 0, 0]} maxBarSize={14}>
          {data.map((d) => (
            <Cell key={d.day} fill={d.retryGoalMet === false ? colors.missed : colors.met} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}

export function SignalChart({ data }: { data: SignalBar[] }) {
  return (
    <ChartFrame title="Incidents by signal" description="Incidents opened in the period, by what detected them" height={300}>
      <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid horizontal={false} stroke={grid} />
        <XAxis
          type="number"
          tick={axis}
          tickLine={false}
          axisLine={false}
          allowDecimals={false}
          label={{ value: 'incidents in the period', position: 'insideBottom', offset: -2, style: axisTitle }}
          height={36}
        />
        <YAxis type="category" dataKey="label" tick={axis} tickLine={false} axisLine={false} width={118} />
        <Tooltip contentStyle={tooltipStyle} cursor={{ fill: '#f1f5f9' }} />
        <Bar dataKey="count" name="Incidents" radius={[0, 4, 4, 0]} maxBarSize={22} isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.signal} fill={signalColors[d.signal] ?? '#64748b'} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}
