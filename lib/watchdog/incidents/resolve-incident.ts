import { eq } from 'drizzle-orm';
import { incidents } from '@/db/schema';
import { auditCtx, storableText } from '../audit';
import type { ResolveInput } from '@/lib/schemas/oncall';
import { type Ctx, systemActor } from '../context';
import { recordPersonLearning, recordResolutionLearning } from '../learnings';
import { lockOpenIncident } from './acknowledge-incident';
import { toIncidentJson } from './incident';

/**
 * A person closes the incident with a note saying how. The channels that were told hear that it
 * is resolved (the notify stage picks up the resolution). Resolving twice: 409 incident_resolved. Audited.
 */
export async function resolveIncident(ctx: Ctx, id: string, input: ResolveInput) {
  return ctx.db.transaction(async (tx) => {
    const row = await lockOpenIncident(tx, id, 'resolve');
    const note = storableText(input.note);
    const [updated] = await tx.update(incidents).set({ status: 'resolved', resolvedAt: ctx.now, resolvedBy: ctx.actor.label, resolution: note }).where(eq(incidents.id, id)).returning();
    await auditCtx(ctx, { action: 'incident.resolved', target: id, jobId: row.jobId, details: { signal: row.signal, worker_id: row.workerId, resolution: note } }, tx);
    // what was learned: the system's account from the evidence, and the resolver's own lists when given
    await recordResolutionLearning({ db: tx, now: ctx.now, actor: systemActor }, id);
    if (input.learned?.length) {
      await recordPersonLearning(
        { ...ctx, db: tx },
        { incident_id: id, learned: input.learned, next_worker_should_check: input.next_worker_should_check ?? [], assumptions_to_test: input.assumptions_to_test ?? [] },
      );
    }
    return toIncidentJson(updated);
  });
}
