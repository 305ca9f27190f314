import type { HelperEventInput } from '@/lib/schemas/evidence';
import { assertJobWritable } from '../access';
import type { Ctx } from '../context';
import { cachedRules, classifyHelperEvent, findLoop, refreshRules } from '../rules';
import { counted, type IngestResult, prepareEvent, replayStored, storedHealthy, withLearnings } from './event-outcome';
import { ingestJudged } from './ingest-judged';
import { storeHealthyEvents } from './store-healthy';

/**
 * Stores one helper event: hash checked, idempotent by id, classified against the current rules,
 * its incident opened (or resolved by a healthy retry), escalations recorded — durable before the answer.
 *
 * A healthy event (the bulk of traffic) is one statement (storeHealthyEvents): insert-if-absent,
 * guarded by the rules version it was classified with, plus the resolution of incidents it proves
 * recovered. A failing event is judged in a transaction (ingestJudged); its answer carries the
 * learnings of its signal (withLearnings).
 */
export async function ingestHelperEvent(ctx: Ctx, input: HelperEventInput): Promise<IngestResult> {
  const item = prepareEvent(ctx, input);
  await assertJobWritable(ctx.db, ctx.actor, input.job_id);
  let rules = await cachedRules(ctx.db);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (classifyHelperEvent(rules, input, 0).signal || (await findLoop(ctx.db, input, rules, ctx.now))) return withLearnings(ctx.db, counted(await ingestJudged(ctx, item)));
    const stored = await storeHealthyEvents(ctx, [item], rules);
    if (stored === 'stale') {
      rules = await refreshRules(ctx.db);
      continue;
    }
    const row = stored.rows.get(item.input.id);
    if (row) return storedHealthy(row, rules);
    return withLearnings(ctx.db, await replayStored(ctx.db, item));
  }
  // the rules changed three times while this event was being stored: judge it inside a transaction
  return withLearnings(ctx.db, counted(await ingestJudged(ctx, item)));
}
