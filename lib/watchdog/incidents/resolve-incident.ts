import { eq } from 'drizzle-orm';
import { incidents } from '@/db/schema';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { lockOpenIncident } from './acknowledge-incident';
import { toIncidentJson } from './incident';

/**
 * A person closes the incident with a note saying how. The channels that were told hear that it
 * is resolved (the notify stage picks up the resolution). Resolving twice: 409 incident_resolved. Audited.
 */
export async function resolveIncident(ctx: Ctx, id: string, input: { note: string }) {
  return ctx.db.transaction(async (tx) => {
    const row = await lockOpenIncident(tx, id, 'resolve');
    const note = storableText(input.note);
    const [updated] = await tx.update(incidents).set({ status: 'resolved', resolvedAt: ctx.now, resolvedBy: ctx.actor.label, resolution: note }).where(eq(incidents.id, id)).returning();
    await auditCtx(ctx, { action: 'incident.resolved', target: id, jobId: row.jobId, details: { signal: row.signal, worker_id: row.workerId, resolution: note } }, tx);
    return toIncidentJson(updated);
  });
}
