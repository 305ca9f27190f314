import { randomUUID } from 'node:crypto';
import { and, count, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { helperEvents, repairActions } from '@/db/schema';
import type { Phase, Signal } from '@/lib/schemas/common';
import { HelperEventInput } from '@/lib/schemas/evidence';
import { assertActsFor } from './access';
import { auditCtx, storableText } from './audit';
import { type Classification, classifyHelperEvent, inferPhase } from './classify';
import type { Ctx } from './context';
import { conflict, isWatchdogError, WatchdogError } from './errors';
import { canonicalJson, hashOutput, sha256Hex } from './hash';
import { openIncident, resolveIncidents } from './incidents';
import { enqueueNotification } from './notifications';
import { getCurrentRules, type RuleSet } from './rules';
import { telemetry } from './telemetry';

type EventRow = typeof helperEvents.$inferSelect;

const EVENT_LOCK = 7265012;

export function toEventJson(row: EventRow) {
  return {
    id: row.id,
    job_id: row.jobId,
    worker_id: row.workerId,
    command: row.command,
    phase: row.phase,
    exit_code: row.exitCode,
    output: row.output,
    output_hash: row.outputHash,
    error_code: row.errorCode,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
    received_at: row.receivedAt.toISOString(),
    signal: row.signal,
    rule_version: row.ruleVersion,
    suggested_actions: row.suggestedActions,
    incident_id: row.incidentId,
  };
}

function storedClassification(row: EventRow): Omit<Classification, 'escalated'> {
  return { signal: row.signal as Signal | null, rule_version: row.ruleVersion, suggested_actions: row.suggestedActions as Classification['suggested_actions'] };
}

export interface IngestResult {
  status: 200 | 201;
  body: { event: ReturnType<typeof toEventJson>; classification: Omit<Classification, 'escalated'>; incident_id: string | null };
}

/** Signals whose recovery a healthy event of the same phase proves. */
const RECOVERABLE: Signal[] = ['fetch_failed', 'claim_no_output'];

/**
 * Stores one helper event: hash checked, idempotent by id, classified against the current rules,
 * its incident opened (or resolved by a healthy retry), escalations recorded — all in one transaction.
 */
export async function ingestHelperEvent(ctx: Ctx, input: HelperEventInput, rules?: RuleSet): Promise<IngestResult> {
  assertActsFor(ctx.actor, input.worker_id);
  if (input.output !== undefined && hashOutput(input.output) !== input.output_hash) {
    throw new WatchdogError('output_hash_mismatch', 'output_hash is not the sha256 of output', { expected: hashOutput(input.output) });
  }
  const bodyHash = sha256Hex(canonicalJson(input));
  const ruleSet = rules ?? (await getCurrentRules(ctx.db));
  const phase: Phase | null = inferPhase(input);

  const result = await ctx.db.transaction(async (tx) => {
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
      const [c] = await tx
        .select({ n: count() })
        .from(helperEvents)
        .where(
          and(
            eq(helperEvents.jobId, input.job_id),
            eq(helperEvents.signal, signalNow),
            phase ? eq(helperEvents.phase, phase) : undefined,
            ne(helperEvents.id, input.id),
          ),
        );
      prior = Number(c?.n ?? 0);
    }
    const classification = classifyHelperEvent(ruleSet, input, prior);
    const createdAt = input.created_at ?? ctx.now;
    let incidentId: string | null = null;
    if (classification.signal) {
      const inc = await openIncident(tx, ctx.now, {
        jobId: input.job_id,
        signal: classification.signal,
        firstFailureAt: createdAt,
        evidenceEventIds: [input.id],
        details: {
          phase,
          last_event_id: input.id,
          last_output_hash: input.output_hash,
          last_error_code: input.error_code == null ? null : storableText(input.error_code),
          failures: prior + 1,
          ...(classification.escalated ? { escalated: classification.suggested_actions[0]?.escalation ?? 'notify_owner' } : {}),
        },
        ruleVersion: ruleSet.version,
      });
      incidentId = inc.id;
    }
    const inserted = await tx
      .insert(helperEvents)
      .values({
        id: input.id,
        jobId: input.job_id,
        workerId: input.worker_id,
        // output_hash stays the hash the worker computed over its raw output (verified above);
        // the stored text has any NUL character replaced, which PostgreSQL cannot store.
        command: storableText(input.command),
        phase,
        exitCode: input.exit_code,
        output: input.output == null ? null : storableText(input.output),
        outputHash: input.output_hash,
        errorCode: input.error_code == null ? null : storableText(input.error_code),
        durationMs: input.duration_ms ?? null,
        createdAt,
        receivedAt: ctx.now,
        signal: classification.signal,
        ruleVersion: classification.rule_version,
        suggestedActions: classification.suggested_actions,
        incidentId,
        bodyHash,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) {
      // A concurrent request stored the same id first: judge against what it stored.
      throw new RetryAsReplay();
    }
    if (classification.escalated && classification.signal) {
      const escalation = classification.suggested_actions[0]?.escalation ?? 'notify_owner';
      await tx.insert(repairActions).values({
        id: randomUUID(),
        jobId: input.job_id,
        trigger: classification.signal,
        action: 'notify_owner',
        authority: 'system',
        result: escalation === 'needs_human' ? 'needs_human' : 'success',
        evidenceEventIds: [input.id],
        note: escalation === 'needs_human' ? 'automatic retry already used: a person must look at this job' : 'second failure: owner notified',
        phase,
        outputHash: input.output_hash,
        incidentId,
        requestedBy: 'system:classifier',
        createdAt: ctx.now,
      });
      await enqueueNotification(tx, ctx.now, {
        kind: escalation === 'needs_human' ? 'needs_human' : 'notify_owner',
        jobId: input.job_id,
        payload: { signal: classification.signal, job_id: input.job_id, worker_id: input.worker_id, phase, incident_id: incidentId, event_id: input.id, output_hash: input.output_hash },
      });
      await auditCtx(
        ctx,
        {
          action: `escalation.${escalation}`,
          target: input.id,
          jobId: input.job_id,
          outputHash: input.output_hash,
          details: { signal: classification.signal, phase, failures: prior + 1, incident_id: incidentId, rule_version: ruleSet.version },
        },
        tx,
      );
    }
    if (!classification.signal && input.exit_code === 0 && phase) {
      await resolveRecovered(tx, ctx.now, input.job_id, phase, input.id);
    }
    return {
      status: 201 as const,
      body: { event: toEventJson(inserted[0]), classification: { signal: classification.signal, rule_version: classification.rule_version, suggested_actions: classification.suggested_actions }, incident_id: incidentId },
    };
  }).catch(async (e) => {
    if (!(e instanceof RetryAsReplay) && !isUniqueViolation(e)) throw e;
    const [existing] = await ctx.db.select().from(helperEvents).where(eq(helperEvents.id, input.id));
    if (!existing) throw e;
    return replay(existing, bodyHash);
  });
  if (result.status === 201) telemetry().eventsIngested.inc({ signal: result.body.classification.signal ?? 'none' });
  return result;
}

class RetryAsReplay extends Error {}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code === '23505';
}

function replay(existing: EventRow, bodyHash: string): IngestResult {
  if (existing.bodyHash !== bodyHash) {
    throw conflict('idempotency_conflict', `event ${existing.id} was already stored with a different body`);
  }
  return { status: 200, body: { event: toEventJson(existing), classification: storedClassification(existing), incident_id: existing.incidentId } };
}

/** A healthy event proves the job recovered from an earlier failure of the same phase. */
async function resolveRecovered(tx: Db, now: Date, jobId: string, phase: Phase, eventId: string) {
  const signals = RECOVERABLE.filter((s) => (s === 'claim_no_output' ? phase === 'claim' : phase !== 'claim'));
  if (signals.length) await resolveIncidents(tx, now, jobId, `recovered: healthy ${phase} event ${eventId}`, signals, phase);
}

export interface BatchItemResult {
  id: string | null;
  status: number;
  error?: { code: string; message: string; details?: unknown };
  classification?: Omit<Classification, 'escalated'>;
  incident_id?: string | null;
}

/** Each event judged on its own: one bad event does not spoil the others. */
export async function ingestHelperEventBatch(ctx: Ctx, events: unknown[], zodDetails: (e: import('zod').ZodError) => unknown): Promise<BatchItemResult[]> {
  const rules = await getCurrentRules(ctx.db);
  const results: BatchItemResult[] = [];
  for (const raw of events) {
    const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? ((raw as { id: string }).id as string) : null;
    const parsed = HelperEventInput.safeParse(raw);
    if (!parsed.success) {
      results.push({ id, status: 400, error: { code: 'validation_failed', message: 'event does not match the schema', details: zodDetails(parsed.error) } });
      continue;
    }
    try {
      const r = await ingestHelperEvent(ctx, parsed.data, rules);
      results.push({ id: parsed.data.id, status: r.status, classification: r.body.classification, incident_id: r.body.incident_id });
    } catch (e) {
      if (!isWatchdogError(e)) throw e;
      results.push({ id: parsed.data.id, status: e.status, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
    }
  }
  return results;
}
