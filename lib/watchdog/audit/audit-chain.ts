import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, SQL, sql } from 'drizzle-orm';
import { log } from '@/lib/log';
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
export function hashAuditRow(prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash' | 'pos'>): string {
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

/** The stored content of an entry, text made storable; id and link come later. */
function pendingAuditRow(actor: { label: string; role: Role | null }, now: Date, entry: AuditEntry) {
  return {
    at: now,
    actor: storableText(actor.label),
    actorRole: actor.role ?? null,
    action: storableText(entry.action),
    target: entry.target == null ? null : storableText(entry.target),
    jobId: entry.jobId ?? null,
    outputHash: entry.outputHash ?? null,
    details: JSON.parse(JSON.stringify(storableJson(entry.details ?? {}))) as Record<string, unknown>,
  };
}

/**
 * Appends one entry to the audit log. Call it with the transaction that makes the change, so the
 * entry and the change commit together. It is one INSERT and takes no lock: the entry's id comes
 * from the sequence, and its place in the hash chain (pos, prev_hash, hash) is given after it
 * commits, by linkAudit — the background linker of every console (startAuditLinker), or any
 * reader of the chain (listAudit, verifyAuditChain, a job's story), which links what is pending
 * first. So audited writes no longer queue behind one lock held through every writer's commit.
 * This, appendAuditBatch and auditInsertSql are the only writers of audit entries; linkAudit the only linker.
 * Returns the row as stored (not yet linked).
 */
export async function appendAudit(db: Db, actor: { label: string; role: Role | null }, now: Date, entry: AuditEntry): Promise<AuditRow> {
  const [inserted] = await db
    .insert(auditLog)
    .values(pendingAuditRow(actor, now, entry))
    .returning();
  return inserted;
}

/**
 * Appends one entry from inside another statement: SQL for `insert into audit_log … where <when>`,
 * for a statement that makes a change and audits it at once (a data-modifying CTE: both or neither),
 * e.g. a lease acquired in one round trip. The same stored content as appendAudit; `details` may be
 * SQL, as may `outputHash` (values only the statement knows, e.g. the id of the check it read).
 * Returns the fragment to place as a CTE body.
 */
export function auditInsertSql(
  actor: { label: string; role: Role | null },
  now: Date,
  entry: Omit<AuditEntry, 'details' | 'outputHash'> & { details: Record<string, unknown> | SQL; outputHash?: string | null | SQL },
  when: SQL,
): SQL {
  const { details, outputHash } = entry;
  const row = pendingAuditRow(actor, now, { ...entry, details: details instanceof SQL ? {} : details, outputHash: outputHash instanceof SQL ? null : outputHash });
  return sql`insert into audit_log (at, actor, actor_role, action, target, job_id, output_hash, details)
    select ${now.toISOString()}::timestamptz, ${row.actor}, ${row.actorRole}, ${row.action}, ${row.target}, ${row.jobId},
      ${outputHash instanceof SQL ? outputHash : row.outputHash}, ${details instanceof SQL ? details : sql`${JSON.stringify(row.details)}::jsonb`}
    where ${when}`;
}

/**
 * Appends several entries in two statements whatever their number: ids drawn from the sequence in
 * the order given (increasing, so the linker chains them in that order), then one INSERT of all the
 * rows (a JSON record set: one parameter, so no limit on the rows). Same rules as appendAudit.
 * Returns the rows as stored, in the order given. No entries: nothing is written.
 */
export async function appendAuditBatch(db: Db, actor: { label: string; role: Role | null }, now: Date, entries: AuditEntry[]): Promise<AuditRow[]> {
  if (!entries.length) return [];
  const ids = rowsOf<{ id: string | number }>(await db.execute(sql`select nextval(pg_get_serial_sequence('audit_log', 'id')) as id from generate_series(1, ${entries.length})`))
    .map((r) => Number(r.id))
    .sort((a, b) => a - b);
  const rows: AuditRow[] = entries.map((entry, i) => ({ id: ids[i], pos: null, prevHash: null, hash: null, ...pendingAuditRow(actor, now, entry) }));
  const records = rows.map((r) => ({
    id: r.id,
    actor: r.actor,
    actor_role: r.actorRole,
    action: r.action,
    target: r.target,
    job_id: r.jobId,
    output_hash: r.outputHash,
    details: r.details,
  }));
  const res = await db.execute(sql`
    insert into audit_log (id, at, actor, actor_role, action, target, job_id, output_hash, details)
    select r.id, ${now.toISOString()}::timestamptz, r.actor, r.actor_role, r.action, r.target, r.job_id, r.output_hash, r.details
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as r(id bigint, actor text, actor_role text, action text, target text, job_id text, output_hash text, details jsonb)
    returning id`);
  if (rowsOf(res).length !== rows.length) throw new Error(`appendAuditBatch: ${rowsOf(res).length} of ${rows.length} entries stored`);
  return rows;
}

/**
 * Links the committed entries not yet in the chain, in id order: each gets the next position, the
 * previous entry's hash and its own hash (computed from the row as stored). One linker at a time
 * across every console on the database (a transaction-scoped advisory lock), up to `page` entries
 * per transaction, so N consoles keep one history. `wait: false` (the background linker) skips the
 * round when another linker holds the lock; a reader waits, so that everything committed before it
 * asked is linked when it reads. `jobId`: only when an entry of that job is pending (a job's story).
 * Returns how many entries it linked.
 */
export async function linkAudit(db: Db, opts: { wait?: boolean; page?: number; jobId?: string } = {}): Promise<number> {
  const page = opts.page ?? 2000;
  let linked = 0;
  for (let round = 0; ; round++) {
    const onlyJob = round === 0 && opts.jobId !== undefined ? eq(auditLog.jobId, opts.jobId) : undefined;
    const [pending] = await db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(isNull(auditLog.pos), onlyJob))
      .limit(1);
    if (!pending) return linked;
    const n = await db.transaction(async (tx) => {
      if (opts.wait === false) {
        const [got] = rowsOf<{ ok: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${AUDIT_LOCK}) as ok`));
        if (!got?.ok) return -1;
      } else {
        await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
      }
      const [head] = await tx.select({ pos: auditLog.pos, hash: auditLog.hash }).from(auditLog).where(isNotNull(auditLog.pos)).orderBy(desc(auditLog.pos)).limit(1);
      const rows = await tx.select().from(auditLog).where(isNull(auditLog.pos)).orderBy(asc(auditLog.id)).limit(page);
      let pos = head?.pos ?? 0;
      let prevHash = head?.hash ?? GENESIS_HASH;
      const links = rows.map((row) => {
        const hash = hashAuditRow(prevHash, row);
        const link = { id: row.id, pos: ++pos, prev_hash: prevHash, hash };
        prevHash = hash;
        return link;
      });
      if (!links.length) return 0;
      await tx.execute(sql`
        update audit_log a set pos = r.pos, prev_hash = r.prev_hash, hash = r.hash
        from jsonb_to_recordset(${JSON.stringify(links)}::jsonb) as r(id bigint, pos bigint, prev_hash text, hash text)
        where a.id = r.id and a.pos is null`);
      return links.length;
    });
    if (n < 0) return linked;
    linked += n;
    if (n < page) return linked;
  }
}

/**
 * The background linker of a console: links pending entries every `intervalMs` (and soon after
 * `kick()`), never two rounds at once, skipping a round another console is already doing.
 */
export function startAuditLinker(db: Db, intervalMs = 200): { kick(): void; stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const round = () => {
    if (running || stopped) return;
    running = linkAudit(db, { wait: false })
      .then(() => undefined)
      .catch((e) => log.warn({ err: e }, 'audit linker round failed; the next round tries again'))
      .finally(() => (running = null));
  };
  const timer = setInterval(round, intervalMs);
  timer.unref?.();
  return {
    kick: round,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
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
 * Links what is pending (linkAudit), then recomputes the whole chain in pages, in chain order.
 * Reports the first entry whose link, position sequence or content hash is wrong: an edited row
 * fails its own hash (its id is part of it, so renumbering shows), a deleted row breaks the
 * position sequence and the next row's link, an inserted row breaks the links around it. (Cutting
 * entries off the end leaves a valid shorter chain; `last_id`/`last_hash` are returned so an
 * outside observer can anchor the head.)
 */
export async function verifyAuditChain(db: Db, pageSize = 2000): Promise<AuditVerification> {
  await linkAudit(db);
  let prevHash = GENESIS_HASH;
  let lastPos = 0;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.pos, lastPos)).orderBy(asc(auditLog.pos)).limit(pageSize);
    if (rows.length === 0) return checked ? { ok: true, checked, last_id: lastId, last_hash: prevHash } : { ok: true, checked };
    for (const row of rows) {
      const bad = (reason: string): AuditVerification => ({ ok: false, checked, first_bad_id: row.id, reason });
      if (row.pos !== lastPos + 1) return bad(`entry ${lastPos + 1} of the chain is missing: the chain jumps from ${lastPos} to ${row.pos}`);
      if (row.prevHash !== prevHash) return bad('prev_hash does not link to the previous entry');
      if (hashAuditRow(prevHash, row) !== row.hash) return bad('content does not match its hash');
      prevHash = row.hash;
      lastPos = row.pos;
      lastId = row.id;
      checked++;
    }
  }
}

/** A linked row as the API shows it. */
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
    prev_hash: row.prevHash ?? '',
    hash: row.hash ?? '',
  };
}

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

/**
 * The audit log newest first, filtered, one page at a time (`next_cursor`: the last id of the page).
 * Pending entries are linked first; only linked entries are listed.
 */
export async function listAudit(db: Db, opts: AuditFilters) {
  await linkAudit(db);
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        isNotNull(auditLog.pos),
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
