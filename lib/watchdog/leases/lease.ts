import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, executeNamed, rowsOf } from '@/db/client';
import { jobLeases, leaseHistory, repairActions } from '@/db/schema';
import { log } from '@/lib/log';
import { DANGEROUS_ACTIONS, type DangerousAction, type LeaseEvent, type LeaseState, type RiskLevel } from '@/lib/schemas/enums';
import type { LeaseInput } from '@/lib/schemas/evidence';
import { assertActsFor, type StatementCredential, tokenGrantsSql } from '../access';
import { appendAudit, auditCtx, auditInsertSql } from '../audit';
import type { Ctx } from '../context';
import { conflict, forbidden, isWatchdogError, notFound } from '../errors';
import { resolveIncidents } from '../incidents';
import { obsoletePendingRequests } from '../repairs';
import { announceChange } from '../announce';
import { cachedRules, currentRulesVersionSql, getCurrentRules, refreshRules, type RuleSet, ruleParam } from '../rules';
import { nudgeScheduler } from '../sweep';
import type { DirectiveJson, LeaseHistoryEntryJson, LeaseJson } from '@/lib/schemas/responses';

export type LeaseRow = typeof jobLeases.$inferSelect;
export type { RiskLevel };

export type Directive = DirectiveJson;

export function riskLevel(lease: LeaseRow, rules: Pick<RuleSet, 'rules'>, now: Date): RiskLevel {
  if (lease.state === 'completed' || lease.state === 'released') return 'normal';
  const left = lease.leaseExpiresAt.getTime() - now.getTime();
  if (left <= 0) {
    return -left > ruleParam(rules, 'queue_stuck', 'grace_s') * 1000 ? 'stale' : 'expired';
  }
  return left < ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000 ? 'near_expiry' : 'normal';
}

export function toLeaseJson(lease: LeaseRow, rules: Pick<RuleSet, 'rules'>, now: Date): LeaseJson {
  return {
    job_id: lease.jobId,
    worker_id: lease.workerId,
    fencing_token: lease.fencingToken,
    lease_expires_at: lease.leaseExpiresAt.toISOString(),
    last_heartbeat_at: lease.lastHeartbeatAt.toISOString(),
    acquired_at: lease.acquiredAt.toISOString(),
    state: lease.state,
    risk_level: riskLevel(lease, rules, now),
    ready_for_reclaim: lease.readyForReclaim,
    completed_at: lease.completedAt?.toISOString() ?? null,
    completed_artifact_check_id: lease.completedArtifactCheckId,
  };
}

/** Is the lease held right now (active and not past its expiry)? */
function isHeld(lease: LeaseRow, now: Date): boolean {
  return lease.state === 'active' && lease.leaseExpiresAt.getTime() > now.getTime();
}

/** Raw lease rows (snake_case) → the drizzle row shape. */
export function toLeaseRow(r: Record<string, unknown>): LeaseRow {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    jobId: String(r.job_id),
    workerId: String(r.worker_id),
    fencingToken: Number(r.fencing_token),
    leaseExpiresAt: date(r.lease_expires_at)!,
    lastHeartbeatAt: date(r.last_heartbeat_at)!,
    acquiredAt: date(r.acquired_at)!,
    state: String(r.state) as LeaseState,
    readyForReclaim: Boolean(r.ready_for_reclaim),
    sweepStage: Number(r.sweep_stage),
    completedAt: date(r.completed_at),
    completedArtifactCheckId: (r.completed_artifact_check_id as string | null) ?? null,
    completedOutputHash: (r.completed_output_hash as string | null) ?? null,
    updatedAt: date(r.updated_at)!,
    progressCheckAt: date(r.progress_check_at),
  };
}

export function recordLeaseHistory(db: Db, ctx: Ctx, lease: Pick<LeaseRow, 'jobId' | 'workerId' | 'fencingToken' | 'leaseExpiresAt'>, event: LeaseEvent) {
  return recordLeaseHistoryBatch(db, ctx, [lease], event);
}

/** recordLeaseHistory for several leases, one event each: one INSERT over a JSON record set. */
export async function recordLeaseHistoryBatch(db: Db, ctx: Ctx, leases: Pick<LeaseRow, 'jobId' | 'workerId' | 'fencingToken' | 'leaseExpiresAt'>[], event: LeaseEvent) {
  if (!leases.length) return;
  const records = leases.map((l) => ({ job_id: l.jobId, worker_id: l.workerId, fencing_token: l.fencingToken, lease_expires_at: l.leaseExpiresAt.toISOString() }));
  await db.execute(sql`
    insert into lease_history (job_id, worker_id, fencing_token, lease_expires_at, event, at, actor)
    select r.job_id, r.worker_id, r.fencing_token, r.lease_expires_at, ${event}, ${ctx.now.toISOString()}::timestamptz, ${ctx.actor.label}
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(job_id text, worker_id text, fencing_token bigint, lease_expires_at timestamptz)`);
}

/** The lease-time incidents a live lease ends. */
const LEASE_SIGNALS = ['lease_expired', 'lease_near_expiry', 'queue_stuck', 'no_progress'] as const;

/**
 * The heartbeat: acquires a free (new, released or expired) lease with fencing token + 1, or renews
 * the caller's own. Another worker's active lease → lease_conflict; an older token → stale_fencing_token
 * (audited: a fenced-off worker is evidence). An acquisition — a fencing token change — is audited,
 * ends the job's lease incidents and closes release/reclaim requests about the previous holder.
 */
export async function heartbeatLease(ctx: Ctx, jobId: string, input: LeaseInput) {
  assertActsFor(ctx.actor, input.worker_id);
  const plain = await heartbeatInOneStatement(ctx, jobId, input);
  if (plain) return plain;
  const rules = await getCurrentRules(ctx.db);
  // an acquisition starts the holder's quiet time: the no_progress rule looks first when it could end
  const progressCheckAt = new Date(ctx.now.getTime() + ruleParam(rules, 'no_progress', 'quiet_s') * 1000);
  let result: { lease: LeaseRow; event: 'acquired' | 'renewed' };
  try {
    result = await ctx.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(jobLeases)
        .values({
          jobId,
          workerId: input.worker_id,
          fencingToken: 1,
          leaseExpiresAt: input.lease_expires_at,
          lastHeartbeatAt: ctx.now,
          acquiredAt: ctx.now,
          state: 'active',
          updatedAt: ctx.now,
          progressCheckAt,
        })
        .onConflictDoNothing()
        .returning();
      if (inserted.length) {
        await recordLeaseHistory(tx, ctx, inserted[0], 'acquired');
        await auditCtx(ctx, { action: 'lease.acquire', target: jobId, jobId, details: { worker_id: input.worker_id, fencing_token: 1, previous_fencing_token: null } }, tx);
        return { lease: inserted[0], event: 'acquired' as const };
      }
      const [lease] = await tx.select().from(jobLeases).where(eq(jobLeases.jobId, jobId)).for('update');
      const token = input.fencing_token;
      if (token !== undefined && token < lease.fencingToken) {
        throw conflict('stale_fencing_token', `fencing token ${token} is older than the lease's ${lease.fencingToken}`, {
          current_fencing_token: lease.fencingToken,
          state: lease.state,
        });
      }
      if (lease.state === 'completed') {
        throw conflict('lease_conflict', `job ${jobId} is already completed`, { state: 'completed', worker_id: lease.workerId });
      }
      if (isHeld(lease, ctx.now)) {
        if (lease.workerId !== input.worker_id) {
          throw conflict('lease_conflict', `job ${jobId} is leased by another worker until ${lease.leaseExpiresAt.toISOString()}`, {
            lease_expires_at: lease.leaseExpiresAt.toISOString(),
          });
        }
        if (token !== undefined && token !== lease.fencingToken) {
          throw conflict('stale_fencing_token', `fencing token ${token} was never issued for job ${jobId} (the lease's is ${lease.fencingToken})`, {
            current_fencing_token: lease.fencingToken,
          });
        }
        const [renewed] = await tx
          .update(jobLeases)
          .set({ leaseExpiresAt: input.lease_expires_at, lastHeartbeatAt: ctx.now, sweepStage: 0, updatedAt: ctx.now })
          .where(eq(jobLeases.jobId, jobId))
          .returning();
        // the heartbeat is evidence a rules preview replays (no_progress, lease_expired, queue_stuck)
        await recordLeaseHistory(tx, ctx, renewed, 'renewed');
        return { lease: renewed, event: 'renewed' as const };
      }
      // Free: released, expired, or past its expiry. The caller acquires with the next token.
      if (token !== undefined && token > lease.fencingToken) {
        throw conflict('stale_fencing_token', `fencing token ${token} was never issued for job ${jobId}`, { current_fencing_token: lease.fencingToken });
      }
      const [acquired] = await tx
        .update(jobLeases)
        .set({
          workerId: input.worker_id,
          fencingToken: lease.fencingToken + 1,
          leaseExpiresAt: input.lease_expires_at,
          lastHeartbeatAt: ctx.now,
          acquiredAt: ctx.now,
          state: 'active',
          readyForReclaim: false,
          sweepStage: 0,
          updatedAt: ctx.now,
          progressCheckAt,
        })
        .where(eq(jobLeases.jobId, jobId))
        .returning();
      await recordLeaseHistory(tx, ctx, acquired, 'acquired');
      // A live lease again: the lease-time incidents of this job are over.
      const resolved = await resolveIncidents(tx, ctx.now, jobId, `lease acquired by ${input.worker_id} (token ${acquired.fencingToken})`, [...LEASE_SIGNALS]);
      const closed = await obsoletePendingRequests(tx, ctx, jobId, `lease acquired by ${input.worker_id} with token ${acquired.fencingToken} before a decision`);
      await auditCtx(
        ctx,
        {
          action: 'lease.acquire',
          target: jobId,
          jobId,
          details: {
            worker_id: input.worker_id,
            fencing_token: acquired.fencingToken,
            previous_fencing_token: lease.fencingToken,
            previous_worker_id: lease.workerId,
            previous_state: lease.state,
            resolved_incident_ids: resolved,
            closed_request_ids: closed,
          },
        },
        tx,
      );
      return { lease: acquired, event: 'acquired' as const };
    });
  } catch (e) {
    if (isWatchdogError(e) && e.code === 'stale_fencing_token') {
      // A fenced-off worker is evidence; recording it must not turn the 409 into a 500.
      await appendAudit(ctx.db, ctx.actor, ctx.now, {
        action: 'lease.refused',
        target: jobId,
        jobId,
        details: { code: e.code, worker_id: input.worker_id, fencing_token: input.fencing_token ?? null, ...(e.details as Record<string, unknown>) },
      }).catch((err: unknown) => log.error({ err, jobId }, 'could not audit a refused heartbeat'));
    }
    throw e;
  }
  nudgeScheduler(result.lease.leaseExpiresAt);
  if (result.event === 'renewed') announceChange(ctx.db, 'lease', jobId);
  const directives = await directivesFor(ctx.db, result.lease, rules, ctx.now);
  return { lease: toLeaseJson(result.lease, rules, ctx.now), directives };
}

/**
 * The common heartbeats as ONE statement (no transaction, one round trip):
 * - a renewal: the caller's own active lease, unexpired, with its current token (or none) — the
 *   renewal branch's exact conditions, checked by the UPDATE itself, nothing audited as before;
 * - the first acquisition of a job never leased: the INSERT of token 1, audited (`lease.acquire`)
 *   as the full path does, by the same statement.
 * Either writes its lease_history row (evidence a rules preview replays: no_progress, lease_expired,
 * queue_stuck), all in data-modifying CTEs: all or nothing. The statement also reads what the answer
 * needs — the rules version in force (the cached rules are used when it matches) and the job's pending
 * release/reclaim requests. With a `credential` (lib/ingest: a token this process has seen
 * authenticate) it also checks that the token still grants the write, so the request needs no
 * authentication round trip. A renewal is not announced by the database (migration 0013): it is
 * announced after it, gathered with others (`announceChange`); an acquisition is, by the lease trigger.
 * Null: not one of these cases (a conflict, a stale token, a released or expired lease, a token that
 * no longer grants): nothing was written, and the caller takes the full path, which answers exactly.
 */
export async function heartbeatInOneStatement(ctx: Ctx, jobId: string, input: LeaseInput, credential?: StatementCredential) {
  const now = ctx.now.toISOString();
  const cached = await cachedRules(ctx.db);
  const progressCheckAt = new Date(ctx.now.getTime() + ruleParam(cached, 'no_progress', 'quiet_s') * 1000);
  const grants = credential ? tokenGrantsSql(credential, sql`${input.worker_id}`) : sql`true`;
  const token = input.fencing_token ?? null;
  const name = `watchdog_heartbeat${credential ? '_token' : ''}`;
  const res = await executeNamed(
    ctx.db,
    name,
    sql`
    with grant_ok as (select ${grants} as ok),
    renewed as (
      update job_leases set lease_expires_at = ${input.lease_expires_at.toISOString()}::timestamptz, last_heartbeat_at = ${now}::timestamptz,
        sweep_stage = 0, updated_at = ${now}::timestamptz
      where job_id = ${jobId} and worker_id = ${input.worker_id} and state = 'active' and lease_expires_at > ${now}::timestamptz
        and (${token}::bigint is null or fencing_token = ${token}::bigint) and (select ok from grant_ok)
      returning *
    ), acquired as (
      insert into job_leases (job_id, worker_id, fencing_token, lease_expires_at, last_heartbeat_at, acquired_at, state, ready_for_reclaim, sweep_stage, updated_at, progress_check_at)
      select ${jobId}, ${input.worker_id}, 1, ${input.lease_expires_at.toISOString()}::timestamptz, ${now}::timestamptz, ${now}::timestamptz, 'active', false, 0, ${now}::timestamptz, ${progressCheckAt.toISOString()}::timestamptz
      where (select ok from grant_ok) and not exists (select 1 from renewed) and not exists (select 1 from job_leases where job_id = ${jobId})
      on conflict do nothing
      returning *
    ), leased as (
      select renewed.*, 'renewed' as event from renewed union all select acquired.*, 'acquired' as event from acquired
    ), history as (
      insert into lease_history (job_id, worker_id, fencing_token, lease_expires_at, event, at, actor)
      select job_id, worker_id, fencing_token, lease_expires_at, event, ${now}::timestamptz, ${ctx.actor.label} from leased
    ), audited as (
      ${auditInsertSql(
        ctx.actor,
        ctx.now,
        { action: 'lease.acquire', target: jobId, jobId, details: { worker_id: input.worker_id, fencing_token: 1, previous_fencing_token: null } },
        sql`exists (select 1 from acquired)`,
      )}
    )
    select leased.*, ${currentRulesVersionSql} as rules_version,
      (select coalesce(json_agg(action order by created_at), '[]'::json) from repair_actions
        where job_id = ${jobId} and result = 'pending' and action in (${sql.join(
          DANGEROUS_ACTIONS.map((a) => sql`${a}`),
          sql`, `,
        )})) as pending_actions
    from leased`,
  );
  const row = rowsOf<Record<string, unknown>>(res)[0];
  if (!row) return null;
  let lease = toLeaseRow(row);
  const rules = Number(row.rules_version) === cached.version ? cached : await refreshRules(ctx.db);
  if (row.event === 'acquired' && rules !== cached) {
    // the rules changed since this process read them: the holder's quiet time follows the rules in force
    const quietEnds = new Date(ctx.now.getTime() + ruleParam(rules, 'no_progress', 'quiet_s') * 1000);
    if (quietEnds.getTime() !== progressCheckAt.getTime()) {
      [lease] = await ctx.db
        .update(jobLeases)
        .set({ progressCheckAt: quietEnds })
        .where(and(eq(jobLeases.jobId, jobId), eq(jobLeases.fencingToken, 1), eq(jobLeases.state, 'active')))
        .returning();
      lease ??= toLeaseRow(row);
    }
  }
  const pending = (typeof row.pending_actions === 'string' ? JSON.parse(row.pending_actions) : row.pending_actions) as DangerousAction[];
  nudgeScheduler(lease.leaseExpiresAt);
  if (row.event === 'renewed') announceChange(ctx.db, 'lease', jobId);
  return { lease: toLeaseJson(lease, rules, ctx.now), directives: await directivesFor(ctx.db, lease, rules, ctx.now, pending) };
}

/** What the watchdog wants from the holder now. */
export async function directivesFor(db: Db, lease: LeaseRow, rules: RuleSet, now: Date, pendingActions?: readonly DangerousAction[]): Promise<Directive[]> {
  const out: Directive[] = [];
  if (lease.state === 'released') {
    out.push({ action: 'stop', reason: `the lease was ${lease.readyForReclaim ? 'reclaimed' : 'released'} by a supervisor (fencing token now ${lease.fencingToken}): stop working on this job` });
    return out;
  }
  if (lease.state === 'completed') return out;
  const risk = riskLevel(lease, rules, now);
  const left = Math.round((lease.leaseExpiresAt.getTime() - now.getTime()) / 1000);
  if (risk === 'near_expiry') out.push({ action: 'heartbeat', reason: `lease has ${left}s left (< ${ruleParam(rules, 'lease_near_expiry', 'within_s')}s): send a progress heartbeat` });
  if (risk === 'expired' || risk === 'stale') out.push({ action: 'heartbeat', reason: 'the lease expiry given is already past: renew it with a future lease_expires_at' });
  const pending =
    pendingActions?.map((action) => ({ action })) ??
    (await db
      .select({ action: repairActions.action })
      .from(repairActions)
      .where(and(eq(repairActions.jobId, lease.jobId), eq(repairActions.result, 'pending'), inArray(repairActions.action, DANGEROUS_ACTIONS))));
  for (const p of pending) out.push({ action: 'await_supervisor', reason: `a ${p.action} request for this job awaits a supervisor` });
  return out;
}

export async function getLease(ctx: Ctx, jobId: string) {
  const [lease] = await ctx.db.select().from(jobLeases).where(eq(jobLeases.jobId, jobId));
  if (!lease) throw notFound(`lease of job ${jobId}`);
  if (ctx.actor.role === 'worker' && lease.workerId !== ctx.actor.workerId) throw forbidden(`job ${jobId} is not held by worker ${ctx.actor.workerId}`);
  const rules = await getCurrentRules(ctx.db);
  return { lease: toLeaseJson(lease, rules, ctx.now), directives: await directivesFor(ctx.db, lease, rules, ctx.now) };
}

/**
 * Releases a lease for a supervisor: state released, fencing token bumped so the old holder is
 * fenced off. A completed job cannot be released (409 lease_conflict); no lease: null.
 */
export async function releaseLease(tx: Db, ctx: Ctx, jobId: string, mode: DangerousAction): Promise<LeaseRow | null> {
  const [lease] = await tx.select().from(jobLeases).where(eq(jobLeases.jobId, jobId)).for('update');
  if (!lease) return null;
  if (lease.state === 'completed') {
    throw conflict('lease_conflict', `job ${jobId} is already completed: there is nothing to ${mode}`, { state: 'completed', worker_id: lease.workerId });
  }
  const [released] = await tx
    .update(jobLeases)
    .set({ state: 'released', fencingToken: lease.fencingToken + 1, readyForReclaim: mode === 'reclaim', sweepStage: 0, updatedAt: ctx.now })
    .where(eq(jobLeases.jobId, jobId))
    .returning();
  await recordLeaseHistory(tx, ctx, released, mode === 'reclaim' ? 'reclaimed' : 'released');
  return released;
}

export async function listLeaseHistory(db: Db, jobId: string): Promise<LeaseHistoryEntryJson[]> {
  const rows = await db.select().from(leaseHistory).where(eq(leaseHistory.jobId, jobId)).orderBy(asc(leaseHistory.at), asc(leaseHistory.id));
  return rows.map((h) => ({
    event: h.event,
    worker_id: h.workerId,
    fencing_token: h.fencingToken,
    lease_expires_at: h.leaseExpiresAt?.toISOString() ?? null,
    at: h.at.toISOString(),
    actor: h.actor,
  }));
}
