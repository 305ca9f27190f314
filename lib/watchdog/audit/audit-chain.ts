import { and, asc, desc, eq, gt, gte, lt, type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { auditLog } from '@/db/schema';
import type { Ctx, Role } from '../context';
import { canonicalJson, sha256Hex } from '../hash';
import type { AuditEntryJson } from '@/lib/schemas/responses';

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

/**
 * The hash of one entry: sha256 over the previous entry's hash and the entry's whole content,
 * its id included (so renumbering shows) and the helper command's output hash where one exists.
 */
export function hashAuditRow(prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  const content = canonicalJson({
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    actor_role: row.actorRole ?? null,
    action: row.action,
    target: row.target ?? null,
    job_id: row.jobId ?? null,
    output_hash: row.outputHash ?? null,
    details: row.details ?? {},
  });
  return 'sha256:' + sha256Hex(prevHash + '\n' + content);
}

/**
 * Text as PostgreSQL can store it: a NUL character (which text and jsonb refuse) becomes U+FFFD,
 * as does a lone surrogate (which the UTF-8 encoding would turn into U+FFFD anyway), so client
 * text never makes a write fail and stored audit content hashes the same when read back.
 */
export function storableText(text: string): string {
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** storableText applied to every string (keys included) of a JSON value. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[storableText(k)] = storableJson(v);
    return out as T;
  }
  return value;
}

/** The stored row of an entry: id and link given, text made storable, the hash computed. */
function linkAuditRow(id: number, prevHash: string, actor: { label: string; role: Role | null }, now: Date, entry: AuditEntry): AuditRow {
  const row = {
    id,
    at: now,
    actor: storableText(actor.label),
    actorRole: actor.role ?? null,
    action: storableText(entry.action),
    target: entry.target == null ? null : storableText(entry.target),
    jobId: entry.jobId ?? null,
    outputHash: entry.outputHash ?? null,
    details: JSON.parse(JSON.stringify(storableJson(entry.details ?? {}))) as Record<string, unknown>,
  };
  return { ...row, prevHash, hash: hashAuditRow(prevHash, row) };
}

/**
 * Appends one entry to the hash chain. Call it with the transaction that makes the change, so the
 * entry and the change commit together. A transaction-scoped advisory lock (held until that
 * transaction ends) keeps appends ordered: ids are assigned here, gapless, under the lock, so the
 * chain order is the id order and a removed entry leaves a hole. Call it last in a transaction:
 * the audit lock must be the last lock a transaction takes, or lock orders could cross.
 * This and appendAuditBatch are the only writers of audit_log.
 */
export async function appendAudit(db: Db, actor: { label: string; role: Role | null }, now: Date, entry: AuditEntry): Promise<AuditRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    const row = linkAuditRow((last?.id ?? 0) + 1, last?.hash ?? GENESIS_HASH, actor, now, entry);
    const [inserted] = await tx.insert(auditLog).values(row).returning();
    return inserted;
  });
}

/**
 * Appends several entries, in the order given, as consecutive links of the chain — exactly what
 * appending them one by one would store, in four statements whatever their number: the audit lock
 * taken once, the last entry read once, ids and hashes computed here in order, and one INSERT of
 * all the rows (a JSON record set: one parameter, so no limit on the rows). Same rules as
 * appendAudit: the change's transaction, called last. Returns the rows as stored, in chain order.
 * No entries: nothing is locked or written.
 */
export async function appendAuditBatch(db: Db, actor: { label: string; role: Role | null }, now: Date, entries: AuditEntry[]): Promise<AuditRow[]> {
  if (!entries.length) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    let id = last?.id ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const rows = entries.map((entry) => {
      const row = linkAuditRow(++id, prevHash, actor, now, entry);
      prevHash = row.hash;
      return row;
    });
    const records = rows.map((r) => ({
      id: r.id,
      actor: r.actor,
      actor_role: r.actorRole,
      action: r.action,
      target: r.target,
      job_id: r.jobId,
      output_hash: r.outputHash,
      details: r.details,
      prev_hash: r.prevHash,
      hash: r.hash,
    }));
    const res = await tx.execute(sql`
      insert into audit_log (id, at, actor, actor_role, action, target, job_id, output_hash, details, prev_hash, hash)
      select r.id, ${now.toISOString()}::timestamptz, r.actor, r.actor_role, r.action, r.target, r.job_id, r.output_hash, r.details, r.prev_hash, r.hash
      from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
        as r(id bigint, actor text, actor_role text, action text, target text, job_id text, output_hash text, details jsonb, prev_hash text, hash text)
      returning id`);
    if (rowsOf(res).length !== rows.length) throw new Error(`appendAuditBatch: ${rowsOf(res).length} of ${rows.length} entries stored`);
    return rows;
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
  /** the newest entry checked: keep it elsewhere to notice a cut-off tail later */
  last_id?: number;
  last_hash?: string;
}

/**
 * Recomputes the whole chain in pages. Reports the first entry whose link, id sequence or content
 * hash is wrong: an edited row fails its own hash, a deleted row breaks the id sequence and the
 * next row's link. (Cutting entries off the end leaves a valid shorter chain; `last_id`/`last_hash`
 * are returned so an outside observer can anchor the head.)
 */
export async function verifyAuditChain(db: Db, pageSize = 2000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.id, lastId)).orderBy(asc(auditLog.id)).limit(pageSize);
    if (rows.length === 0) return checked ? { ok: true, checked, last_id: lastId, last_hash: prevHash } : { ok: true, checked };
    for (const row of rows) {
      const bad = (reason: string): AuditVerification => ({ ok: false, checked, first_bad_id: row.id, reason });
      if (row.id !== lastId + 1) return bad(`entry ${lastId + 1} is missing: the chain jumps from ${lastId} to ${row.id}`);
      if (row.prevHash !== prevHash) return bad('prev_hash does not link to the previous entry');
      if (hashAuditRow(prevHash, row) !== row.hash) return bad('content does not match its hash');
      prevHash = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}

export function toAuditJson(row: AuditRow): AuditEntryJson {
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

/** Newest first; `cursor` is the id of the last entry of the previous page; `job_id` narrows to one job. */
/** A filter on a text column: exact, or — ending with `*` — a prefix; both in byte order ("C"), the order of its index (0011_console_reads). */
function textMatch(column: typeof auditLog.action | typeof auditLog.actor, value: string | undefined): SQL | undefined {
  if (!value) return undefined;
  if (!value.endsWith('*')) return sql`${column} collate "C" = ${value}`;
  const prefix = value.slice(0, -1);
  if (!prefix) return undefined;
  const last = prefix.codePointAt(prefix.length - 1)!;
  const upper = prefix.slice(0, prefix.length - String.fromCodePoint(last).length) + String.fromCodePoint(last + 1);
  return sql`(${column} >= ${prefix} collate "C" and ${column} < ${upper} collate "C")`;
}

export interface AuditFilters {
  cursor?: number;
  limit: number;
  job_id?: string;
  /** exact, or a prefix ending with `*` */
  action?: string;
  actor?: string;
  /** ISO times: at or after `from`, before `to` */
  from?: string;
  to?: string;
}

/** The audit log newest first, filtered, one page at a time (`next_cursor`: the last id of the page). */
export async function listAudit(db: Db, opts: AuditFilters) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        opts.cursor ? lt(auditLog.id, opts.cursor) : undefined,
        opts.job_id ? eq(auditLog.jobId, opts.job_id) : undefined,
        textMatch(auditLog.action, opts.action),
        textMatch(auditLog.actor, opts.actor),
        opts.from ? gte(auditLog.at, new Date(opts.from)) : undefined,
        opts.to ? lt(auditLog.at, new Date(opts.to)) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return {
    entries: page.map(toAuditJson),
    next_cursor: rows.length > opts.limit ? String(page[page.length - 1].id) : null,
  };
}
