import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { helperEvents } from '@/db/schema';
import type { Phase, Signal } from '@/lib/schemas/common';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import { assertActsFor } from '../access';
import type { Ctx } from '../context';
import { conflict, WatchdogError } from '../errors';
import { canonicalJson, hashOutput, sha256Hex } from '../hash';
import { type LearningJson, learningsForSignal } from '../learnings';
import { type Classification, inferPhase, type RuleSet } from '../rules';
import { telemetry } from '../telemetry';
import { type EventJson, type EventRow, toEventJson } from './event-row';

/** What every ingest path answers for one event. */
export interface IngestResult {
  status: 200 | 201;
  body: { event: EventJson; classification: Omit<Classification, 'escalated'>; incident_id: string | null; learnings?: LearningJson[] };
}

/**
 * A classified event's answer carries what earlier incidents of its signal taught: the three newest
 * learnings with something for the next worker to check (one indexed query). Healthy answers: unchanged.
 */
export async function withLearnings(db: Db, result: IngestResult): Promise<IngestResult> {
  const signal = result.body.classification.signal;
  if (!signal) return result;
  return { ...result, body: { ...result.body, learnings: await learningsForSignal(db, signal) } };
}

/** An event that passed the checks, with what every path stores alongside it. */
export interface PreparedEvent {
  input: HelperEventInput;
  bodyHash: string;
  phase: Phase | null;
}

/** The checks every event passes before anything is stored: the caller acts for the worker, the hash matches. */
export function prepareEvent(ctx: Ctx, input: HelperEventInput): PreparedEvent {
  assertActsFor(ctx.actor, input.worker_id);
  if (!outputHashMatches(input)) {
    throw new WatchdogError('output_hash_mismatch', 'output_hash is not the sha256 of output', { expected: hashOutput(input.output!) });
  }
  return preparedItem(input);
}

export function outputHashMatches(input: HelperEventInput): boolean {
  return input.output === undefined || hashOutput(input.output) === input.output_hash;
}

export function preparedItem(input: HelperEventInput): PreparedEvent {
  return { input, bodyHash: sha256Hex(canonicalJson(input)), phase: inferPhase(input) };
}

/** Counts a stored (201) event by its signal. */
export function counted(result: IngestResult): IngestResult {
  if (result.status === 201) telemetry().eventsIngested.inc({ signal: result.body.classification.signal ?? 'none' });
  return result;
}

/** The 201 of a healthy event stored under `rules`. */
export function storedHealthy(row: EventRow, rules: RuleSet): IngestResult {
  return counted({ status: 201, body: { event: toEventJson(row), classification: { signal: null, rule_version: rules.version, suggested_actions: [] }, incident_id: null } });
}

/** The same id again: 200 with what was stored, or 409 when the body differs. */
export function replay(existing: EventRow, bodyHash: string): IngestResult {
  if (existing.bodyHash !== bodyHash) {
    throw conflict('idempotency_conflict', `event ${existing.id} was already stored with a different body`);
  }
  const classification = { signal: existing.signal as Signal | null, rule_version: existing.ruleVersion, suggested_actions: existing.suggestedActions as Classification['suggested_actions'] };
  return { status: 200, body: { event: toEventJson(existing), classification, incident_id: existing.incidentId } };
}

export async function replayStored(db: Db, item: PreparedEvent): Promise<IngestResult> {
  const [existing] = await db.select().from(helperEvents).where(eq(helperEvents.id, item.input.id));
  if (!existing) throw new Error(`helper event ${item.input.id} was neither stored nor found`);
  return replay(existing, item.bodyHash);
}
