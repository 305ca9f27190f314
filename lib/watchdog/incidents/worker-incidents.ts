import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Signal } from '@/lib/schemas/common';

export interface OpenWorkerIncidentInput {
  workerId: string;
  signal: Signal;
  firstFailureAt: Date;
  details?: Record<string, unknown>;
  ruleVersion: number;
}

/**
 * Opens worker-level incidents (job_id null), one per (worker, signal) while open: one upsert against
 * the partial unique index incidents_one_open_worker_idx, so concurrent sweeps never duplicate.
 * Returns one result per input, in input order; the pairs must be distinct.
 */
export async function openWorkerIncidents(db: Db, now: Date, inputs: OpenWorkerIncidentInput[]): Promise<{ id: string; created: boolean }[]> {
  if (!inputs.length) return [];
  const records = inputs.map((input) => ({
    id: randomUUID(),
    worker_id: input.workerId,
    signal: input.signal,
    first_failure_at: input.firstFailureAt.toISOString(),
    details: input.details ?? {},
    rule_version: input.ruleVersion,
  }));
  const res = await db.execute(sql`
    insert into incidents (id, job_id, worker_id, signal, severity, status, first_failure_at, detected_at, evidence_event_ids, details, rule_version, silenced_by)
    select r.id, null, r.worker_id, r.signal,
      coalesce(
        (select p.rule->'params'->>'severity' from rule_sets rs, jsonb_array_elements(rs.rules) as p(rule)
          where rs.version = r.rule_version and p.rule->>'signal' = r.signal and p.rule->'params'->>'severity' in ('warning', 'critical') limit 1),
        'warning'),
      'open', r.first_failure_at, ${now.toISOString()}::timestamptz, '[]'::jsonb, r.details, r.rule_version,
      -- an active silence matching the worker (and signal) covers it; a silence naming a job never matches a worker-level incident
      (select s.id from silences s
        where s.starts_at <= ${now.toISOString()}::timestamptz and s.ends_at > ${now.toISOString()}::timestamptz
          and (s.signal is null or s.signal = r.signal) and (s.worker_id is null or s.worker_id = r.worker_id) and s.job_id is null
        order by s.created_at limit 1)
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as r(id uuid, worker_id text, signal text, first_failure_at timestamptz, details jsonb, rule_version integer)
    on conflict (worker_id, signal) where status = 'open' and job_id is null
    do update set details = incidents.details || excluded.details
    returning id, worker_id, signal, (xmax = 0) as created`);
  const byKey = new Map(rowsOf<{ id: string; worker_id: string; signal: string; created: boolean }>(res).map((r) => [`${r.signal}\u0000${r.worker_id}`, r]));
  return inputs.map((input) => {
    const row = byKey.get(`${input.signal}\u0000${input.workerId}`);
    if (!row) throw new Error(`openWorkerIncidents: no incident returned for worker ${input.workerId} and signal ${input.signal}`);
    return { id: row.id, created: Boolean(row.created) };
  });
}
