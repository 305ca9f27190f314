import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Classification } from './classify';
import { type RuleSet, ruleEnabled, ruleParam } from './rule-defaults';
import { judgeLoop, type LoopVerdict } from './signals';

/** What ingest needs of an event to look for a loop. */
export interface LoopCandidate {
  id: string;
  job_id: string;
  command: string;
  output_hash: string;
  created_at?: Date | null;
}

export interface LoopFinding extends LoopVerdict {
  repeats: number;
  window_s: number;
}

/**
 * Does this event close a loop (loop_detected)? One index lookup: the job's earlier events with the
 * same output hash inside the window, a range of helper_events_job_hash_idx (job_id, output_hash,
 * created_at), the command compared on the few rows found; at most `repeats - 1` rows are read.
 * Null when the rule is disabled (no query) or the count is not reached. `unstoredPriorTimes`: matching
 * events of the same batch that are not stored yet.
 */
export async function findLoop(db: Db, event: LoopCandidate, rules: RuleSet, now: Date, unstoredPriorTimes: Date[] = []): Promise<LoopFinding | null> {
  if (!ruleEnabled(rules, 'loop_detected')) return null;
  const repeats = ruleParam(rules, 'loop_detected', 'repeats');
  const windowS = ruleParam(rules, 'loop_detected', 'window_s');
  const at = event.created_at ?? now;
  const res = await db.execute(sql`
    select created_at from helper_events
    where job_id = ${event.job_id} and output_hash = ${event.output_hash}
      and created_at >= ${new Date(at.getTime() - windowS * 1000).toISOString()}::timestamptz and created_at <= ${at.toISOString()}::timestamptz
      and command = ${event.command} and id <> ${event.id}::uuid
    order by created_at desc
    limit ${Math.max(1, repeats - 1)}`);
  const priorMatchTimes = [...rowsOf<{ created_at: string | Date }>(res).map((r) => new Date(r.created_at)), ...unstoredPriorTimes];
  const verdict = judgeLoop({ at, priorMatchTimes }, { repeats, window_s: windowS });
  return verdict.detected ? { ...verdict, repeats, window_s: windowS } : null;
}

/** The classification of an event that closes a loop: the owner is told (system). */
export function loopClassification(rules: RuleSet): Classification {
  return {
    signal: 'loop_detected',
    rule_version: rules.version,
    suggested_actions: [{ action: 'notify_owner', authority: 'system', escalation: 'notify_owner' }],
    escalated: true,
  };
}

/** The most rows read per (job, command, output hash) by prefetchLoops; a key with more is judged by findLoop. */
const PREFETCH_CAP = 1000;

/** One (job, command, output hash): the events that may repeat one another. */
export const loopKey = (e: Pick<LoopCandidate, 'job_id' | 'command' | 'output_hash'>): string => JSON.stringify([e.job_id, e.command, e.output_hash]);

/**
 * findLoop for many events in one statement (a batch): the stored matches of every (job, command,
 * output hash) the events name, over the union of their windows, read once. `judge` then gives, event
 * by event, exactly what findLoop would: the newest `repeats - 1` stored matches inside the event's
 * window (the prefetched ones and those stored since, `storedSince`) plus the unstored ones.
 */
export async function prefetchLoops(db: Db, events: LoopCandidate[], rules: RuleSet, now: Date) {
  const enabled = ruleEnabled(rules, 'loop_detected');
  const repeats = enabled ? ruleParam(rules, 'loop_detected', 'repeats') : 0;
  const windowS = enabled ? ruleParam(rules, 'loop_detected', 'window_s') : 0;
  const stored = new Map<string, { id: string; at: number }[]>();
  const capped = new Set<string>();
  if (enabled && events.length) {
    const ranges = new Map<string, { job_id: string; command: string; output_hash: string; lo: number; hi: number }>();
    for (const e of events) {
      const at = (e.created_at ?? now).getTime();
      const k = loopKey(e);
      const r = ranges.get(k);
      if (r) {
        r.lo = Math.min(r.lo, at - windowS * 1000);
        r.hi = Math.max(r.hi, at);
      } else ranges.set(k, { job_id: e.job_id, command: e.command, output_hash: e.output_hash, lo: at - windowS * 1000, hi: at });
    }
    const keys = [...ranges.values()].map((r) => ({ ...r, lo: new Date(r.lo).toISOString(), hi: new Date(r.hi).toISOString() }));
    const res = await db.execute(sql`
      select k.job_id, k.command, k.output_hash, m.id, m.created_at
      from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(job_id text, command text, output_hash text, lo timestamptz, hi timestamptz)
      cross join lateral (
        select e.id, e.created_at from helper_events e
        where e.job_id = k.job_id and e.output_hash = k.output_hash and e.created_at >= k.lo and e.created_at <= k.hi and e.command = k.command
        order by e.created_at desc
        limit ${PREFETCH_CAP}
      ) m`);
    for (const r of rowsOf<{ job_id: string; command: string; output_hash: string; id: string; created_at: string | Date }>(res)) {
      const k = loopKey(r);
      const list = stored.get(k) ?? [];
      list.push({ id: String(r.id), at: new Date(r.created_at).getTime() });
      stored.set(k, list);
      if (list.length >= PREFETCH_CAP) capped.add(k);
    }
  }
  return {
    /** The loop this event closes, as findLoop would find it now; `storedSince`: matching events stored after the prefetch. */
    async judge(event: LoopCandidate, storedSince: { id: string; at: Date }[], unstoredPriorTimes: Date[]): Promise<LoopFinding | null> {
      if (!enabled) return null;
      const k = loopKey(event);
      if (capped.has(k)) return findLoop(db, event, rules, now, unstoredPriorTimes);
      const at = (event.created_at ?? now).getTime();
      const from = at - windowS * 1000;
      const seen = new Set<string>();
      const times: number[] = [];
      for (const m of [...(stored.get(k) ?? []), ...storedSince.map((s) => ({ id: s.id, at: s.at.getTime() }))]) {
        if (m.id === event.id || seen.has(m.id) || m.at < from || m.at > at) continue;
        seen.add(m.id);
        times.push(m.at);
      }
      times.sort((a, b) => b - a);
      const priorMatchTimes = [...times.slice(0, Math.max(1, repeats - 1)).map((t) => new Date(t)), ...unstoredPriorTimes];
      const verdict = judgeLoop({ at: new Date(at), priorMatchTimes }, { repeats, window_s: windowS });
      return verdict.detected ? { ...verdict, repeats, window_s: windowS } : null;
    },
  };
}
