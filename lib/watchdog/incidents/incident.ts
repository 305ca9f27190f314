import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { incidents } from '@/db/schema';
import type { Signal } from '@/lib/schemas/common';
import { systemActor } from '../context';
import { recordResolutionLearning } from '../learnings';

export interface OpenIncidentInput {
  jobId: string;
  signal: Signal;
  firstFailureAt: Date;
  evidenceEventIds?: string[];
  details?: Record<string, unknown>;
  ruleVersion: number;
}

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
    };
  });
  const res = await db.execute(sql`
    insert into incidents (id, job_id, signal, status, first_failure_at, detected_at, evidence_event_ids, details, rule_version)
    select r.id, r.job_id, r.signal, 'open', r.first_failure_at, ${now.toISOString()}::timestamptz, r.evidence_event_ids, r.details, r.rule_version
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as r(id uuid, job_id text, signal text, first_failure_at timestamptz, evidence_event_ids jsonb, details jsonb, rule_version integer)
    on conflict (job_id, signal) where status = 'open'
    do update set evidence_event_ids = incidents.evidence_event_ids || excluded.evidence_event_ids,
                  details = incidents.details || excluded.details,
                  first_failure_at = least(incidents.first_failure_at, excluded.first_failure_at)
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
    .set({ status: 'resolved', resolvedAt: now, resolution })
    .where(and(eq(incidents.jobId, jobId), eq(incidents.status, 'open'), signals ? inArray(incidents.signal, signals) : undefined, phase ? sql`${incidents.details}->>'phase' = ${phase}` : undefined))
    .returning({ id: incidents.id });
  await recordResolutionLearnings(db, now, rows.map((r) => r.id));
  return rows.map((r) => r.id);
}

/** recordResolutionLearning for incidents just resolved, as the system. */
export async function recordResolutionLearnings(db: Db, now: Date, incidentIds: string[]): Promise<void> {
  for (const id of incidentIds) await recordResolutionLearning({ db, now, actor: systemActor }, id);
}

export function toIncidentJson(row: typeof incidents.$inferSelect) {
  return {
    id: row.id,
    job_id: row.jobId,
    signal: row.signal,
    status: row.status,
    first_failure_at: row.firstFailureAt.toISOString(),
    detected_at: row.detectedAt.toISOString(),
    resolved_at: row.resolvedAt?.toISOString() ?? null,
    resolution: row.resolution,
    evidence_event_ids: row.evidenceEventIds,
    details: row.details,
    rule_version: row.ruleVersion,
  };
}

export async function listIncidents(db: Db, q: { status: 'open' | 'resolved' | 'all'; signal?: string; job_id?: string; limit: number }) {
  const rows = await db
    .select()
    .from(incidents)
    .where(
      and(
        q.status === 'all' ? undefined : eq(incidents.status, q.status),
        q.signal ? eq(incidents.signal, q.signal) : undefined,
        q.job_id ? eq(incidents.jobId, q.job_id) : undefined,
      ),
    )
    .orderBy(desc(incidents.detectedAt))
    .limit(q.limit);
  return rows.map(toIncidentJson);
}
