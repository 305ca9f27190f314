import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { incidents } from '@/db/schema';
import type { Signal } from '@/lib/schemas/common';
import type { IncidentJson } from '@/lib/schemas/responses';
import { systemActor } from '../context';
import { recordResolutionLearning } from '../learnings';

export interface OpenIncidentInput {
  jobId: string;
  signal: Signal;
  firstFailureAt: Date;
  evidenceEventIds?: string[];
  details?: Record<string, unknown>;
  ruleVersion: number;
  /** the worker whose evidence opened it (default: details.worker_id, else the job's lease holder) */
  workerId?: string | null;
  /** default: the rule's params.severity, else the signal's default severity */
  severity?: 'warning' | 'critical';
}

/** Signals whose incidents are critical unless the rule's params.severity says otherwise. */
export const CRITICAL_SIGNALS = ['lease_expired', 'queue_stuck', 'artifact_gate_fail', 'loop_detected'] as const;

/**
 * Opens the job's incident for this signal, or adds the evidence to the one already open.
 * One statement against the partial unique index, so concurrent writers never duplicate.
 */
export async function openIncident(db: Db, now: Date, input: OpenIncidentInput): Promise<{ id: string; created: boolean }> {
  const [result] = await openIncidents(db, now, [input]);
  return result;
}

/**
 * openIncident for many (job, signal) pairs in one statement: the upsert against the partial
 * unique index, over a JSON record set. Returns one result per input, in input order. The pairs
 * must be distinct (one statement cannot insert and then update the same incident).
 */
export async function openIncidents(db: Db, now: Date, inputs: OpenIncidentInput[]): Promise<{ id: string; created: boolean }[]> {
  if (!inputs.length) return [];
  const key = (jobId: string, signal: string) => `${signal}\u0000${jobId}`;
  const seen = new Set<string>();
  const records = inputs.map((input) => {
    const k = key(input.jobId, input.signal);
    if (seen.has(k)) throw new Error(`openIncidents: job ${input.jobId} and signal ${input.signal} given twice`);
    seen.add(k);
    return {
      id: randomUUID(),
      job_id: input.jobId,
      signal: input.signal,
      first_failure_at: input.firstFailureAt.toISOString(),
      evidence_event_ids: input.evidenceEventIds ?? [],
      details: input.details ?? {},
      rule_version: input.ruleVersion,
      worker_id: input.workerId ?? null,
      severity: input.severity ?? null,
    };
  });
  const at = now.toISOString();
  // worker: given, else the evidence's, else the lease holder's; severity: given, else the rule's
  // params.severity, else the signal's default; silenced_by: the oldest active silence that matches.
  const res = await db.execute(sql`
    with src as (
      select r.*, coalesce(r.worker_id, r.details->>'worker_id', (select l.worker_id from job_leases l where l.job_id = r.job_id)) as wid
      from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
        as r(id uuid, job_id text, signal text, first_failure_at timestamptz, evidence_event_ids jsonb, details jsonb, rule_version integer, worker_id text, severity text)
    )
    insert into incidents (id, job_id, worker_id, signal, severity, status, first_failure_at, detected_at, evidence_event_ids, details, rule_version, silenced_by)
    select src.id, src.job_id, src.wid, src.signal,
      coalesce(src.severity,
        (select p.rule->'params'->>'severity' from rule_sets rs, jsonb_array_elements(rs.rules) as p(rule)
          where rs.version = src.rule_version and p.rule->>'signal' = src.signal and p.rule->'params'->>'severity' in ('warning', 'critical') limit 1),
        case when src.signal in (${sql.join(
          CRITICAL_SIGNALS.map((c) => sql`${c}`),
          sql`, `,
        )}) then 'critical' else 'warning' end),
      'open', src.first_failure_at, ${at}::timestamptz, src.evidence_event_ids, src.details, src.rule_version,
      (select s.id from silences s
        where s.starts_at <= ${at}::timestamptz and s.ends_at > ${at}::timestamptz
          and (s.signal is null or s.signal = src.signal) and (s.worker_id is null or s.worker_id = src.wid) and (s.job_id is null or s.job_id = src.job_id)
        order by s.created_at limit 1)
    from src
    on conflict (job_id, signal) where status = 'open'
    do update set evidence_event_ids = incidents.evidence_event_ids || excluded.evidence_event_ids,
                  details = incidents.details || excluded.details,
                  first_failure_at = least(incidents.first_failure_at, excluded.first_failure_at),
                  worker_id = coalesce(incidents.worker_id, excluded.worker_id)
    returning id, job_id, signal, (xmax = 0) as created`);
  const byKey = new Map(rowsOf<{ id: string; job_id: string; signal: string; created: boolean }>(res).map((r) => [key(r.job_id, r.signal), r]));
  return inputs.map((input) => {
    const row = byKey.get(key(input.jobId, input.signal));
    if (!row) throw new Error(`openIncidents: no incident returned for job ${input.jobId} and signal ${input.signal}`);
    return { id: row.id, created: Boolean(row.created) };
  });
}

/**
 * Resolves the job's open incidents (of the given signals, or all) and writes each one's learning in
 * the same transaction (`db` is the caller's). Returns the ids resolved.
 */
export async function resolveIncidents(db: Db, now: Date, jobId: string, resolution: string, signals?: Signal[], phase?: string): Promise<string[]> {
  const rows = await db
    .update(incidents)
    .set({ status: 'resolved', resolvedAt: now, resolvedBy: 'system', resolution })
    .where(and(eq(incidents.jobId, jobId), eq(incidents.status, 'open'), signals ? inArray(incidents.signal, signals) : undefined, phase ? sql`${incidents.details}->>'phase' = ${phase}` : undefined))
    .returning({ id: incidents.id });
  await recordResolutionLearnings(
    db,
    now,
    rows.map((r) => r.id),
  );
  return rows.map((r) => r.id);
}

/** recordResolutionLearning for incidents just resolved, as the system. */
export async function recordResolutionLearnings(db: Db, now: Date, incidentIds: string[]): Promise<void> {
  for (const id of incidentIds) await recordResolutionLearning({ db, now, actor: systemActor }, id);
}

export type IncidentRow = typeof incidents.$inferSelect;

export function toIncidentJson(row: IncidentRow): IncidentJson {
  return {
    id: row.id,
    job_id: row.jobId,
    worker_id: row.workerId,
    signal: row.signal,
    severity: row.severity as 'warning' | 'critical',
    status: row.status as 'open' | 'resolved',
    first_failure_at: row.firstFailureAt.toISOString(),
    detected_at: row.detectedAt.toISOString(),
    acknowledged_at: row.acknowledgedAt?.toISOString() ?? null,
    acknowledged_by: row.acknowledgedBy,
    acknowledgement_note: row.acknowledgementNote,
    resolved_at: row.resolvedAt?.toISOString() ?? null,
    resolved_by: row.resolvedBy,
    resolution: row.resolution,
    silenced_by: row.silencedBy,
    evidence_event_ids: row.evidenceEventIds,
    details: row.details as Record<string, unknown>,
    rule_version: row.ruleVersion,
  };
}
