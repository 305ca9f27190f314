import { inArray } from 'drizzle-orm';
import type { z } from 'zod';
import { helperEvents } from '@/db/schema';
import { HelperEventInput } from '@/lib/schemas/evidence';
import { foreignJobHolders, foreignJobRefusal } from '../access';
import type { Ctx } from '../context';
import { type ErrorAnswer, errorToAnswer } from '../errors';
import { cachedRules, type Classification, classifyHelperEvent, loopKey, prefetchLoops, refreshRules } from '../rules';
import { telemetry } from '../telemetry';
import type { LearningJson } from '../learnings';
import { counted, type IngestResult, type PreparedEvent, prepareEvent, replay, withLearnings } from './event-outcome';
import { ingestHelperEvent } from './ingest-event';
import { ingestJudged } from './ingest-judged';
import { storeHealthyEvents } from './store-healthy';

export interface BatchItemResult {
  id: string | null;
  status: number;
  error?: ErrorAnswer['error'];
  classification?: Omit<Classification, 'escalated'>;
  incident_id?: string | null;
  learnings?: LearningJson[];
}

/**
 * One element's answer: its result, or its error through errorToAnswer. An unknown error (the
 * database went away) is thrown: the whole batch answers 500 and the client sends it again.
 */
async function answerItem(id: string, run: () => Promise<IngestResult> | IngestResult): Promise<BatchItemResult> {
  try {
    const r = await run();
    return { id: r.body.event.id, status: r.status, classification: r.body.classification, incident_id: r.body.incident_id, ...(r.body.learnings ? { learnings: r.body.learnings } : {}) };
  } catch (e) {
    const answer = errorToAnswer(e);
    if (!answer.known) throw e;
    return { id, status: answer.status, error: answer.body.error };
  }
}

/**
 * Each event judged on its own: one bad event does not spoil the others, and the outcome is what
 * posting the events one by one in order would give. Runs of consecutive healthy events are stored
 * set-based (one statement per run, see storeHealthyEvents); a failing event, or an id seen earlier in
 * the run, ends the run and is judged alone.
 */
function namedJobId(raw: unknown): string | null {
  const jobId = raw && typeof raw === 'object' ? (raw as { job_id?: unknown }).job_id : null;
  return typeof jobId === 'string' && jobId.length <= 200 ? jobId : null;
}

export async function ingestHelperEventBatch(ctx: Ctx, events: unknown[], zodDetails: (e: z.ZodError) => unknown): Promise<BatchItemResult[]> {
  let rules = await cachedRules(ctx.db);
  // the cross-worker guard, read once for every job the batch names
  const foreign = await foreignJobHolders(
    ctx.db,
    ctx.actor,
    events.map(namedJobId).filter((j): j is string => j !== null),
  );
  const results: BatchItemResult[] = new Array(events.length);
  let run: { index: number; item: PreparedEvent }[] = [];
  const runIds = new Set<string>();
  const parsedAll = events.map((raw) => HelperEventInput.safeParse(raw));
  // loop detection for the whole batch: one statement reads every repeat the events could close a loop with
  const loops = await prefetchLoops(
    ctx.db,
    parsedAll.flatMap((p) => (p.success && !foreign.has(p.data.job_id) ? [p.data] : [])),
    rules,
    ctx.now,
  );
  // events of this batch stored so far, by (job, command, output hash): they count towards a loop too
  const storedSince = new Map<string, { id: string; at: Date }[]>();
  const sameRepeat = (a: HelperEventInput, b: HelperEventInput) => a.job_id === b.job_id && a.output_hash === b.output_hash && a.command === b.command;
  const noteStored = (input: HelperEventInput, result: BatchItemResult) => {
    if (result.status !== 200 && result.status !== 201) return;
    const k = loopKey(input);
    const list = storedSince.get(k) ?? [];
    list.push({ id: input.id, at: input.created_at ?? ctx.now });
    storedSince.set(k, list);
  };

  const flush = async () => {
    if (!run.length) return;
    const pending = run;
    run = [];
    runIds.clear();
    // a batch answers each stored event with its status and classification
    const stored = await storeHealthyEvents(
      ctx,
      pending.map((p) => p.item),
      rules,
    );
    if (stored === 'stale') {
      // the rules changed since they were read: judge this run again, one by one, with the new ones
      rules = await refreshRules(ctx.db);
      for (const p of pending) results[p.index] = await answerItem(p.item.input.id, () => ingestHelperEvent(ctx, p.item.input));
      return;
    }
    const missing = pending.filter((p) => !stored.rows.has(p.item.input.id));
    const existing = missing.length
      ? await ctx.db
          .select()
          .from(helperEvents)
          .where(
            inArray(
              helperEvents.id,
              missing.map((p) => p.item.input.id),
            ),
          )
      : [];
    const byId = new Map(existing.map((r) => [r.id, r]));
    for (const p of pending) {
      const id = p.item.input.id;
      if (stored.rows.has(id)) {
        telemetry().eventsIngested.inc({ signal: 'none' });
        results[p.index] = { id, status: 201, classification: { signal: null, rule_version: rules.version, suggested_actions: [] }, incident_id: null };
      } else {
        const prior = byId.get(id);
        results[p.index] = await answerItem(id, () => (prior ? replay(prior, p.item.bodyHash) : ingestHelperEvent(ctx, p.item.input)));
      }
      noteStored(p.item.input, results[p.index]);
    }
  };

  for (let index = 0; index < events.length; index++) {
    const raw = events[index];
    const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
    const parsed = parsedAll[index];
    if (!parsed.success) {
      results[index] = { id, status: 400, error: { code: 'validation_failed', message: 'event does not match the schema', details: zodDetails(parsed.error) } };
      continue;
    }
    let item: PreparedEvent;
    try {
      item = prepareEvent(ctx, parsed.data);
      const holder = foreign.get(parsed.data.job_id);
      if (holder !== undefined) throw foreignJobRefusal(ctx.actor, parsed.data.job_id, holder);
    } catch (e) {
      results[index] = await answerItem(parsed.data.id, () => Promise.reject(e));
      continue;
    }
    // events of the run not stored yet count towards a loop as well
    const input = parsed.data;
    const pendingRepeats = run.filter((p) => sameRepeat(p.item.input, input));
    const failing =
      classifyHelperEvent(rules, input, 0).signal !== null ||
      (await loops.judge(
        input,
        storedSince.get(loopKey(input)) ?? [],
        pendingRepeats.map((p) => p.item.input.created_at ?? ctx.now),
      )) !== null;
    if (failing || runIds.has(parsed.data.id)) await flush();
    if (failing) {
      results[index] = await answerItem(parsed.data.id, async () => withLearnings(ctx.db, counted(await ingestJudged(ctx, item))));
      noteStored(input, results[index]);
      continue;
    }
    run.push({ index, item });
    runIds.add(parsed.data.id);
  }
  await flush();
  return results;
}
