import { sql } from 'drizzle-orm';
import { executeNamed, rowsOf } from '@/db/client';
import { jobWritableSql } from '../access';
import type { Ctx } from '../context';
import { recordResolutionLearnings } from '../incidents';
import { currentRulesVersionSql, type RuleSet } from '../rules';
import { eventColumnsSql, eventRecordsetSql, type EventRow, eventRow, toRecordsetRow } from './event-row';
import type { PreparedEvent } from './event-outcome';

/** Tokens the storing statement verifies itself, one per event (the ingest fast path, lib/ingest). */
export interface StatementCredentials {
  /** the roles the route's permission allows */
  roles: readonly string[];
  /** sha256 of each event's presented secret, as api_tokens stores it */
  tokenHashes: string[];
  /** when each event arrived */
  receivedAt: Date[];
}

export interface StoredHealthy {
  /**
   * the stored rows by id (an id absent was already there, or refused): the rows the statement was
   * handed (they are stored as they are; the first-sight columns the trigger sets are not read back —
   * the API does not show them)
   */
  rows: Map<string, EventRow>;
  /** events whose credential the statement refused (nothing stored) */
  refusedIds: Set<string>;
  /** with `firstOfLoopKey`: events not stored because an earlier one repeats them (a loop to judge) */
  repeatIds: Set<string>;
}

/**
 * Stores events that the rules `rules` judge healthy, in one statement: each row inserted unless its
 * id exists (then the caller replays it), only while `rules` is still the version in force ('stale'
 * otherwise, and nothing is stored), and open fetch_failed / claim_no_output incidents of the same
 * job and phase resolved by the first healthy event (exit 0) that proves the recovery.
 * Ids must be distinct within one call. With credentials, the statement itself authenticates each
 * row: its token must exist, be unrevoked, have a role the route allows and, for a worker token, be
 * bound to the row's worker — else that row is not stored and its id is in `refusedIds`.
 * With `loopWindowS` (the loop rule's window, when the rule is on), a row is stored only when no
 * stored event of its job has its command and output hash inside the window before it — the
 * statement then needs no loop check first (lib/ingest): an event with no such match cannot close
 * a loop (repeats ≥ 2), and one with a match is not stored (`repeatIds`) and goes to be judged.
 * The caller keeps events of one (job, command, output hash) out of one call.
 */
export async function storeHealthyEvents(
  ctx: Pick<Ctx, 'db' | 'now'>,
  items: PreparedEvent[],
  rules: RuleSet,
  credentials?: StatementCredentials,
  loopWindowS?: number,
): Promise<StoredHealthy | 'stale'> {
  const healthy = { signal: null, ruleVersion: rules.version, suggestedActions: [], incidentId: null };
  const eventRows = items.map((it, ord) => eventRow(it.input, { phase: it.phase, bodyHash: it.bodyHash, receivedAt: credentials?.receivedAt[ord] ?? ctx.now }, healthy));
  const rows = eventRows.map((row, ord) => ({ ord, token_hash: credentials?.tokenHashes[ord] ?? null, ...toRecordsetRow(row) }));
  const validCte = credentials
    ? // each row's token by an index probe (api_tokens_token_hash_idx): a subquery with LIMIT is never
      // flattened into a join, which a generic plan sized for a hundred rows would hash over every token
      sql`valid as (select src.id from src cross join lateral (select a.role, a.worker_id from api_tokens a
          where a.token_hash = src.token_hash and a.revoked_at is null limit 1) a
        where a.role = any(string_to_array(${credentials.roles.join(',')}, ','))
          and (a.role <> 'worker' or (a.worker_id = src.worker_id and ${jobWritableSql(sql`src.job_id`, sql`src.worker_id`)}))),`
    : sql``;
  const firstCte =
    loopWindowS === undefined
      ? sql``
      : // Per row, the newest earlier event with the same job, command and output hash, and whether it
        // falls in the loop window: a backward probe of helper_events_job_hash_idx that stops at its
        // first entry. Written so that no other plan is open to a generic plan made while the table was
        // small (a prepared statement keeps it until the next ANALYZE): a subquery with LIMIT is never
        // an anti join (a sequential scan there), and created_at is compared only as a difference, so
        // helper_events_created_at_idx cannot range over the whole fleet's events of the window for each
        // row — the plan that made a run of bench/ingest.ts 5× slower at random.
        sql`first as (select src.id from src where coalesce((select h.created_at from helper_events h
          where h.job_id = src.job_id and h.output_hash = src.output_hash and h.command = src.command and h.id <> src.id
            and h.created_at - src.created_at <= interval '0' order by h.created_at desc limit 1) < src.created_at - make_interval(secs => ${loopWindowS}::float8), true)),`;
  const res = await executeNamed(
    ctx.db,
    `watchdog_store_healthy${credentials ? '_token' : ''}${loopWindowS === undefined ? '' : '_first'}`,
    sql`
    with cur as (select ${currentRulesVersionSql} as v),
    src as (select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(ord int, token_hash text, ${eventRecordsetSql})),
    ${validCte}
    ${firstCte}
    ins as (
      insert into helper_events (${eventColumnsSql})
      select ${eventColumnsSql}
      from src where (select v from cur) = ${rules.version}${credentials ? sql` and src.id in (select id from valid)` : sql``}${
        loopWindowS === undefined ? sql`` : sql` and src.id in (select id from first)`
      }
      -- by job: the first-sight trigger locks each row's job, so two statements lock their jobs in one order
      order by job_id, ord
      on conflict (id) do nothing
      -- only the ids: what is stored is the rows handed over, as they are
      returning id
    ),
    proof as (
      select distinct on (src.job_id, src.phase) src.id, src.job_id, src.phase
      from src join ins on ins.id = src.id
      where src.exit_code = 0 and src.phase is not null
      order by src.job_id, src.phase, src.ord
    ),
    resolved as (
      update incidents i set status = 'resolved', resolved_at = ${ctx.now.toISOString()}::timestamptz,
        resolution = 'recovered: healthy ' || proof.phase || ' event ' || proof.id
      from proof
      where i.job_id = proof.job_id and i.status = 'open' and i.details->>'phase' = proof.phase
        and i.signal = (case when proof.phase = 'claim' then 'claim_no_output' else 'fetch_failed' end)
      returning i.id
    )
    select (select v from cur) as current_version, (select coalesce(string_agg(resolved.id::text, ','), '') from resolved) as resolved_ids,
      ${credentials ? sql`(select coalesce(string_agg(src.id::text, ','), '') from src where src.id not in (select id from valid))` : sql`''`} as refused_ids,
      ${loopWindowS === undefined ? sql`''` : sql`(select coalesce(string_agg(src.id::text, ','), '') from src where src.id not in (select id from first))`} as repeat_ids, ins.*
    from cur left join ins on true`,
  );
  const out = rowsOf<Record<string, unknown>>(res);
  if (Number(out[0]?.current_version) !== rules.version) return 'stale';
  // The statement is its own transaction: the learnings of what it resolved (rare: a recovery after
  // an open incident) follow at once; recordResolutionLearning writes at most one per incident.
  const resolvedIds = String(out[0]?.resolved_ids ?? '')
    .split(',')
    .filter(Boolean);
  if (resolvedIds.length) await recordResolutionLearnings(ctx.db, ctx.now, resolvedIds);
  const idList = (v: unknown) =>
    new Set(
      String(v ?? '')
        .split(',')
        .filter(Boolean),
    );
  const refusedIds = idList(out[0]?.refused_ids);
  const repeatIds = idList(out[0]?.repeat_ids);
  const ids = new Set(out.filter((r) => r.id != null).map((r) => String(r.id)));
  return { rows: new Map(eventRows.filter((row) => ids.has(row.id)).map((row) => [row.id, row])), refusedIds, repeatIds };
}
