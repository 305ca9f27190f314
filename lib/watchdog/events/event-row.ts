import { getTableColumns, sql } from 'drizzle-orm';
import { helperEvents } from '@/db/schema';
import type { Phase } from '@/lib/schemas/common';
import type { HelperEventInput } from '@/lib/schemas/evidence';
import type { HelperEvent } from '@/lib/schemas/responses';
import type { z } from 'zod';
import { storableText } from '../audit';
import type { Classification } from '../rules';

/**
 * The one description of a helper_events row. Its columns come from the drizzle table (db/schema.ts),
 * and every ingest path derives from them: the insert of a judged event (`eventRow` as drizzle
 * values), the one-statement store (`eventRecordsetSql`, `eventColumnsSql`, `toRecordsetRow`: it
 * answers with the rows it was handed) and the API answer (`toEventJson`). A new column is added in
 * db/schema.ts, in `eventRow` (where its value comes from) and, when the API shows it, in the
 * HelperEvent response schema.
 */
export type EventRow = typeof helperEvents.$inferSelect;
export type EventJson = z.output<typeof HelperEvent>;

const columns = Object.entries(getTableColumns(helperEvents)) as [keyof EventRow, (typeof helperEvents)['_']['columns'][keyof EventRow]][];

/** `id, job_id, …` — every column, in table order. */
export const eventColumnsSql = sql.raw(columns.map(([, c]) => c.name).join(', '));
/** `id uuid, job_id text, …` — the column definitions of a json_to_recordset of event rows. */
export const eventRecordsetSql = sql.raw(columns.map(([, c]) => `${c.name} ${c.getSQLType()}`).join(', '));

/** What the judgement adds to an event: its classification and incident. */
export interface EventJudgement {
  signal: Classification['signal'];
  ruleVersion: number;
  suggestedActions: Classification['suggested_actions'];
  incidentId: string | null;
}

/**
 * The row of an event. `output_hash` stays the hash the worker computed over its raw output (verified
 * before); the stored text has any NUL character replaced, which PostgreSQL cannot store.
 */
export function eventRow(input: HelperEventInput, at: { phase: Phase | null; bodyHash: string; receivedAt: Date }, judged: EventJudgement): EventRow {
  return {
    id: input.id,
    jobId: input.job_id,
    workerId: input.worker_id,
    command: storableText(input.command),
    phase: at.phase,
    exitCode: input.exit_code,
    output: input.output == null ? null : storableText(input.output),
    outputHash: input.output_hash,
    errorCode: input.error_code == null ? null : storableText(input.error_code),
    durationMs: input.duration_ms ?? null,
    createdAt: input.created_at ?? at.receivedAt,
    receivedAt: at.receivedAt,
    signal: judged.signal,
    ruleVersion: judged.ruleVersion,
    suggestedActions: judged.suggestedActions,
    incidentId: judged.incidentId,
    bodyHash: at.bodyHash,
    // set by the database (trigger helper_events_first_sight, migration 0015): the value here is overwritten
    newProgress: false,
    newPhase: false,
    prevProgressAt: null,
  };
}

/** A row as one element of the JSON handed to json_to_recordset (column names, ISO times). */
export function toRecordsetRow(row: EventRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, c] of columns) {
    const v = row[field];
    out[c.name] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/** Columns the API's event object leaves out: the body hash, and the first-sight columns a replay reads. */
const NOT_SHOWN = new Set<keyof EventRow>(['bodyHash', 'newProgress', 'newPhase', 'prevProgressAt']);

/** The API's event object: every column but those NOT_SHOWN, under its column name, times as ISO strings. */
export function toEventJson(row: EventRow): EventJson {
  const out: Record<string, unknown> = {};
  for (const [field, c] of columns) {
    if (NOT_SHOWN.has(field)) continue;
    const v = row[field];
    out[c.name] = v instanceof Date ? v.toISOString() : v;
  }
  return out as EventJson;
}
