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
