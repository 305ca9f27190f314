import { randomUUID } from 'node:crypto';
import { and, count, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { config } from '@/lib/config';
import { helperEvents, repairActions } from '@/db/schema';
import type { Phase, Signal } from '@/lib/schemas/common';
import { HelperEventInput } from '@/lib/schemas/evidence';
import { assertActsFor } from '../access';
import { auditCtx, storableText } from '../audit';
import { type Classification, classifyHelperEvent, inferPhase } from '../rules';
import type { Ctx } from '../context';
import { conflict, isWatchdogError, WatchdogError } from '../errors';
import { canonicalJson, hashOutput, sha256Hex } from '../hash';
import { openIncident, resolveIncidents } from '../incidents';
import { enqueueNotification } from '../notify';
import { cachedRules, currentRulesVersionSql, refreshRules, type RuleSet } from '../rules';
import { telemetry } from '../telemetry';
import type { HelperEventJson } from '@/lib/schemas/responses';

type EventRow = typeof helperEvents.$inferSelect;

const EVENT_LOCK = 7265012;

export function toEventJson(row: EventRow): HelperEventJson {
  return {
    id: row.id,
    job_id: row.jobId,
    worker_id: row.workerId,
    command: row.command,
    phase: row.phase,
    exit_code: row.exitCode,
    output: row.output,
    output_hash: row.outputHash,
    error_code: row.errorCode,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
    received_at: row.receivedAt.toISOString(),
    signal: row.signal,
    rule_version: row.ruleVersion,
    suggested_actions: row.suggestedActions,
    incident_id: row.incidentId,
  };
}

function storedClassification(row: EventRow): Omit<Classification, 'escalated'> {
  return { signal: row.signal as Signal | null, rule_version: row.ruleVersion, suggested_actions: row.suggestedActions as Classification['suggested_actions'] };
}

export interface IngestResult {
  status: 200 | 201;
  body: { event: ReturnType<typeof toEventJson>; classification: Omit<Classification, 'escalated'>; incident_id: string | null };
}

/** Signals whose recovery a healthy event of the same phase proves. */
const RECOVERABLE: Signal[] = ['fetch_failed', 'claim_no_output'];

/**
 * Stores one helper event: hash checked, idempotent by id, classified against the current rules,
 * its incident opened (or resolved by a healthy retry), escalations recorded — durable before the answer.
 *
 * A healthy event (the bulk of traffic) is one statement: insert-if-absent, guarded by the rules
 * version it was classified with, plus the resolution of incidents it proves recovered. A failing
 * event goes through `ingestJudged`: a transaction that counts earlier failures under an advisory
 * lock, opens the incident and records any escalation.
 */
export async function ingestHelperEvent(ctx: Ctx, input: HelperEventInput): Promise<IngestResult> {
  const item = prepareEvent(ctx, input);
  let rules = await cachedRules(ctx.db);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (classifyHelperEvent(rules, input, 0).signal) return counted(await ingestJudged(ctx, input, item));
    const stored = await storeHealthy(ctx, [item], rules);
    if (stored === 'stale') {
      rules = await refreshRules(ctx.db);
      continue;
    }
    const row = stored.rows.get(item.input.id);
    if (row) return storedHealthy(row, rules);
    return replayStored(ctx.db, item);
  }
  // the rules changed three times while this event was being stored: judge it inside a transaction
  return counted(await ingestJudged(ctx, input, item));
}

function counted(result: IngestResult): IngestResult {
  if (result.status === 201) telemetry().eventsIngested.inc({ signal: result.body.classification.signal ?? 'none' });
  return result;
}

/** A bearer token that the storing statement verifies itself (see ingestHealthyEventByToken). */
export interface StatementCredential {
  /** sha256 of the presented secret, as api_tokens stores it */
  tokenHash: string;
  /** the roles the route's permission allows */
  roles: readonly string[];
}

/**
 * The hot path of POST /helper-events in one round trip: a healthy event whose hash matches is
 * stored by a statement that also authenticates the token (exists, unrevoked, a permitted role,
 * bound to the event's worker) and checks the rules version — the same checks as the full path, in
 * the database instead of before it. Concurrent calls share statements (group commit, see
 * EventGroupCommitter): each caller still gets its answer only after its row is committed. Returns
 * null when anything is not plain (credential refused, hash mismatch, a failing event, rules
 * changed, the shared statement failed): nothing of this event was stored, and the caller takes the
 * full path, which gives the exact answer (401/403 audited, 400, a judged failure, ...).
 */
export async function ingestHealthyEventByToken(
  db: Db,
  now: Date,
  credential: StatementCredential,
  input: HelperEventInput,
): Promise<IngestResult | null> {
  if (!outputHashMatches(input)) return null;
  const rules = await cachedRules(db);
  if (classifyHelperEvent(rules, input, 0).signal) return null;
  const item = preparedItem(input);
  const outcome = await groupCommitter(db).submit({ item, rules, tokenHash: credential.tokenHash, roles: credential.roles, now });
  if (outcome.kind === 'stored') return storedHealthy(outcome.row, rules);
  if (outcome.kind === 'exists') return replayStored(db, item);
  return null;
}

type GroupOutcome = { kind: 'stored'; row: EventRow } | { kind: 'exists' } | { kind: 'refused' | 'stale' | 'failed' };
interface GroupEntry {
  item: PreparedEvent;
  rules: RuleSet;
  tokenHash: string;
  roles: readonly string[];
  now: Date;
  resolve: (outcome: GroupOutcome) => void;
}

/** Events one shared statement takes at most. */
const GROUP_MAX = 200;

/**
 * Group commit for single healthy events: while `maxInFlight` statements are running, new events
 * wait, and the next statement stores all of them (up to GROUP_MAX, distinct ids, one rules version
 * and permission). An idle console stores an event at once, alone; a busy one turns N round trips
 * and commits into one. Each entry is answered from its own row: stored, already there (replayed by
 * the caller), refused by its credential check, or — when the rules changed or the statement failed —
 * handed back to take the full path on its own.
 */
class EventGroupCommitter {
  private queue: GroupEntry[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    private readonly maxInFlight: number,
  ) {}

  submit(entry: Omit<GroupEntry, 'resolve'>): Promise<GroupOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ ...entry, resolve });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const first = this.queue[0];
      const group: GroupEntry[] = [];
      const ids = new Set<string>();
      const rest: GroupEntry[] = [];
      for (const e of this.queue) {
        const fits = group.length < GROUP_MAX && !ids.has(e.item.input.id) && e.rules.version === first.rules.version && e.roles === first.roles;
        if (fits) {
          group.push(e);
          ids.add(e.item.input.id);
        } else rest.push(e);
      }
      this.queue = rest;
      this.inFlight++;
      void this.flush(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(group: GroupEntry[]): Promise<void> {
    const now = group.reduce((latest, e) => (e.now > latest ? e.now : latest), group[0].now);
    try {
      const stored = await storeHealthy({ db: this.db, now }, group.map((e) => e.item), group[0].rules, 'rows', {
        roles: group[0].roles,
        tokenHashes: group.map((e) => e.tokenHash),
        receivedAt: group.map((e) => e.now),
      });
      for (const e of group) {
        const id = e.item.input.id;
        if (stored === 'stale') e.resolve({ kind: 'stale' });
        else if (stored.rows.has(id)) e.resolve({ kind: 'stored', row: stored.rows.get(id)! });
        else e.resolve({ kind: stored.refusedIds.has(id) ? 'refused' : 'exists' });
      }
    } catch {
      // e.g. one row the database cannot store: every event of the group takes the full path alone
      for (const e of group) e.resolve({ kind: 'failed' });
    }
  }
}

const committerKey = Symbol.for('worker-watchdog.event-group-committer');
type CommitterHolder = typeof globalThis & { [committerKey]?: WeakMap<object, EventGroupCommitter> };

/**
 * One committer per database handle. One statement in flight is the default: measured on 2 cores
 * (bench/ingest.ts, 16 clients) 1 → 3 636, 2 → 3 148–3 212, 4 → 2 617–2 705, 8 → 2 166 events/s —
 * fewer, larger groups win, and a group's size follows the load. WATCHDOG_INGEST_GROUPS raises it on
 * a `pg` pool (a database with many cores, a long round trip); a single connection (PGlite) stays at 1.
 */
function groupCommitter(db: Db): EventGroupCommitter {
  const g = globalThis as CommitterHolder;
  const map = (g[committerKey] ??= new WeakMap());
  let c = map.get(db);
  if (!c) {
    const client = (db as unknown as { $client?: { totalCount?: unknown } }).$client;
    const pooled = typeof client?.totalCount === 'number';
    c = new EventGroupCommitter(db, pooled ? config().ingestGroups : 1);
    map.set(db, c);
  }
  return c;
}

interface PreparedEvent {
  input: HelperEventInput;
  bodyHash: string;
  phase: Phase | null;
}

/** The checks every event passes before anything is stored: the caller acts for the worker, the hash matches. */
function prepareEvent(ctx: Ctx, input: HelperEventInput): PreparedEvent {
  assertActsFor(ctx.actor, input.worker_id);
  if (!outputHashMatches(input)) {
    throw new WatchdogError('output_hash_mismatch', 'output_hash is not the sha256 of output', { expected: hashOutput(input.output!) });
  }
  return preparedItem(input);
}

function outputHashMatches(input: HelperEventInput): boolean {
  return input.output === undefined || hashOutput(input.output) === input.output_hash;
}

function preparedItem(input: HelperEventInput): PreparedEvent {
  return { input, bodyHash: sha256Hex(canonicalJson(input)), phase: inferPhase(input) };
}

/** The 201 of a healthy event stored under `rules`. */
function storedHealthy(row: EventRow, rules: RuleSet): IngestResult {
  return counted({ status: 201, body: { event: toEventJson(row), classification: { signal: null, rule_version: rules.version, suggested_actions: [] }, incident_id: null } });
}

async function replayStored(db: Db, item: PreparedEvent): Promise<IngestResult> {
  const [existing] = await db.select().from(helperEvents).where(eq(helperEvents.id, item.input.id));
  if (!existing) throw new Error(`helper event ${item.input.id} was neither stored nor found`);
  return replay(existing, item.bodyHash);
}

/** Raw helper_events row (snake_case, from a RETURNING) → the drizzle row shape. */
function toEventRow(r: Record<string, unknown>): EventRow {
  const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    id: String(r.id),
    jobId: String(r.job_id),
    workerId: String(r.worker_id),
    command: String(r.command),
    phase: (r.phase as Phase | null) ?? null,
    exitCode: Number(r.exit_code),
    output: (r.output as string | null) ?? null,
    outputHash: String(r.output_hash),
    errorCode: (r.error_code as string | null) ?? null,
    durationMs: r.duration_ms == null ? null : Number(r.duration_ms),
    createdAt: date(r.created_at),
    receivedAt: date(r.received_at),
    signal: (r.signal as Signal | null) ?? null,
    ruleVersion: Number(r.rule_version),
    suggestedActions: json(r.suggested_actions),
    incidentId: (r.incident_id as string | null) ?? null,
    bodyHash: String(r.body_hash),
  };
}

/**
 * Stores events that the rules `rules` judge healthy, in one statement: each row inserted unless its
 * id exists (then the caller replays it), only while `rules` is still the version in force ('stale'
 * otherwise, and nothing is stored), and open fetch_failed / claim_no_output incidents of the same
 * job and phase resolved by the first healthy event (exit 0) that proves the recovery.
 * Ids must be distinct within one call. Returns the inserted ids (and, for want 'rows', the rows).
 */
async function storeHealthy(
  ctx: Pick<Ctx, 'db' | 'now'>,
  items: PreparedEvent[],
  rules: RuleSet,
  want: 'rows' | 'ids' = 'rows',
  credentials?: { roles: readonly string[]; tokenHashes: string[]; receivedAt: Date[] },
): Promise<{ ids: Set<string>; rows: Map<string, EventRow>; refusedIds: Set<string> } | 'stale'> {
  const now = ctx.now.toISOString();
  const rows = items.map((it, ord) => ({
    ord,
    token_hash: credentials?.tokenHashes[ord] ?? null,
    received_at: (credentials?.receivedAt[ord] ?? ctx.now).toISOString(),
    id: it.input.id,
    job_id: it.input.job_id,
    worker_id: it.input.worker_id,
    // output_hash stays the hash the worker computed over its raw output (verified); the stored
    // text has any NUL character replaced, which PostgreSQL cannot store.
    command: storableText(it.input.command),
    phase: it.phase,
    exit_code: it.input.exit_code,
    output: it.input.output == null ? null : storableText(it.input.output),
    output_hash: it.input.output_hash,
    error_code: it.input.error_code == null ? null : storableText(it.input.error_code),
    duration_ms: it.input.duration_ms ?? null,
    created_at: (it.input.created_at ?? ctx.now).toISOString(),
    body_hash: it.bodyHash,
  }));
  // With credentials, the statement itself authenticates each row: its token must exist, be unrevoked,
  // have a role the route allows and, for a worker token, be bound to the row's worker — else that row
  // is not stored (and not in `valid`).
  const validCte = credentials
    ? sql`valid as (select src.id from src join api_tokens a on a.token_hash = src.token_hash
        where a.revoked_at is null and a.role = any(string_to_array(${credentials.roles.join(',')}, ','))
          and (a.role <> 'worker' or a.worker_id = src.worker_id)),`
    : sql``;
  const res = await executeNamed(ctx.db, `watchdog_store_healthy_${want}${credentials ? '_token' : ''}`, sql`
    with cur as (select ${currentRulesVersionSql} as v),
    src as (
      select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(
        ord int, token_hash text, received_at timestamptz, id uuid, job_id text, worker_id text, command text, phase text,
        exit_code int, output text, output_hash text, error_code text, duration_ms int, created_at timestamptz, body_hash text)
    ),
    ${validCte}
    ins as (
      insert into helper_events (id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code,
        duration_ms, created_at, received_at, signal, rule_version, suggested_actions, incident_id, body_hash)
      select id, job_id, worker_id, command, phase, exit_code, output, output_hash, error_code,
        duration_ms, created_at, received_at, null, ${rules.version}, '[]'::jsonb, null, body_hash
      from src where (select v from cur) = ${rules.version}${credentials ? sql` and src.id in (select id from valid)` : sql``}
      order by ord
      on conflict (id) do nothing
      returning ${want === 'rows' ? sql.raw('*') : sql.raw('id')}
    ),
    proof as (
      select distinct on (src.job_id, src.phase) src.id, src.job_id, src.phase
      from src join ins on ins.id = src.id
      where src.exit_code = 0 and src.phase is not null
      order by src.job_id, src.phase, src.ord
    ),
    resolved as (
      update incidents i set status = 'resolved', resolved_at = ${now}::timestamptz,
        resolution = 'recovered: healthy ' || proof.phase || ' event ' || proof.id
      from proof
      where i.job_id = proof.job_id and i.status = 'open' and i.details->>'phase' = proof.phase
        and i.signal = (case when proof.phase = 'claim' then 'claim_no_output' else 'fetch_failed' end)
      returning i.id
    )
    select (select v from cur) as current_version, (select count(*) from resolved)::int as resolved_count,
      ${credentials ? sql`(select coalesce(string_agg(src.id::text, ','), '') from src where src.id not in (select id from valid))` : sql`''`} as refused_ids, ins.*
    from cur left join ins on true`);
  const out = rowsOf<Record<string, unknown>>(res);
  if (Number(out[0]?.current_version) !== rules.version) return 'stale';
  const refusedIds = new Set(String(out[0]?.refused_ids ?? '').split(',').filter(Boolean));
  const ids = new Set<string>();
  const stored = new Map<string, EventRow>();
  for (const r of out) {
    if (r.id == null) continue;
    ids.add(String(r.id));
    if (want === 'rows') stored.set(String(r.id), toEventRow(r));
  }
  return { ids, rows: stored, refusedIds };
}

/**
 * Runs a statement whose text never changes as a named prepared statement on a `pg` pool (parsed and
 * planned once per connection instead of once per call); on other drivers as a plain statement.
 */
async function executeNamed(db: Db, name: string, query: SQL): Promise<unknown> {
  const client = (db as unknown as { $client?: { query?: unknown; totalCount?: unknown } }).$client;
  const dialect = (db as unknown as { dialect?: { sqlToQuery?: (q: SQL) => { sql: string; params: unknown[] } } }).dialect;
  if (client && typeof client.query === 'function' && typeof client.totalCount === 'number' && dialect?.sqlToQuery) {
    const { sql: text, params } = dialect.sqlToQuery(query);
    return (client.query as (config: { name: string; text: string; values: unknown[] }) => Promise<unknown>).call(client, { name, text, values: params });
  }
  return db.execute(query);
}

/** A failing event, judged inside one transaction (see ingestHelperEvent). */
async function ingestJudged(ctx: Ctx, input: HelperEventInput, item: PreparedEvent): Promise<IngestResult> {
  const { bodyHash, phase } = item;
  // judged against the rules read now: escalations are rare, so the read costs nothing that matters
  const ruleSet = await refreshRules(ctx.db);
  const result = await ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(helperEvents).where(eq(helperEvents.id, input.id));
    if (existing) return replay(existing, bodyHash);

    let prior = 0;
    const signalNow = classifyHelperEvent(ruleSet, input, 0).signal;
    if (signalNow) {
      // Concurrent failures of one job, signal and phase are judged one after the other, so the
      // one automatic retry is handed out once.
      await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOCK}, hashtext(${`${input.job_id}|${signalNow}|${phase ?? ''}`}))`);
      const [again] = await tx.select().from(helperEvents).where(eq(helperEvents.id, input.id));
      if (again) return replay(again, bodyHash);
      const [c] = await tx
        .select({ n: count() })
        .from(helperEvents)
        .where(
          and(
            eq(helperEvents.jobId, input.job_id),
            eq(helperEvents.signal, signalNow),
            phase ? eq(helperEvents.phase, phase) : undefined,
            ne(helperEvents.id, input.id),
          ),
        );
      prior = Number(c?.n ?? 0);
    }
    const classification = classifyHelperEvent(ruleSet, input, prior);
    const createdAt = input.created_at ?? ctx.now;
    let incidentId: string | null = null;
    if (classification.signal) {
      const inc = await openIncident(tx, ctx.now, {
        jobId: input.job_id,
        signal: classification.signal,
        firstFailureAt: createdAt,
        evidenceEventIds: [input.id],
        details: {
          phase,
          last_event_id: input.id,
          last_output_hash: input.output_hash,
          last_error_code: input.error_code == null ? null : storableText(input.error_code),
          failures: prior + 1,
          ...(classification.escalated ? { escalated: classification.suggested_actions[0]?.escalation ?? 'notify_owner' } : {}),
        },
        ruleVersion: ruleSet.version,
      });
      incidentId = inc.id;
    }
    const inserted = await tx
      .insert(helperEvents)
      .values({
        id: input.id,
        jobId: input.job_id,
        workerId: input.worker_id,
        // output_hash stays the hash the worker computed over its raw output (verified above);
        // the stored text has any NUL character replaced, which PostgreSQL cannot store.
        command: storableText(input.command),
        phase,
        exitCode: input.exit_code,
        output: input.output == null ? null : storableText(input.output),
        outputHash: input.output_hash,
        errorCode: input.error_code == null ? null : storableText(input.error_code),
        durationMs: input.duration_ms ?? null,
        createdAt,
        receivedAt: ctx.now,
        signal: classification.signal,
        ruleVersion: classification.rule_version,
        suggestedActions: classification.suggested_actions,
        incidentId,
        bodyHash,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) {
      // A concurrent request stored the same id first: judge against what it stored.
      throw new RetryAsReplay();
    }
    if (classification.escalated && classification.signal) {
      const escalation = classification.suggested_actions[0]?.escalation ?? 'notify_owner';
      await tx.insert(repairActions).values({
        id: randomUUID(),
        jobId: input.job_id,
        trigger: classification.signal,
        action: 'notify_owner',
        authority: 'system',
        result: escalation === 'needs_human' ? 'needs_human' : 'success',
        evidenceEventIds: [input.id],
        note: escalation === 'needs_human' ? 'automatic retry already used: a person must look at this job' : 'second failure: owner notified',
        phase,
        outputHash: input.output_hash,
        incidentId,
        requestedBy: 'system:classifier',
        createdAt: ctx.now,
      });
      await enqueueNotification(tx, ctx.now, {
        kind: escalation === 'needs_human' ? 'needs_human' : 'notify_owner',
        jobId: input.job_id,
        payload: { signal: classification.signal, job_id: input.job_id, worker_id: input.worker_id, phase, incident_id: incidentId, event_id: input.id, output_hash: input.output_hash },
      });
      await auditCtx(
        ctx,
        {
          action: `escalation.${escalation}`,
          target: input.id,
          jobId: input.job_id,
          outputHash: input.output_hash,
          details: { signal: classification.signal, phase, failures: prior + 1, incident_id: incidentId, rule_version: ruleSet.version },
        },
        tx,
      );
    }
    if (!classification.signal && input.exit_code === 0 && phase) {
      await resolveRecovered(tx, ctx.now, input.job_id, phase, input.id);
    }
    return {
      status: 201 as const,
      body: { event: toEventJson(inserted[0]), classification: { signal: classification.signal, rule_version: classification.rule_version, suggested_actions: classification.suggested_actions }, incident_id: incidentId },
    };
  }).catch(async (e) => {
    if (!(e instanceof RetryAsReplay) && !isUniqueViolation(e)) throw e;
    const [existing] = await ctx.db.select().from(helperEvents).where(eq(helperEvents.id, input.id));
    if (!existing) throw e;
    return replay(existing, bodyHash);
  });
  return result;
}


class RetryAsReplay extends Error {}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code === '23505';
}

function replay(existing: EventRow, bodyHash: string): IngestResult {
  if (existing.bodyHash !== bodyHash) {
    throw conflict('idempotency_conflict', `event ${existing.id} was already stored with a different body`);
  }
  return { status: 200, body: { event: toEventJson(existing), classification: storedClassification(existing), incident_id: existing.incidentId } };
}

/** A healthy event proves the job recovered from an earlier failure of the same phase. */
async function resolveRecovered(tx: Db, now: Date, jobId: string, phase: Phase, eventId: string) {
  const signals = RECOVERABLE.filter((s) => (s === 'claim_no_output' ? phase === 'claim' : phase !== 'claim'));
  if (signals.length) await resolveIncidents(tx, now, jobId, `recovered: healthy ${phase} event ${eventId}`, signals, phase);
}

export interface BatchItemResult {
  id: string | null;
  status: number;
  error?: { code: string; message: string; details?: unknown };
  classification?: Omit<Classification, 'escalated'>;
  incident_id?: string | null;
}

function itemError(id: string | null, e: unknown): BatchItemResult {
  if (!isWatchdogError(e)) throw e;
  return { id, status: e.status, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

function itemResult(r: IngestResult): BatchItemResult {
  return { id: r.body.event.id, status: r.status, classification: r.body.classification, incident_id: r.body.incident_id };
}

/**
 * Each event judged on its own: one bad event does not spoil the others, and the outcome is what
 * posting the events one by one in order would give. Runs of consecutive healthy events are stored
 * set-based (one statement per run, see storeHealthy); a failing event, or an id seen earlier in
 * the run, ends the run and is judged alone.
 */
export async function ingestHelperEventBatch(ctx: Ctx, events: unknown[], zodDetails: (e: import('zod').ZodError) => unknown): Promise<BatchItemResult[]> {
  let rules = await cachedRules(ctx.db);
  const results: BatchItemResult[] = new Array(events.length);
  let run: { index: number; item: PreparedEvent }[] = [];
  const runIds = new Set<string>();

  const flush = async () => {
    if (!run.length) return;
    const pending = run;
    run = [];
    runIds.clear();
    // only the ids come back: a batch answers each event with its status and classification
    const stored = await storeHealthy(ctx, pending.map((p) => p.item), rules, 'ids');
    if (stored === 'stale') {
      // the rules changed since they were read: judge this run again, one by one, with the new ones
      rules = await refreshRules(ctx.db);
      for (const p of pending) {
        try {
          results[p.index] = itemResult(await ingestHelperEvent(ctx, p.item.input));
        } catch (e) {
          results[p.index] = itemError(p.item.input.id, e);
        }
      }
      return;
    }
    const missing = pending.filter((p) => !stored.ids.has(p.item.input.id));
    const existing = missing.length
      ? await ctx.db.select().from(helperEvents).where(inArray(helperEvents.id, missing.map((p) => p.item.input.id)))
      : [];
    const byId = new Map(existing.map((r) => [r.id, r]));
    for (const p of pending) {
      if (stored.ids.has(p.item.input.id)) {
        telemetry().eventsIngested.inc({ signal: 'none' });
        results[p.index] = { id: p.item.input.id, status: 201, classification: { signal: null, rule_version: rules.version, suggested_actions: [] }, incident_id: null };
        continue;
      }
      const prior = byId.get(p.item.input.id);
      try {
        results[p.index] = prior ? itemResult(replay(prior, p.item.bodyHash)) : itemResult(await ingestHelperEvent(ctx, p.item.input));
      } catch (e) {
        results[p.index] = itemError(p.item.input.id, e);
      }
    }
  };

  for (let index = 0; index < events.length; index++) {
    const raw = events[index];
    const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? ((raw as { id: string }).id as string) : null;
    const parsed = HelperEventInput.safeParse(raw);
    if (!parsed.success) {
      results[index] = { id, status: 400, error: { code: 'validation_failed', message: 'event does not match the schema', details: zodDetails(parsed.error) } };
      continue;
    }
    let item: PreparedEvent;
    try {
      item = prepareEvent(ctx, parsed.data);
    } catch (e) {
      results[index] = itemError(parsed.data.id, e);
      continue;
    }
    const failing = classifyHelperEvent(rules, parsed.data, 0).signal !== null;
    if (failing || runIds.has(parsed.data.id)) await flush();
    if (failing) {
      try {
        results[index] = itemResult(counted(await ingestJudged(ctx, parsed.data, item)));
      } catch (e) {
        results[index] = itemError(parsed.data.id, e);
      }
      continue;
    }
    run.push({ index, item });
    runIds.add(parsed.data.id);
  }
  await flush();
  return results;
}
