import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Signal } from '@/lib/schemas/common';
import { type AuditEntry, appendAuditBatch } from '../audit';
import type { Ctx } from '../context';
import { getCurrentRules, type RuleSet, ruleEnabled, ruleParam } from '../rules';
import { telemetry } from '../telemetry';
import { sweepStatements } from './sweep-statements';
import { nextFleetDeadline, sweepNoProgress, sweepWorkerSilent } from './sweep-fleet';
import { sweepExpired, sweepStuck } from './sweep-stages';

export interface Finding {
  signal: Signal;
  /** null for a worker-level finding (worker_silent) */
  job_id: string | null;
  /** set for the fleet signals: the worker concerned */
  worker_id?: string;
  incident_id: string | null;
  action_id?: string | null;
}

export interface SweepResult {
  swept_at: string;
  findings: Finding[];
  /** set when another sweeper held the leadership lock and this sweep stood down */
  skipped?: boolean;
}

export interface SweepOptions {
  /** stand down (instead of waiting) when another instance is sweeping — what the scheduler does */
  skipIfBusy?: boolean;
}

export const SWEEP_LOCK = 7265004;

/**
 * One watchdog sweep. Only due leases are read: every query is a range scan of the partial index
 * (sweep_stage, lease_expires_at) where state in ('active', 'expired'), so the cost grows with what
 * is due, not with all leases. `sweep_stage` records how far a lease was escalated (0 none,
 * 1 expired, 2 queue stuck), so a lease is never reported twice for the same stage.
 * Leadership: a transaction-scoped advisory lock — concurrent sweeps (N instances, the scheduler
 * and an HTTP sweep) run one after the other, or stand down with `skipIfBusy`; the partial unique
 * indexes make a duplicate incident or pending request impossible anyway.
 * Set-based: each stage handles all its due leases (up to BATCH) with a fixed number of
 * statements — at most 21 for a whole sweep (6–7 when idle), however many leases are due. Lock
 * order: the due lease rows (the stage UPDATEs), then incidents and requests of those jobs, the
 * audit lock last.
 */
export async function runSweep(ctx: Ctx, opts: SweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const rules = await getCurrentRules(ctx.db);
  const result = await ctx.db.transaction(async (tx) => {
    if (opts.skipIfBusy) {
      const res = await tx.execute(sql`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as leader`);
      if (!rowsOf<{ leader: boolean }>(res)[0]?.leader) return null;
    } else {
      await tx.execute(sql`select pg_advisory_xact_lock(${SWEEP_LOCK})`);
    }
    const audits: AuditEntry[] = [];
    const out: Finding[] = [];
    out.push(...(await sweepNearExpiry(tx, ctx, rules)));
    out.push(...(await sweepExpired(tx, ctx, rules)));
    out.push(...(await sweepStuck(tx, ctx, rules, audits)));
    out.push(...(await sweepNoProgress(tx, ctx, rules, audits)));
    out.push(...(await sweepWorkerSilent(tx, ctx, rules, audits)));
    // The audit lock is the last lock a transaction takes; one batch for the whole sweep.
    await appendAuditBatch(tx, ctx.actor, ctx.now, audits);
    return out;
  });
  telemetry().sweepDuration.observe((performance.now() - started) / 1000);
  if (result === null) return { swept_at: ctx.now.toISOString(), findings: [], skipped: true };
  return { swept_at: ctx.now.toISOString(), findings: result };
}

/** Active leases with less than within_s left: the holder gets a heartbeat directive (no incident). */
async function sweepNearExpiry(tx: Db, ctx: Ctx, rules: RuleSet): Promise<Finding[]> {
  if (!ruleEnabled(rules, 'lease_near_expiry')) return [];
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const res = await tx.execute(sweepStatements.nearExpiry(ctx.now, within));
  return rowsOf<{ job_id: string }>(res).map((r) => ({ signal: 'lease_near_expiry' as const, job_id: r.job_id, incident_id: null }));
}

/**
 * When the next lease deadline falls: the start of a near-expiry window, an expiry, the end of a
 * stuck grace. Each part is one index lookup (the first entry of a (sweep_stage, lease_expires_at)
 * range), so asking is cheap however many leases there are.
 */
export async function nextSweepDeadline(db: Db, now: Date): Promise<Date | null> {
  const rules = await getCurrentRules(db);
  const within = ruleParam(rules, 'lease_near_expiry', 'within_s') * 1000;
  const expiredGrace = ruleParam(rules, 'lease_expired', 'grace_s') * 1000;
  const stuckGrace = ruleParam(rules, 'queue_stuck', 'grace_s') * 1000;
  const res = await db.execute(sweepStatements.deadlines(now, within));
  const row = rowsOf<{ near_start: string | Date | null; stage0: string | Date | null; stage1: string | Date | null }>(res)[0];
  const candidates: number[] = [];
  const near = ruleEnabled(rules, 'lease_near_expiry');
  const expired = ruleEnabled(rules, 'lease_expired');
  const stuck = ruleEnabled(rules, 'queue_stuck');
  if (near && row?.near_start) candidates.push(new Date(row.near_start).getTime() - within + 1);
  if (row?.stage0 && (expired || stuck)) candidates.push(new Date(row.stage0).getTime() + Math.min(expired ? expiredGrace : Infinity, stuck ? stuckGrace : Infinity));
  if (stuck && row?.stage1) candidates.push(new Date(row.stage1).getTime() + stuckGrace + 1);
  const fleet = await nextFleetDeadline(db, rules, now);
  if (fleet !== null) candidates.push(fleet);
  return candidates.length ? new Date(Math.min(...candidates)) : null;
}
