import { randomUUID } from 'node:crypto';
import { and, count, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { helperEvents, repairActions } from '@/db/schema';
import type { Phase, Signal } from '@/lib/schemas/common';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { openIncident, resolveIncidents } from '../incidents';
import { enqueueNotification } from '../notify';
import { classifyHelperEvent, findLoop, loopClassification, type LoopFinding, refreshRules } from '../rules';
import { eventRow, toEventJson } from './event-row';
import { type IngestResult, type PreparedEvent, replay } from './event-outcome';

const EVENT_LOCK = 7265012;
/**
 * The job's first-sight lock, taken by the BEFORE INSERT trigger helper_events_first_sight (migration
 * 0015) for every event stored; taken here first so that this transaction holds it before any incident
 * row it locks, in the order the one-statement store takes them (event, then incident): no deadlock.
 */
const FIRST_SIGHT_LOCK = 7265013;

/** Signals whose recovery a healthy event of the same phase proves. */
const RECOVERABLE: Signal[] = ['fetch_failed', 'claim_no_output'];

class RetryAsReplay extends Error {}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code === '23505';
}

/**
 * One event judged inside one transaction (a failing event, or one the fast statement could not
 * store): earlier failures counted under an advisory lock, the incident opened, any escalation
 * recorded (repair action, notification, audit), recovered incidents resolved.
 */
export async function ingestJudged(ctx: Ctx, item: PreparedEvent): Promise<IngestResult> {
  const { input, bodyHash, phase } = item;
  // judged against the rules read now: escalations are rare, so the read costs nothing that matters
  const ruleSet = await refreshRules(ctx.db);
  return ctx.db
    .transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_SIGHT_LOCK}, hashtext(${input.job_id}))`);
      const [existing] = await tx.select().from(helperEvents).where(eq(helperEvents.id, input.id));
      if (existing) return replay(existing, bodyHash);

      let prior = 0;
      const signalNow = classifyHelperEvent(ruleSet, input, 0).signal;
      if (signalNow) {
        // Concurrent failures of one job, signal and phase are judged one after the other, so the
        // one automatic retry is handed out once.
        await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOCK}, hashtext(${`${input.job_id}|${signalNow}|${phase ?? ''}`}))`);
        const [again] = await tx.select().from(helperEvents).where(eq(helperEvents.id, input.id));
        if (again) return replay(again, bodyHash);
        prior = await countPriorFailures(tx, input, signalNow, phase);
      }
      let classification = classifyHelperEvent(ruleSet, input, prior);
      // an otherwise healthy event that closes a loop (same command and output, repeats within window_s)
      let loop: LoopFinding | null = null;
      if (!classification.signal && (loop = await findLoop(tx, input, ruleSet, ctx.now))) classification = loopClassification(ruleSet);
      let incidentId: string | null = null;
      let incidentCreated = false;
      if (classification.signal) {
        const inc = await openIncident(tx, ctx.now, {
          jobId: input.job_id,
          workerId: input.worker_id,
          signal: classification.signal,
          firstFailureAt: input.created_at ?? ctx.now,
          evidenceEventIds: [input.id],
          details: {
            phase,
            last_event_id: input.id,
            last_output_hash: input.output_hash,
            last_error_code: input.error_code == null ? null : storableText(input.error_code),
            failures: prior + 1,
            ...(classification.escalated ? { escalated: classification.suggested_actions[0]?.escalation ?? 'notify_owner' } : {}),
            ...(loop ? { command: storableText(input.command), repeats: loop.count, window_s: loop.window_s, loop_started_at: loop.firstAt.toISOString() } : {}),
          },
          ruleVersion: ruleSet.version,
        });
        incidentId = inc.id;
        incidentCreated = inc.created;
      }
      const judged = { signal: classification.signal, ruleVersion: classification.rule_version, suggestedActions: classification.suggested_actions, incidentId };
      const inserted = await tx
        .insert(helperEvents)
        .values(eventRow(input, { phase, bodyHash, receivedAt: ctx.now }, judged))
        .onConflictDoNothing()
        .returning();
      // A concurrent request stored the same id first: judge against what it stored.
      if (!inserted.length) throw new RetryAsReplay();
      // a loop tells the owner once per incident; the repeats after it are evidence
      if (classification.escalated && classification.signal && (!loop || incidentCreated)) {
        await recordEscalation(ctx, tx, input, phase, {
          loop,
          signal: classification.signal,
          escalation: classification.suggested_actions[0]?.escalation ?? 'notify_owner',
          incidentId,
          failures: prior + 1,
          ruleVersion: ruleSet.version,
        });
      }
      if (!classification.signal && input.exit_code === 0 && phase) await resolveRecovered(tx, ctx.now, input.job_id, phase, input.id);
      const shown = { signal: classification.signal, rule_version: classification.rule_version, suggested_actions: classification.suggested_actions };
      return { status: 201 as const, body: { event: toEventJson(inserted[0]), classification: shown, incident_id: incidentId } };
    })
    .catch(async (e) => {
      if (!(e instanceof RetryAsReplay) && !isUniqueViolation(e)) throw e;
      const [existing] = await ctx.db.select().from(helperEvents).where(eq(helperEvents.id, input.id));
      if (!existing) throw e;
      return replay(existing, bodyHash);
    });
}

async function countPriorFailures(tx: Db, input: HelperEventInput, signal: Signal, phase: Phase | null): Promise<number> {
  const [c] = await tx
    .select({ n: count() })
    .from(helperEvents)
    .where(and(eq(helperEvents.jobId, input.job_id), eq(helperEvents.signal, signal), phase ? eq(helperEvents.phase, phase) : undefined, ne(helperEvents.id, input.id)));
  return Number(c?.n ?? 0);
}

/** A second failure: the owner is told (or a person must look), as a repair action, a notification and an audit entry. */
async function recordEscalation(
  ctx: Ctx,
  tx: Db,
  input: HelperEventInput,
  phase: Phase | null,
  e: { signal: Signal; escalation: string; incidentId: string | null; failures: number; ruleVersion: number; loop: LoopFinding | null },
) {
  const needsHuman = e.escalation === 'needs_human';
  await tx.insert(repairActions).values({
    id: randomUUID(),
    jobId: input.job_id,
    trigger: e.signal,
    action: 'notify_owner',
    authority: 'system',
    result: needsHuman ? 'needs_human' : 'success',
    evidenceEventIds: [input.id],
    note: e.loop
      ? `loop: ${e.loop.count} events with the same command and output within ${e.loop.window_s}s: owner notified`
      : needsHuman
        ? 'automatic retry already used: a person must look at this job'
        : 'second failure: owner notified',
    phase,
    outputHash: input.output_hash,
    incidentId: e.incidentId,
    requestedBy: 'system:classifier',
    createdAt: ctx.now,
  });
  await enqueueNotification(tx, ctx.now, {
    kind: needsHuman ? 'needs_human' : 'notify_owner',
    jobId: input.job_id,
    payload: { signal: e.signal, job_id: input.job_id, worker_id: input.worker_id, phase, incident_id: e.incidentId, event_id: input.id, output_hash: input.output_hash },
  });
  await auditCtx(
    ctx,
    {
      action: `escalation.${e.escalation}`,
      target: input.id,
      jobId: input.job_id,
      outputHash: input.output_hash,
      details: { signal: e.signal, phase, failures: e.failures, incident_id: e.incidentId, rule_version: e.ruleVersion },
    },
    tx,
  );
}

/** A healthy event proves the job recovered from an earlier failure of the same phase. */
async function resolveRecovered(tx: Db, now: Date, jobId: string, phase: Phase, eventId: string) {
  const signals = RECOVERABLE.filter((s) => (s === 'claim_no_output' ? phase === 'claim' : phase !== 'claim'));
  if (signals.length) await resolveIncidents(tx, now, jobId, `recovered: healthy ${phase} event ${eventId}`, signals, phase);
}
