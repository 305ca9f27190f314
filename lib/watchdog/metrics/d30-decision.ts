import { randomUUID } from 'node:crypto';
import { d30Decisions } from '@/db/schema';
import type { D30DecisionName } from '@/lib/schemas/metrics';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { validationFailed } from '../errors';
import { toDecisionRecord } from './d30-decisions';
import { computeD30Metrics } from './d30-figures';

/**
 * The owner's D30 decision: stored with a snapshot of the figures it was taken on (the window the
 * owner looked at, `from`/`to`, default the last 30 days at `ctx.now`) and audited in the same
 * transaction. A decision that differs from that window's recommendation needs a note saying why.
 */
export async function recordD30Decision(ctx: Ctx, input: { decision: D30DecisionName; note?: string | null; from?: string | null; to?: string | null }) {
  const { decisions: _decisions, ...snapshot } = await computeD30Metrics(ctx.db, { now: ctx.now, from: input.from, to: input.to });
  const note = input.note?.trim() || null;
  if (input.decision !== snapshot.recommendation.decision && !note) {
    throw validationFailed(
      [{ path: 'note', code: 'required', message: `a note is required when the decision differs from the recommendation (${snapshot.recommendation.decision})` }],
      'say why the decision differs from the recommendation',
    );
  }
  const id = randomUUID();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx.insert(d30Decisions).values({ id, decision: input.decision, note, metrics: snapshot, decidedBy: ctx.actor.label, decidedAt: ctx.now }).returning();
    await auditCtx(
      ctx,
      {
        action: 'd30.decide',
        target: id,
        details: {
          decision: input.decision,
          note,
          recommended: snapshot.recommendation.decision,
          followed_recommendation: snapshot.recommendation.decision === input.decision,
          window: snapshot.window,
          coverage: snapshot.coverage,
          retry_success_rate: snapshot.retry_success_rate,
          gate_pass_rate: snapshot.gate_pass_rate,
          false_green_count: snapshot.false_green_count,
          mttd_s: snapshot.mttd_s,
          mttr_s: snapshot.mttr_s,
        },
      },
      tx,
    );
    return inserted;
  });
  return { decision: { ...toDecisionRecord(row), metrics: snapshot } };
}
