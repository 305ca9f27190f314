import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { auditLog } from '@/db/schema';
import type { Ctx, Role } from './context';
import { canonicalJson, sha256Hex } from './hash';

export const GENESIS_HASH = 'sha256:' + '0'.repeat(64);
const AUDIT_LOCK = 7265002;

export interface AuditEntry {
  action: string;
  target?: string | null;
  jobId?: string | null;
  outputHash?: string | null;
  details?: Record<string, unknown>;
}

type AuditRow = typeof auditLog.$inferSelect;

function hashAuditRow(prevHash: string, row: Omit<AuditRow, 'id' | 'hash' | 'prevHash'>): string {
  const content = canonicalJson({
    at: row.at.toISOString(),
    actor: row.actor,
    actor_role: row.actorRole ?? null,
    action: row.action,
    target: row.target ?? null,
    job_id: row.jobId ?? null,
    output_hash: row.outputHash ?? null,
    details: JSON.parse(JSON.stringify(row.details ?? {})),
  });
  return 'sha256:' + sha256Hex(prevHash + '\n' + content);
}

/**
 * Appends one entry to the hash chain. Call it with the transaction that makes the change, so the
 * entry and the change commit together; a transaction-scoped advisory lock keeps appends ordered.
 */
export async function appendAudit(db: Db, actor: { label: string; role: Role | null }, now: Date, entry: AuditEntry): Promise<AuditRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    const prevHash = last?.hash ?? GENESIS_HASH;
    const row = {
      at: now,
      actor: actor.label,
      actorRole: actor.role,
      action: entry.action,
      target: entry.target ?? null,
      jobId: entry.jobId ?? null,
      outputHash: entry.outputHash ?? null,
      details: JSON.parse(JSON.stringify(entry.details ?? {})) as Record<string, unknown>,
    };
    const hash = hashAuditRow(prevHash, row);
    const [inserted] = await tx.insert(auditLog).values({ ...row, prevHash, hash }).returning();
    return inserted;
  });
}

/** Shortcut for domain verbs: audit as the context's actor at the context's time. */
export function auditCtx(ctx: Ctx, entry: AuditEntry, db: Db = ctx.db) {
  return appendAudit(db, ctx.actor, ctx.now, entry);
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  first_bad_id?: number;
  reason?: string;
}

/** Recomputes the whole chain in pages; the first row whose link or content hash is wrong is reported. */
export async function verifyAuditChain(db: Db, pageSize = 2000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.id, lastId)).orderBy(asc(auditLog.id)).limit(pageSize);
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      if (row.prevHash !== prevHash) return { ok: false, checked, first_bad_id: row.id, reason: 'prev_hash does not link to the previous entry' };
      if (hashAuditRow(prevHash, row) !== row.hash) return { ok: false, checked, first_bad_id: row.id, reason: 'content does not match its hash' };
      prevHash = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}

export function toAuditJson(row: AuditRow) {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    actor_role: row.actorRole,
    action: row.action,
    target: row.target,
    job_id: row.jobId,
    output_hash: row.outputHash,
    details: row.details,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

/** Newest first; `cursor` is the id of the last entry of the previous page; `job_id` keeps one job's entries. */
export async function listAudit(db: Db, opts: { cursor?: number; limit: number; job_id?: string }) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(opts.cursor ? lt(auditLog.id, opts.cursor) : undefined, opts.job_id ? eq(auditLog.jobId, opts.job_id) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return {
    entries: page.map(toAuditJson),
    next_cursor: rows.length > opts.limit ? String(page[page.length - 1].id) : null,
  };
}
