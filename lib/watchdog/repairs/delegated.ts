import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { helperEvents } from '@/db/schema';
import type { RepairActionInput } from '@/lib/schemas/evidence';
import type { Actor } from '../context';
import { forbidden } from '../errors';

/** The system's low-risk repairs a worker's runner carries out on the spot and may record as the system's. */
export const DELEGABLE_ACTIONS = ['touch', 'retry', 'heartbeat'] as const;

export interface Delegation {
  /** the evidence event that suggested the action */
  eventId: string;
  /** what `requested_by` records: `worker:<worker_id>` */
  requestedBy: string;
}

/**
 * Delegated repairs (API.md part 2): a worker may record `authority: "system"` for touch, retry or
 * heartbeat when `evidence_event_ids` names at least one helper event of its own worker_id, in this
 * job, whose classification suggested that action. Returns the delegation, or null when the input
 * does not ask for one (the role rule applies). A request for one that the evidence does not back is
 * refused with 403 and says why.
 */
export async function resolveDelegation(db: Db, actor: Actor, input: RepairActionInput): Promise<Delegation | null> {
  if (actor.role !== 'worker' || input.authority !== 'system') return null;
  const workerId = actor.workerId ?? '';
  if (!(DELEGABLE_ACTIONS as readonly string[]).includes(input.action)) {
    throw forbidden(`a worker may record authority system only for ${DELEGABLE_ACTIONS.join(', ')} (backed by its own helper events); ${input.action} is not delegated`);
  }
  const ids = input.evidence_event_ids ?? [];
  if (!ids.length) {
    throw forbidden(`authority system from a worker needs evidence_event_ids naming a helper event of worker ${workerId} whose classification suggested ${input.action}`);
  }
  const [backing] = await db
    .select({ id: helperEvents.id })
    .from(helperEvents)
    .where(
      and(
        inArray(helperEvents.id, ids),
        eq(helperEvents.workerId, workerId),
        eq(helperEvents.jobId, input.job_id),
        sql`${helperEvents.suggestedActions} @> ${JSON.stringify([{ action: input.action }])}::jsonb`,
      ),
    )
    .limit(1);
  if (!backing) {
    throw forbidden(`none of the evidence_event_ids is a helper event of worker ${workerId} in job ${input.job_id} whose classification suggested ${input.action}`, {
      evidence_event_ids: ids.slice(0, 20),
    });
  }
  return { eventId: backing.id, requestedBy: `worker:${workerId}` };
}
