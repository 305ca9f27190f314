'use client';

import { Area, Bar, BarChart, CartesianGrid, Cell, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DailyPoint, SignalBar } from './map-d30';

const axis = { fontSize: 11, fill: '#64748b' };
const grid = '#e2e8f0';
const colors = {
  events: '#6366f1',
  failures: '#f43f5e',
  incidents: '#f59e0b',
  passed: '#10b981',
  failed: '#f43f5e',
  retries: '#94a3b8',
  recovered: '#6366f1',
};
const signalColors: Record<string, string> = {
  claim_no_output: '#f59e0b',
  fetch_failed: '#fb923c',
  lease_near_expiry: '#0ea5e9',
  lease_expired: '#f43f5e',
  queue_stuck: '#be123c',
  artifact_gate_fail: '#6366f1',
};

const tooltipStyle = { borderRadius: 8, border: '1px solid #e2e8f0', boxShadow: '0 4px 12px rgba(15,23,42,0.08)', fontSize: 12 };

function ChartFrame({ title, description, children, height = 240 }: { title: string; description: string; children: React.ReactElement; height?: number }) {
  return (
    <figure className="rounded-xl border border-slate-200 bg-white p-4 shadow-[0_1px_2px_rgba(15,23,42,0.04)] sm:p-5" aria-label={title}>
      <figcaption className="mb-3">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <p className="text-xs text-slate-500">{description}</p>
      </figcaption>
      <div style={{ height }} className="-ml-2">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The per-day charts' shared frame: grid, day axis, count axis, tooltip, legend (Recharts 3 renders wrapped children). */
function DailyAxes() {
  return (
    <>
      <CartesianGrid vertical={false} stroke={grid} />
      <XAxis dataKey="label" tick={axis} tickLine={false} axisLine={{ stroke: grid }} minTickGap={16} />
      <YAxis tick={axis} tickLine={false} axisLine={false} allowDecimals={false} width={36} />
      <Tooltip contentStyle={tooltipStyle} cursor={{ fill: '#f1f5f9' }} />
      <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
    </>
  );
}

export function ActivityChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Daily activity" description="Helper events, failed commands and incidents opened per day (UTC)">
      <ComposedChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <DailyAxes />
        <Area dataKey="events" name="Events" type="monotone" stroke={colors.events} strokeWidth={2} fill={colors.events} fillOpacity={0.12} />
        <Bar dataKey="failures" name="Failures" fill={colors.failures} radius={[3, 3, 0, 0]} maxBarSize={14} />
        <Line dataKey="incidents" name="Incidents" stroke={colors.incidents} strokeWidth={2} dot={false} type="monotone" />
      </ComposedChart>
    </ChartFrame>
  );
}

export function GateChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Artifact gate" description="Checks passed and failed per day — a failed check blocks complete">
      <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <DailyAxes />
        <Bar dataKey="gatePassed" name="Passed" stackId="gate" fill={colors.passed} maxBarSize={28} />
        <Bar dataKey="gateFailed" name="Failed" stackId="gate" fill={colors.failed} radius={[3, 3, 0, 0]} maxBarSize={28} />
      </BarChart>
    </ChartFrame>
  );
}

export function RetryChart({ data }: { data: DailyPoint[] }) {
  return (
    <ChartFrame title="Automatic retries" description="Retries the runner made and how many of them recovered the job">
      <ComposedChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <DailyAxes />
        <Bar dataKey="retries" name="Retries" fill={colors.retries} radius={[3, 3, 0, 0]} maxBarSize={28} />
        <Line dataKey="retriesSucceeded" name="Recovered" stroke={colors.recovered} strokeWidth={2} dot={{ r: 2.5 }} type="monotone" />
      </ComposedChart>
    </ChartFrame>
  );
}

export function SignalChart({ data }: { data: SignalBar[] }) {
  return (
    <ChartFrame title="Incidents by signal" description="Incidents opened in the period, by what detected them" height={250}>
      <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid horizontal={false} stroke={grid} />
        <XAxis type="number" tick={axis} tickLine={false} axisLine={false} allowDecimals={false} />
        <YAxis type="category" dataKey="label" tick={axis} tickLine={false} axisLine={false} width={118} />
        <Tooltip contentStyle={tooltipStyle} cursor={{ fill: '#f1f5f9' }} />
        <Bar dataKey="count" name="Incidents" radius={[0, 4, 4, 0]} maxBarSize={22}>
          {data.map((d) => (
            <Cell key={d.signal} fill={signalColors[d.signal] ?? '#94a3b8'} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}
