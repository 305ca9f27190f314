import { randomUUID } from 'node:crypto';
import { and, asc, eq, or, sql } from 'drizzle-orm';
import { incidents, learnings, repairActions } from '@/db/schema';
import type { Ctx } from '../context';
import { leaseHolderOf } from './learnings';

type IncidentRow = typeof incidents.$inferSelect;
type ActionRow = typeof repairActions.$inferSelect;

/** "42 s", "3 min 5 s", "2 h 10 min": a duration people read at a glance. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const signalWords: Record<string, string> = {
  claim_no_output: 'The claim printed no JSON output in time',
  fetch_failed: 'A call to the queue failed (HTTP 500 / fetch failed)',
  lease_near_expiry: 'The lease came close to expiring',
  lease_expired: 'The lease expired without a heartbeat',
  queue_stuck: 'The job stayed stuck past its lease and the grace period',
  artifact_gate_fail: 'The artifact gate refused the job (no passing artifact check)',
  no_progress: 'The job kept its lease alive but reported no new output or phase',
  loop_detected: 'The worker repeated the same command with the same output',
  worker_silent: 'The worker stopped being seen (no call, no evidence)',
};

const signalChecks: Record<string, string> = {
  claim_no_output: 'Check that the claim command prints its JSON before the claim timeout; a silent claim is retried only once.',
  fetch_failed: 'Check the queue service health before retrying a failed call, and keep the claim payload instead of claiming again.',
  lease_near_expiry: 'Send a progress heartbeat before long steps (uploads, builds) so the lease does not run out.',
  lease_expired: 'Check that the heartbeat loop is running while the job works; a lease without heartbeats expires.',
  queue_stuck: 'Check the lease and last heartbeat of a job before taking it over; a stuck job waits for a supervisor release or reclaim.',
  artifact_gate_fail: 'Run an artifact check and make sure it passes (expected status, file count) before calling complete.',
  no_progress: 'Check that the job is producing new output; a heartbeat alone does not show progress — post a progress event with what changed.',
  loop_detected: 'Before running a command again, compare its output with the last run; the same output twice means a different approach is needed, not another retry.',
  worker_silent: 'Check that the runner process is alive and can reach the console (spool status) before taking over its work.',
};

const seedAssumption: Record<string, string> = {
  claim_no_output: 'Most transient complete/context failures recover with one retry.',
  fetch_failed: 'Most transient complete/context failures recover with one retry.',
  lease_expired: 'Queue stuck can be detected from lease expiry and last heartbeat.',
  queue_stuck: 'Queue stuck can be detected from lease expiry and last heartbeat.',
  artifact_gate_fail: 'Operators accept block-complete when no open artifact exists.',
};

const resultWord = (a: ActionRow) => (a.result ? a.result : a.suggestion ? 'suggested' : 'no result recorded');

/** The three lists of a system learning, written as sentences from the incident and its repairs. */
export function composeResolutionLearning(incident: IncidentRow, actions: ActionRow[]) {
  const resolvedAt = incident.resolvedAt ?? incident.detectedAt;
  const phase = typeof (incident.details as Record<string, unknown>)?.phase === 'string' ? String((incident.details as Record<string, unknown>).phase) : null;
  const where = `${incident.jobId ? `job ${incident.jobId}` : 'the worker'}${phase ? ` (${phase} phase)` : ''}`;
  const learned = [
    `${signalWords[incident.signal] ?? `Signal ${incident.signal} fired`} on ${where}; it was detected ${formatDuration(incident.detectedAt.getTime() - incident.firstFailureAt.getTime())} after the first failure and resolved ${formatDuration(resolvedAt.getTime() - incident.firstFailureAt.getTime())} after it.`,
  ];
  const tried = actions.filter((a) => !a.suggestion || a.result);
  if (tried.length) {
    learned.push(`Tried: ${tried.map((a) => `${a.action.replace(/_/g, ' ')} by ${a.requestedBy} (${resultWord(a)})`).join(', ')}.`);
  } else {
    learned.push('No repair action was recorded before it resolved.');
  }
  learned.push(`What resolved it: ${incident.resolution ?? 'not recorded'}.`);

  const retries = tried.filter((a) => a.action === 'retry');
  const retryWorked = retries.some((a) => a.result === 'success');
  const retryFailed = retries.filter((a) => a.result === 'failed');
  const next: string[] = [];
  if (retryWorked) next.push(`One retry${phase ? ` of the ${phase} step` : ''} was enough last time: retry once before escalating.`);
  else if (retryFailed.length)
    next.push(
      `Retrying${phase ? ` the ${phase} step` : ''} did not help last time (${retryFailed.length} failed retr${retryFailed.length === 1 ? 'y' : 'ies'}); look at the cause before retrying again.`,
    );
  if (signalChecks[incident.signal]) next.push(signalChecks[incident.signal]);

  const assumptions: string[] = [];
  const seed = seedAssumption[incident.signal];
  if (seed && (incident.signal === 'claim_no_output' || incident.signal === 'fetch_failed')) {
    assumptions.push(retries.length ? `${seed} Here it ${retryWorked ? 'held: the retry succeeded' : 'did not hold: the retry failed'}.` : `${seed} Here no retry was recorded.`);
  } else if (seed) {
    assumptions.push(`${seed} Here detection took ${formatDuration(incident.detectedAt.getTime() - incident.firstFailureAt.getTime())}.`);
  }
  return { learned, nextWorkerShouldCheck: next, assumptionsToTest: assumptions };
}

/**
 * The system's learning of a resolved incident, written from its evidence in the caller's transaction
 * (ctx.db is that transaction): the signal, the repairs tried and their results, what resolved it and
 * how long it took. At most one per incident; a second call does nothing. Returns the learning id.
 */
export async function recordResolutionLearning(ctx: Ctx, incidentId: string): Promise<string | null> {
  const [incident] = await ctx.db.select().from(incidents).where(eq(incidents.id, incidentId));
  if (!incident || incident.status !== 'resolved') return null;
  const until = incident.resolvedAt ?? ctx.now;
  const actions = await ctx.db
    .select()
    .from(repairActions)
    .where(
      or(
        eq(repairActions.incidentId, incidentId),
        incident.jobId === null
          ? undefined
          : and(
              eq(repairActions.jobId, incident.jobId),
              eq(repairActions.trigger, incident.signal),
              sql`${repairActions.createdAt} >= ${incident.firstFailureAt.toISOString()}::timestamptz`,
              sql`${repairActions.createdAt} <= ${until.toISOString()}::timestamptz`,
            ),
      ),
    )
    .orderBy(asc(repairActions.createdAt))
    .limit(50);
  const lists = composeResolutionLearning(incident, actions);
  const [row] = await ctx.db
    .insert(learnings)
    .values({
      id: randomUUID(),
      jobId: incident.jobId,
      incidentId,
      workerId: incident.workerId ?? (incident.jobId ? await leaseHolderOf(ctx.db, incident.jobId) : null),
      signal: incident.signal,
      learned: lists.learned,
      nextWorkerShouldCheck: lists.nextWorkerShouldCheck,
      assumptionsToTest: lists.assumptionsToTest,
      source: 'system',
      createdBy: 'system',
      createdAt: until,
    })
    .onConflictDoNothing()
    .returning({ id: learnings.id });
  return row?.id ?? null;
}
