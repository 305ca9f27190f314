import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { helperEvents, jobLeases, repairActions } from '@/db/schema';
import type { Signal } from '@/lib/schemas/common';
import { DANGEROUS_ACTIONS, type DangerousAction, type RepairResult } from '@/lib/schemas/enums';
import type { DecisionInput, RepairActionInput } from '@/lib/schemas/evidence';
import { assertJobWritable } from '../access';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { conflict, forbidden, notFound } from '../errors';
import { canonicalJson, sha256Hex } from '../hash';
import { resolveIncidents } from '../incidents';
import { getCurrentRules } from '../rules';
import { releaseLease, toLeaseJson } from '../leases';
import { enqueueNotification } from '../notify';
import { resolveDelegation } from './delegated';
import { assertJobNotFinished, obsoletePendingRequests } from './obsolete-requests';
import type { RepairActionJson } from '@/lib/schemas/responses';

export type RepairRow = typeof repairActions.$inferSelect;

export function toActionJson(row: RepairRow): RepairActionJson {
  return {
    id: row.id,
    job_id: row.jobId,
    trigger: row.trigger,
    action: row.action,
    authority: row.authority,
    result: row.result,
    suggestion: row.suggestion,
    evidence_event_ids: row.evidenceEventIds,
    note: row.note,
    phase: row.phase,
    output_hash: row.outputHash,
    incident_id: row.incidentId,
    requested_by: row.requestedBy,
    decision: row.decision,
    decided_by: row.decidedBy,
    decided_at: row.decidedAt?.toISOString() ?? null,
    decision_note: row.decisionNote,
    created_at: row.createdAt.toISOString(),
  };
}

/** A repair action the system records by itself (the sweep): the columns it sets; the others keep their defaults. */
export interface SystemRepairAction {
  id: string;
  jobId: string;
  trigger: string;
  action: string;
  authority: string;
  result: string;
  evidenceEventIds: string[];
  note: string;
  outputHash: string | null;
  incidentId: string | null;
  requestedBy: string;
  createdAt: Date;
}

/**
 * Inserts many repair actions with one statement (a JSON record set, one parameter whatever the
 * number). `skipConflicts`: a row the unique indexes refuse — a second pending request of the same
 * job and action — is not stored (ON CONFLICT DO NOTHING). Returns the rows stored (id, job).
 */
export async function insertRepairActions(db: Db, rows: SystemRepairAction[], opts: { skipConflicts?: boolean } = {}): Promise<{ id: string; jobId: string }[]> {
  if (!rows.length) return [];
  const records = rows.map((r) => ({
    id: r.id,
    job_id: r.jobId,
    trigger: r.trigger,
    action: r.action,
    authority: r.authority,
    result: r.result,
    evidence_event_ids: r.evidenceEventIds,
    note: r.note,
    output_hash: r.outputHash,
    incident_id: r.incidentId,
    requested_by: r.requestedBy,
    created_at: r.createdAt.toISOString(),
  }));
  const res = await db.execute(sql`
    insert into repair_actions (id, job_id, trigger, action, authority, result, evidence_event_ids, note, output_hash, incident_id, requested_by, created_at)
    select r.id, r.job_id, r.trigger, r.action, r.authority, r.result, r.evidence_event_ids, r.note, r.output_hash, r.incident_id, r.requested_by, r.created_at
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as r(id uuid, job_id text, trigger text, action text, authority text, result text, evidence_event_ids jsonb, note text,
           output_hash text, incident_id uuid, requested_by text, created_at timestamptz)
    ${opts.skipConflicts ? sql`on conflict do nothing` : sql``}
    returning id, job_id`);
  return rowsOf<{ id: string; job_id: string }>(res).map((r) => ({ id: r.id, jobId: r.job_id }));
}

const SUPERVISED = new Set<string>(DANGEROUS_ACTIONS);
const AUDITED = new Set(['retry', 'release', 'reclaim']);

/**
 * The output hash that justifies an action: given, or that of its first evidence event, or — for
 * the audited actions (retry, release, reclaim) — that of the job's latest event showing the
 * trigger signal, else of the job's latest event.
 */
async function evidenceOutputHash(db: Db, input: RepairActionInput): Promise<string | null> {
  if (input.output_hash) return input.output_hash;
  const ids = input.evidence_event_ids ?? [];
  if (ids.length) {
    const rows = await db.select({ id: helperEvents.id, hash: helperEvents.outputHash }).from(helperEvents).where(inArray(helperEvents.id, ids));
    const hash = rows.find((r) => r.id === ids[0])?.hash ?? rows[0]?.hash;
    if (hash) return hash;
  }
  if (!AUDITED.has(input.action)) return null;
  return latestOutputHash(db, input.job_id, input.trigger);
}

/** The output hash of the job's latest helper event (of the given signal when there is one). */
export async function latestOutputHash(db: Db, jobId: string, signal?: string | null): Promise<string | null> {
  if (signal) {
    const [bySignal] = await db
      .select({ hash: helperEvents.outputHash })
      .from(helperEvents)
      .where(and(eq(helperEvents.jobId, jobId), eq(helperEvents.signal, signal as Signal)))
      .orderBy(desc(helperEvents.createdAt))
      .limit(1);
    if (bySignal) return bySignal.hash;
  }
  const [latest] = await db.select({ hash: helperEvents.outputHash }).from(helperEvents).where(eq(helperEvents.jobId, jobId)).orderBy(desc(helperEvents.createdAt)).limit(1);
  return latest?.hash ?? null;
}

/** Locks the job's lease row (when there is one). Every path that changes a lease and its requests takes the lease first. */
async function lockLease(tx: Db, jobId: string) {
  const [lease] = await tx.select().from(jobLeases).where(eq(jobLeases.jobId, jobId)).for('update');
  return lease ?? null;
}

/**
 * Locks the job's lease row by writing a new version of it (nothing in it changes). A one-statement
 * complete that waits on this lock re-checks the row when it gets it (READ COMMITTED) and sees
 * another version than the one its snapshot read, so it leaves the job to the full path, which
 * closes the request this transaction adds (artifacts/complete.ts). A FOR UPDATE alone leaves the row
 * version as it was, and the waiting complete would end the job around a request it never saw.
 */
async function lockLeaseVersion(tx: Db, jobId: string) {
  const [lease] = await tx
    .update(jobLeases)
    .set({ updatedAt: sql`${jobLeases.updatedAt}` })
    .where(eq(jobLeases.jobId, jobId))
    .returning();
  return lease ?? null;
}

/**
 * Records a repair action. The authority must be the caller's own role — or, for a worker's touch,
 * retry or heartbeat backed by its own helper events, the system's (a delegated repair, stored with
 * `requested_by: "worker:<id>"`); a worker's own action is a suggestion; no worker writes into a job
 * another worker's active lease holds; release/reclaim from a worker or the system becomes one
 * pending request per job and action, a supervisor's own takes effect at once, and neither is
 * accepted for a job that is over (409 job_finished).
 */
export async function recordRepairAction(ctx: Ctx, input: RepairActionInput): Promise<{ status: 200 | 201; action: ReturnType<typeof toActionJson> }> {
  const delegation = await resolveDelegation(ctx.db, ctx.actor, input);
  if (!delegation && input.authority !== ctx.actor.role) throw forbidden(`authority ${input.authority} is not the caller's role (${ctx.actor.role})`);
  await assertJobWritable(ctx.db, ctx.actor, input.job_id);
  const bodyHash = sha256Hex(canonicalJson(input));
  const supervised = SUPERVISED.has(input.action);
  const requested = supervised && ctx.actor.role !== 'supervisor';
  const immediate = supervised && !requested;
  /** a worker's own action is a suggestion; a delegated one is the system's repair, carried out */
  const suggestion = ctx.actor.role === 'worker' && !delegation && !requested;
  const outputHash = await evidenceOutputHash(ctx.db, input);
  const id = input.id ?? randomUUID();

  return ctx.db.transaction(async (tx) => {
    // release/reclaim: the job's lease row first (completion and decisions take it too), so whether
    // the job is over is decided once and stays true until this commits
    const lease = supervised ? await lockLeaseVersion(tx, input.job_id) : null;
    if (input.id) {
      const [existing] = await tx.select().from(repairActions).where(eq(repairActions.id, input.id));
      if (existing) {
        if (existing.bodyHash !== bodyHash) throw conflict('idempotency_conflict', `repair action ${input.id} was already recorded with a different body`);
        return { status: 200 as const, action: toActionJson(existing) };
      }
    }
    if (requested) {
      const [pending] = await tx
        .select()
        .from(repairActions)
        .where(and(eq(repairActions.jobId, input.job_id), eq(repairActions.action, input.action), eq(repairActions.result, 'pending')));
      if (pending) return { status: 200 as const, action: toActionJson(pending) };
    }
    if (supervised) assertJobNotFinished(lease, input.job_id, input.action);
    let result: RepairResult | null = requested ? 'pending' : (input.result ?? (suggestion ? null : 'success'));
    if (result === 'pending' && !requested) result = null;
    const values = {
      id,
      jobId: input.job_id,
      trigger: storableText(input.trigger),
      action: input.action,
      authority: input.authority,
      result,
      suggestion,
      evidenceEventIds: input.evidence_event_ids ?? [],
      note: input.note == null ? null : storableText(input.note),
      phase: input.phase ?? null,
      outputHash,
      requestedBy: delegation?.requestedBy ?? ctx.actor.label,
      bodyHash,
      createdAt: ctx.now,
    };
    const inserted = await tx.insert(repairActions).values(values).onConflictDoNothing().returning();
    if (!inserted.length) {
      // lost a race with an identical pending request or the same id: answer with the winner
      const [sameId] = await tx.select().from(repairActions).where(eq(repairActions.id, id));
      if (sameId) {
        if (sameId.bodyHash !== bodyHash) throw conflict('idempotency_conflict', `repair action ${id} was already recorded with a different body`);
        return { status: 200 as const, action: toActionJson(sameId) };
      }
      const [pending] = requested
        ? await tx
            .select()
            .from(repairActions)
            .where(and(eq(repairActions.jobId, input.job_id), eq(repairActions.action, input.action), eq(repairActions.result, 'pending')))
        : [];
      if (!pending) throw conflict('idempotency_conflict', 'the action could not be recorded; retry');
      return { status: 200 as const, action: toActionJson(pending) };
    }
    let row = inserted[0];
    let fencingToken: number | null = null;
    if (immediate) {
      // A supervisor's own release/reclaim is its decision: it takes effect at once.
      const lease = await releaseLease(tx, ctx, input.job_id, input.action as DangerousAction);
      fencingToken = lease?.fencingToken ?? null;
      await resolveIncidents(tx, ctx.now, input.job_id, `${input.action} by ${ctx.actor.label}`, ['queue_stuck', 'lease_expired']);
      await obsoletePendingRequests(tx, ctx, input.job_id, `superseded by ${input.action} ${id} of ${ctx.actor.label}`, id);
      [row] = await tx.update(repairActions).set({ decision: 'approve', decidedBy: ctx.actor.label, decidedAt: ctx.now, result: 'success' }).where(eq(repairActions.id, id)).returning();
    }
    if (requested) {
      await enqueueNotification(tx, ctx.now, {
        kind: 'supervisor_review',
        jobId: input.job_id,
        payload: { action_id: id, action: input.action, job_id: input.job_id, trigger: input.trigger, requested_by: ctx.actor.label },
      });
    }
    if (input.action === 'notify_owner' && ctx.actor.role !== 'worker') {
      await enqueueNotification(tx, ctx.now, { kind: 'notify_owner', jobId: input.job_id, payload: { action_id: id, job_id: input.job_id, trigger: input.trigger, note: input.note ?? null } });
    }
    if (AUDITED.has(input.action)) {
      await auditCtx(
        ctx,
        {
          action: `repair.${input.action}${requested ? '.requested' : ''}`,
          target: id,
          jobId: input.job_id,
          outputHash,
          details: {
            trigger: input.trigger,
            authority: input.authority,
            result: row.result,
            evidence_event_ids: input.evidence_event_ids ?? [],
            ...(delegation ? { requested_by: delegation.requestedBy, delegated_by_event_id: delegation.eventId } : {}),
            ...(immediate ? { fencing_token: fencingToken } : {}),
          },
        },
        tx,
      );
    }
    return { status: 201 as const, action: toActionJson(row) };
  });
}

/**
 * The repair actions, newest first. Each carries `lease`: the job's lease as it is now (state, holder,
 * last heartbeat, risk), or `null` for a job without one — what a supervisor needs beside a request.
 */
export async function listRepairActions(db: Db, q: { status: 'pending' | 'decided' | 'all'; job_id?: string; limit: number }, now: Date = new Date()) {
  const rows = await db
    .select()
    .from(repairActions)
    .where(
      and(
        q.status === 'pending' ? eq(repairActions.result, 'pending') : q.status === 'decided' ? isNotNull(repairActions.decidedBy) : undefined,
        q.job_id ? eq(repairActions.jobId, q.job_id) : undefined,
      ),
    )
    .orderBy(desc(repairActions.createdAt))
    .limit(q.limit);
  const jobIds = [...new Set(rows.map((r) => r.jobId))];
  const leases = jobIds.length ? await db.select().from(jobLeases).where(inArray(jobLeases.jobId, jobIds)) : [];
  const rules = leases.length ? await getCurrentRules(db) : null;
  const byJob = new Map(leases.map((l) => [l.jobId, rules ? toLeaseJson(l, rules, now) : null]));
  return rows.map((r) => ({ ...toActionJson(r), lease: byJob.get(r.jobId) ?? null }));
}

/**
 * A supervisor's decision on a pending release/reclaim. The job's lease row is locked first, then
 * the action row, so of two concurrent decisions exactly one wins and the other gets
 * already_decided. Approval fences the old holder off (state released, token + 1) and closes
 * any other request about the same holder.
 */
export async function decideRepairAction(ctx: Ctx, id: string, input: DecisionInput) {
  const rules = await getCurrentRules(ctx.db);
  return ctx.db.transaction(async (tx) => {
    const [peek] = await tx.select({ jobId: repairActions.jobId }).from(repairActions).where(eq(repairActions.id, id));
    if (!peek) throw notFound('repair action');
    await lockLease(tx, peek.jobId);
    const [row] = await tx.select().from(repairActions).where(eq(repairActions.id, id)).for('update');
    if (row.decision || row.result !== 'pending') {
      throw conflict(
        'already_decided',
        row.decision ? `this ${row.action} was already ${row.decision}d by ${row.decidedBy}` : `this ${row.action} is not awaiting a decision${row.decisionNote ? ` (${row.decisionNote})` : ''}`,
        {
          decision: row.decision,
          decided_by: row.decidedBy,
          decided_at: row.decidedAt?.toISOString() ?? null,
          result: row.result,
        },
      );
    }
    const approve = input.decision === 'approve';
    const lease = approve ? await releaseLease(tx, ctx, row.jobId, row.action as DangerousAction) : null;
    if (approve) {
      await resolveIncidents(tx, ctx.now, row.jobId, `${row.action} approved by ${ctx.actor.label}`, ['queue_stuck', 'lease_expired']);
      await obsoletePendingRequests(tx, ctx, row.jobId, `superseded by the approved ${row.action} ${id}`, id);
    }
    const [decided] = await tx
      .update(repairActions)
      .set({ decision: input.decision, decidedBy: ctx.actor.label, decidedAt: ctx.now, decisionNote: input.note == null ? null : storableText(input.note), result: approve ? 'success' : 'failed' })
      .where(eq(repairActions.id, id))
      .returning();
    await auditCtx(
      ctx,
      {
        action: `decision.${input.decision}`,
        target: id,
        jobId: row.jobId,
        outputHash: row.outputHash,
        details: { action: row.action, trigger: row.trigger, note: input.note ?? null, fencing_token: lease?.fencingToken ?? null, lease_state: lease?.state ?? null },
      },
      tx,
    );
    const leaseRow = lease ?? (await tx.select().from(jobLeases).where(eq(jobLeases.jobId, row.jobId)))[0] ?? null;
    return { action: toActionJson(decided), lease: leaseRow ? toLeaseJson(leaseRow, rules, ctx.now) : null };
  });
}
