import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { signals } from '@/lib/schemas/common';
import { DANGEROUS_ACTIONS } from '@/lib/schemas/enums';
import { telemetry } from '../telemetry';

/**
 * The Prometheus exposition of this process: helper events ingested by signal, artifact-gate results,
 * sweep durations, HTTP latency by route (counted in-process since start), plus the open incidents and
 * pending approvals of the whole fleet, read from the database now.
 */
export async function renderPrometheusMetrics(db: Db): Promise<{ contentType: string; body: string }> {
  const gauges = telemetry();
  const [incidentRows, pendingRows] = await Promise.all([
    db.execute(sql`select signal, count(*)::int as n from incidents where status = 'open' group by signal`),
    db.execute(sql`select action, count(*)::int as n from repair_actions where result = 'pending' group by action`),
  ]);
  const open = new Map(rowsOf<{ signal: string; n: number }>(incidentRows).map((r) => [r.signal, Number(r.n)]));
  gauges.openIncidents.reset();
  for (const signal of new Set<string>([...signals, ...open.keys()])) gauges.openIncidents.set({ signal }, open.get(signal) ?? 0);
  const pending = new Map(rowsOf<{ action: string; n: number }>(pendingRows).map((r) => [r.action, Number(r.n)]));
  gauges.pendingApprovals.reset();
  for (const action of new Set<string>([...DANGEROUS_ACTIONS, ...pending.keys()])) gauges.pendingApprovals.set({ action }, pending.get(action) ?? 0);
  const { registry } = telemetry();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
