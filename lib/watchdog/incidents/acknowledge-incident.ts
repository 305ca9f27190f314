import { eq } from 'drizzle-orm';
import { incidents } from '@/db/schema';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { conflict, notFound } from '../errors';
import { type IncidentRow, toIncidentJson } from './incident';

/** Locks the incident row for a person's change; a resolved one answers 409 incident_resolved. */
export async function lockOpenIncident(tx: Ctx['db'], id: string, verb: string): Promise<IncidentRow> {
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
  if (!row) throw notFound('incident', { id });
  if (row.status === 'resolved') {
    throw conflict('incident_resolved', `cannot ${verb}: this incident was resolved${row.resolvedBy ? ` by ${row.resolvedBy}` : ''} at ${row.resolvedAt?.toISOString()}`, {
      resolved_at: row.resolvedAt?.toISOString() ?? null,
      resolved_by: row.resolvedBy,
    });
  }
  return row;
}

/**
 * Someone is on it: records who and when, which stops the escalation. Acknowledging again
 * answers the incident unchanged; a resolved incident cannot be acknowledged. Audited.
 */
export async function acknowledgeIncident(ctx: Ctx, id: string, input: { note?: string } = {}) {
  return ctx.db.transaction(async (tx) => {
    const row = await lockOpenIncident(tx, id, 'acknowledge');
    if (row.acknowledgedAt) return toIncidentJson(row);
    const note = input.note ? storableText(input.note) : null;
    const [updated] = await tx.update(incidents).set({ acknowledgedAt: ctx.now, acknowledgedBy: ctx.actor.label, acknowledgementNote: note }).where(eq(incidents.id, id)).returning();
    await auditCtx(ctx, { action: 'incident.acknowledged', target: id, jobId: row.jobId, details: { signal: row.signal, worker_id: row.workerId, note } }, tx);
    return toIncidentJson(updated);
  });
}
