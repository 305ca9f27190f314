import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, lte, sql, type SQL } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { silences } from '@/db/schema';
import type { SilenceInput } from '@/lib/schemas/oncall';
import { auditCtx, storableText } from '../audit';
import type { Ctx } from '../context';
import { notFound, validationFailed } from '../errors';

/** The longest a silence may last. */
export const MAX_SILENCE_MS = 30 * 86_400_000;

type SilenceRow = typeof silences.$inferSelect;
export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(row: Pick<SilenceRow, 'startsAt' | 'endsAt'>, now: Date): SilenceState {
  if (row.endsAt.getTime() <= now.getTime()) return 'expired';
  return row.startsAt.getTime() > now.getTime() ? 'pending' : 'active';
}

export function toSilenceJson(row: SilenceRow, now: Date) {
  return {
    id: row.id,
    matchers: {
      ...(row.signal ? { signal: row.signal } : {}),
      ...(row.workerId ? { worker_id: row.workerId } : {}),
      ...(row.jobId ? { job_id: row.jobId } : {}),
    },
    starts_at: row.startsAt.toISOString(),
    ends_at: row.endsAt.toISOString(),
    comment: row.comment,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    ended_by: row.endedBy,
    state: silenceState(row, now),
  };
}

/**
 * Quiets the notifications (first and escalation) of incidents that match every given matcher,
 * from `starts_at` (default now) to `ends_at` (after now, at most 30 days after the start).
 * Detection, evidence, repairs and the D30 figures go on. Open incidents it matches now are marked
 * silenced at once. Audited.
 */
export async function createSilence(ctx: Ctx, input: SilenceInput) {
  const startsAt = input.starts_at ?? ctx.now;
  const problems: { path: string; message: string; code: string }[] = [];
  if (input.ends_at.getTime() <= ctx.now.getTime()) problems.push({ path: 'ends_at', message: 'must be in the future', code: 'custom' });
  else if (input.ends_at.getTime() <= startsAt.getTime()) problems.push({ path: 'ends_at', message: 'must be after starts_at', code: 'custom' });
  if (input.ends_at.getTime() - startsAt.getTime() > MAX_SILENCE_MS) problems.push({ path: 'ends_at', message: 'a silence lasts at most 30 days after starts_at', code: 'custom' });
  if (problems.length) throw validationFailed(problems, 'body does not match the schema');
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(silences)
      .values({
        id: randomUUID(),
        signal: input.matchers.signal ?? null,
        workerId: input.matchers.worker_id ?? null,
        jobId: input.matchers.job_id ?? null,
        startsAt,
        endsAt: input.ends_at,
        comment: storableText(input.comment),
        createdBy: ctx.actor.label,
        createdAt: ctx.now,
      })
      .returning();
    const covered = await applySilences(tx, ctx.now);
    await auditCtx(ctx, { action: 'silence.created', target: row.id, jobId: row.jobId, details: { ...toSilenceJson(row, ctx.now), incidents_silenced: covered } }, tx);
    return toSilenceJson(row, ctx.now);
  });
}

function stateFilter(state: SilenceState | 'all', now: Date): SQL | undefined {
  const at = now;
  if (state === 'expired') return lte(silences.endsAt, at);
  if (state === 'active') return and(lte(silences.startsAt, at), gt(silences.endsAt, at));
  if (state === 'pending') return gt(silences.startsAt, at);
  return undefined;
}

/** Silences newest first (at most 500): active and pending ones, and the expired ones kept for the record. */
export async function listSilences(db: Db, now: Date, state: SilenceState | 'all' = 'all') {
  const rows = await db.select().from(silences).where(stateFilter(state, now)).orderBy(desc(silences.createdAt), desc(silences.id)).limit(500);
  return rows.map((r) => toSilenceJson(r, now));
}

export async function getSilence(db: Db, id: string, now: Date) {
  const [row] = await db.select().from(silences).where(eq(silences.id, id));
  return row ? toSilenceJson(row, now) : null;
}

/** Ends a silence now (a pending one never starts); an expired one answers unchanged. Audited. */
export async function endSilence(ctx: Ctx, id: string) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(silences).where(eq(silences.id, id)).for('update');
    if (!row) throw notFound('silence', { id });
    if (silenceState(row, ctx.now) === 'expired') return toSilenceJson(row, ctx.now);
    const startsAt = row.startsAt.getTime() > ctx.now.getTime() ? ctx.now : row.startsAt;
    const [ended] = await tx.update(silences).set({ startsAt, endsAt: ctx.now, endedBy: ctx.actor.label }).where(eq(silences.id, id)).returning();
    await auditCtx(ctx, { action: 'silence.ended', target: id, jobId: row.jobId, details: { ends_at: ctx.now.toISOString(), was: silenceState(row, ctx.now) } }, tx);
    return toSilenceJson(ended, ctx.now);
  });
}

/**
 * Marks open, not yet silenced incidents that an active silence matches (all its matchers equal)
 * with that silence: from then on they get no first or escalation message. Returns how many.
 */
export async function applySilences(db: Db, now: Date): Promise<number> {
  const at = now.toISOString();
  const res = await db.execute(sql`
    update incidents i set silenced_by = (
      select s.id from silences s
      where s.starts_at <= ${at}::timestamptz and s.ends_at > ${at}::timestamptz
        and (s.signal is null or s.signal = i.signal) and (s.worker_id is null or s.worker_id = i.worker_id) and (s.job_id is null or s.job_id = i.job_id)
      order by s.created_at limit 1)
    where i.status = 'open' and i.silenced_by is null
      and exists (select 1 from silences s
        where s.starts_at <= ${at}::timestamptz and s.ends_at > ${at}::timestamptz
          and (s.signal is null or s.signal = i.signal) and (s.worker_id is null or s.worker_id = i.worker_id) and (s.job_id is null or s.job_id = i.job_id))
    returning i.id`);
  return rowsOf(res).length;
}
