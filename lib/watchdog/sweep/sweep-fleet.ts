import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { AuditEntry } from '../audit';
import type { Ctx } from '../context';
import { openIncidents, openWorkerIncidents, recordResolutionLearnings } from '../incidents';
import { enqueueNotifications } from '../notify';
import { insertRepairActions } from '../repairs';
import { judgeNoProgress, judgeWorkerSilent, type RuleSet, ruleEnabled, ruleParam, ruleSeverity, WATCH_WINDOW_MS } from '../rules';
import type { Finding } from './sweep';

const BATCH = 1000;
/** A job found not moving is looked at again this soon, to resolve the incident once it moves. */
const STALLED_RECHECK_MS = 60_000;

const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

/**
 * The statements of the fleet stages, exported so a test can EXPLAIN them. Each takes its due rows
 * from a partial index: job_leases_progress_idx (progress_check_at) where state = 'active', and
 * workers_watch_idx (last_seen_at) where silent_detected_at is null.
 */
export const fleetStatements = {
  /**
   * Active leases whose progress check is due, with the evidence the no_progress rule needs: the
   * latest first sight of an output hash or a phase in the job (new_progress or new_phase, kept exact
   * at ingest by migration 0015's trigger: one probe of helper_events_progress_idx, the flags a
   * replay reads too), the open no_progress incident, the latest event.
   */
  progressDue: (now: Date) => sql`
    with due as (
      select job_id from job_leases
      where state = 'active' and (progress_check_at <= ${now.toISOString()}::timestamptz or progress_check_at is null)
      order by progress_check_at nulls first
      limit ${BATCH}
      for update skip locked
    )
    select l.job_id, l.worker_id, l.state, l.fencing_token, l.acquired_at, l.last_heartbeat_at,
      (select max(h.created_at) from helper_events h where h.job_id = l.job_id and (h.new_progress or h.new_phase)) as last_progress_at,
      (select i.id from incidents i where i.job_id = l.job_id and i.signal = 'no_progress' and i.status = 'open') as open_incident_id,
      e.id as last_event_id, e.output_hash as last_output_hash
    from job_leases l
    join due on due.job_id = l.job_id
    left join lateral (select h.id, h.output_hash from helper_events h where h.job_id = l.job_id order by h.created_at desc limit 1) e on true`,
  /** workers seen in the last 24 h but not since the cutoff, not yet flagged → flagged */
  silent: (now: Date, cutoff: Date) => sql`
    update workers set silent_detected_at = ${now.toISOString()}::timestamptz
    where worker_id in (
      select worker_id from workers
      where silent_detected_at is null and last_seen_at <= ${cutoff.toISOString()}::timestamptz
        and last_seen_at >= ${new Date(now.getTime() - WATCH_WINDOW_MS).toISOString()}::timestamptz
      order by last_seen_at
      limit ${BATCH}
      for update skip locked)
    returning worker_id, last_seen_at, runner_version`,
  /** the earliest progress check and the earliest watched sighting */
  deadlines: (now: Date) => sql`
    select
      (select min(progress_check_at) from job_leases where state = 'active') as progress_check,
      exists (select 1 from job_leases where state = 'active' and progress_check_at is null) as progress_unscheduled,
      (select min(last_seen_at) from workers where silent_detected_at is null
         and last_seen_at >= ${new Date(now.getTime() - WATCH_WINDOW_MS).toISOString()}::timestamptz) as watched_seen`,
};

/**
 * no_progress: every active lease whose progress check is due is judged by the rule
 * (rules/signals/no-progress.ts). Stalled and not yet reported: an incident, a notify_owner repair
 * (system), a notification and an audit entry. Moving again (or the lease ended) with an incident
 * open: the incident resolves. Each lease gets its next check time. Set-based: one statement per
 * table for the whole batch.
 */
export async function sweepNoProgress(tx: Db, ctx: Ctx, rules: RuleSet, audits: AuditEntry[]): Promise<Finding[]> {
  if (!ruleEnabled(rules, 'no_progress')) return [];
  const quietS = ruleParam(rules, 'no_progress', 'quiet_s');
  const severity = ruleSeverity(rules, 'no_progress');
  const rows = rowsOf<Record<string, unknown>>(await tx.execute(fleetStatements.progressDue(ctx.now)));
  if (!rows.length) return [];
  const next: { job_id: string; at: string }[] = [];
  const stalled: { row: Record<string, unknown>; since: Date; firstFailureAt: Date }[] = [];
  const recovered: { id: string; reason: string }[] = [];
  for (const row of rows) {
    const verdict = judgeNoProgress(
      { leaseState: String(row.state), acquiredAt: date(row.acquired_at)!, lastHeartbeatAt: date(row.last_heartbeat_at)!, lastProgressAt: date(row.last_progress_at) },
      { quiet_s: quietS },
      ctx.now,
    );
    const jobId = String(row.job_id);
    if (verdict.detected) {
      next.push({ job_id: jobId, at: new Date(ctx.now.getTime() + Math.min(quietS * 1000, STALLED_RECHECK_MS)).toISOString() });
      if (!row.open_incident_id) stalled.push({ row, since: verdict.since, firstFailureAt: verdict.firstFailureAt });
      continue;
    }
    next.push({ job_id: jobId, at: (verdict.nextCheckAt ?? new Date(ctx.now.getTime() + quietS * 1000)).toISOString() });
    if (row.open_incident_id && verdict.reason !== 'not_renewed') {
      recovered.push({ id: String(row.open_incident_id), reason: verdict.reason === 'moving' ? `progress resumed: new output at ${verdict.since?.toISOString()}` : 'the lease is no longer active' });
    }
  }
  await tx.execute(sql`
    update job_leases l set progress_check_at = x.at
    from jsonb_to_recordset(${JSON.stringify(next)}::jsonb) as x(job_id text, at timestamptz)
    where l.job_id = x.job_id`);
  if (recovered.length) {
    const res = await tx.execute(sql`
      update incidents i set status = 'resolved', resolved_at = ${ctx.now.toISOString()}::timestamptz, resolution = x.reason
      from jsonb_to_recordset(${JSON.stringify(recovered)}::jsonb) as x(id uuid, reason text)
      where i.id = x.id and i.status = 'open'
      returning i.id`);
    await recordResolutionLearnings(
      tx,
      ctx.now,
      rowsOf<{ id: string }>(res).map((r) => String(r.id)),
    );
  }
  if (!stalled.length) return [];
  stalled.sort((a, b) => a.firstFailureAt.getTime() - b.firstFailureAt.getTime() || (String(a.row.job_id) < String(b.row.job_id) ? -1 : 1));
  const incs = await openIncidents(
    tx,
    ctx.now,
    stalled.map(({ row, since, firstFailureAt }) => ({
      jobId: String(row.job_id),
      workerId: String(row.worker_id),
      signal: 'no_progress' as const,
      firstFailureAt,
      evidenceEventIds: row.last_event_id ? [String(row.last_event_id)] : [],
      details: {
        worker_id: String(row.worker_id),
        severity,
        quiet_s: quietS,
        last_progress_at: since.toISOString(),
        last_heartbeat_at: date(row.last_heartbeat_at)!.toISOString(),
        fencing_token: Number(row.fencing_token),
      },
      ruleVersion: rules.version,
    })),
  );
  const actions = stalled.map(({ row, since }, i) => ({
    id: randomUUID(),
    jobId: String(row.job_id),
    trigger: 'no_progress',
    action: 'notify_owner',
    authority: 'system',
    result: 'success',
    evidenceEventIds: row.last_event_id ? [String(row.last_event_id)] : [],
    note: `alive but not moving: lease renewed by ${String(row.worker_id)}, no new output or phase since ${since.toISOString()} (quiet_s ${quietS})`,
    outputHash: (row.last_output_hash as string | null) ?? null,
    incidentId: incs[i].id,
    requestedBy: 'system:sweep',
    createdAt: ctx.now,
  }));
  await insertRepairActions(tx, actions);
  await enqueueNotifications(
    tx,
    ctx.now,
    stalled.map(({ row, since }, i) => ({
      kind: 'notify_owner' as const,
      jobId: String(row.job_id),
      payload: { signal: 'no_progress', severity, job_id: String(row.job_id), worker_id: String(row.worker_id), incident_id: incs[i].id, last_progress_at: since.toISOString(), quiet_s: quietS },
    })),
  );
  stalled.forEach(({ row, since }, i) =>
    audits.push({
      action: 'detect.no_progress',
      target: incs[i].id,
      jobId: String(row.job_id),
      outputHash: (row.last_output_hash as string | null) ?? null,
      details: { signal: 'no_progress', severity, worker_id: String(row.worker_id), last_progress_at: since.toISOString(), quiet_s: quietS, action_id: actions[i].id, rule_version: rules.version },
    }),
  );
  return stalled.map(({ row }, i) => ({ signal: 'no_progress' as const, job_id: String(row.job_id), worker_id: String(row.worker_id), incident_id: incs[i].id, action_id: actions[i].id }));
}

/**
 * worker_silent, the dead man's switch: workers seen in the last 24 h and not for silent_s are
 * flagged (so each silence is reported once), each gets a worker-level incident (job_id null), a
 * notification for the owner and an audit entry. Seeing the worker again clears the flag and
 * resolves the incident (fleet/seen.ts).
 */
export async function sweepWorkerSilent(tx: Db, ctx: Ctx, rules: RuleSet, audits: AuditEntry[]): Promise<Finding[]> {
  if (!ruleEnabled(rules, 'worker_silent')) return [];
  const silentS = ruleParam(rules, 'worker_silent', 'silent_s');
  const severity = ruleSeverity(rules, 'worker_silent');
  const cutoff = new Date(ctx.now.getTime() - silentS * 1000);
  const rows = rowsOf<{ worker_id: string; last_seen_at: string | Date; runner_version: string | null }>(await tx.execute(fleetStatements.silent(ctx.now, cutoff)));
  const due = rows
    .map((r) => ({ workerId: r.worker_id, lastSeenAt: date(r.last_seen_at)!, runnerVersion: r.runner_version }))
    .map((w) => ({ ...w, verdict: judgeWorkerSilent({ lastSeenAt: w.lastSeenAt }, { silent_s: silentS }, ctx.now) }))
    .filter((w): w is typeof w & { verdict: { detected: true; firstFailureAt: Date } } => w.verdict.detected)
    .sort((a, b) => a.lastSeenAt.getTime() - b.lastSeenAt.getTime() || (a.workerId < b.workerId ? -1 : 1));
  if (!due.length) return [];
  const incs = await openWorkerIncidents(
    tx,
    ctx.now,
    due.map((w) => ({
      workerId: w.workerId,
      signal: 'worker_silent' as const,
      firstFailureAt: w.verdict.firstFailureAt,
      details: { worker_id: w.workerId, severity, silent_s: silentS, last_seen_at: w.lastSeenAt.toISOString(), runner_version: w.runnerVersion },
      ruleVersion: rules.version,
    })),
  );
  await enqueueNotifications(
    tx,
    ctx.now,
    due.map((w, i) => ({
      kind: 'notify_owner' as const,
      jobId: null,
      payload: { signal: 'worker_silent', severity, worker_id: w.workerId, incident_id: incs[i].id, last_seen_at: w.lastSeenAt.toISOString(), silent_s: silentS },
    })),
  );
  due.forEach((w, i) =>
    audits.push({
      action: 'detect.worker_silent',
      target: incs[i].id,
      details: { signal: 'worker_silent', severity, worker_id: w.workerId, last_seen_at: w.lastSeenAt.toISOString(), silent_s: silentS, rule_version: rules.version },
    }),
  );
  return due.map((w, i) => ({ signal: 'worker_silent' as const, job_id: null, worker_id: w.workerId, incident_id: incs[i].id }));
}

/** The next deadline of the fleet stages: a due progress check, or the moment a watched worker turns silent. */
export async function nextFleetDeadline(db: Db, rules: RuleSet, now: Date): Promise<number | null> {
  const progress = ruleEnabled(rules, 'no_progress');
  const silent = ruleEnabled(rules, 'worker_silent');
  if (!progress && !silent) return null;
  const row = rowsOf<{ progress_check: string | Date | null; progress_unscheduled: boolean; watched_seen: string | Date | null }>(await db.execute(fleetStatements.deadlines(now)))[0];
  const candidates: number[] = [];
  if (progress && row?.progress_unscheduled) candidates.push(now.getTime());
  if (progress && row?.progress_check) candidates.push(date(row.progress_check)!.getTime());
  if (silent && row?.watched_seen) candidates.push(date(row.watched_seen)!.getTime() + ruleParam(rules, 'worker_silent', 'silent_s') * 1000);
  return candidates.length ? Math.min(...candidates) : null;
}
