import { desc } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { d30Decisions } from '@/db/schema';
import type { D30DecisionName, D30DecisionRecord, D30Snapshot } from '@/lib/schemas/metrics';

/** The recorded D30 decisions as the API shows them. */

export function toDecisionRecord(row: typeof d30Decisions.$inferSelect): D30DecisionRecord {
  const m = (row.metrics ?? {}) as Partial<D30Snapshot>;
  return {
    id: row.id,
    decision: row.decision as D30DecisionName,
    note: row.note,
    decided_by: row.decidedBy,
    decided_at: row.decidedAt.toISOString(),
    recommended: m.recommendation?.decision ?? null,
    window: m.window ?? null,
    coverage: m.coverage ?? null,
    retry_success_rate: m.retry_success_rate ?? null,
    gate_pass_rate: m.gate_pass_rate ?? null,
    false_green_count: m.false_green_count ?? null,
  };
}

/** Recorded D30 decisions, newest first. */
export async function listD30Decisions(db: Db, limit = 20): Promise<D30DecisionRecord[]> {
  const rows = await db.select().from(d30Decisions).orderBy(desc(d30Decisions.decidedAt), desc(d30Decisions.id)).limit(limit);
  return rows.map(toDecisionRecord);
}
