import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import type { Actor } from '@/lib/watchdog/context';
import { recordPersonLearning } from '@/lib/watchdog/learnings';
import { DAY } from './demo-timeline';

/**
 * What supervisors wrote after looking at the story (the system wrote its own learning whenever an
 * incident resolved): one on a resolved fetch_failed incident, one on the artifact gate, one job-less.
 */
export async function addPeopleLearnings(db: Db, end: number, people: { owner: Actor; supervisor: Actor }) {
  const resolvedOf = async (signal: string) =>
    rowsOf<{ id: string }>(await db.execute(sql`select id from incidents where signal = ${signal} and status = 'resolved' order by resolved_at desc limit 1`))[0];
  // written after the story's last audited step, so the audit chain stays in time order
  const [last] = rowsOf<{ at: Date | string | null }>(await db.execute(sql`select max(at) as at from audit_log`));
  let at = last?.at ? new Date(last.at).getTime() : end - DAY;
  const next = () => new Date((at = Math.min(end, at + 10 * 60_000)));
  const fetch = await resolvedOf('fetch_failed');
  if (fetch) {
    await recordPersonLearning(
      { db, actor: people.supervisor, now: next() },
      {
        incident_id: fetch.id,
        learned: ['The queue answers HTTP 500 for about two minutes after each deploy; the context call fails, then recovers by itself.'],
        next_worker_should_check: [
          'Look at the queue status page (deploy in progress?) before retrying context; one retry after 3 s is usually enough.',
          'Keep the claim payload: claiming again loses the job to another worker.',
        ],
        assumptions_to_test: ['Deploy windows explain most fetch_failed incidents.'],
      },
    );
  }
  const gate = await resolvedOf('artifact_gate_fail');
  if (gate) {
    await recordPersonLearning(
      { db, actor: people.owner, now: next() },
      {
        incident_id: gate.id,
        learned: ['The upload finished but the artifact server needed a few seconds to list the new files.'],
        next_worker_should_check: ['Wait for the upload to be listed, then run the artifact check again before calling complete.'],
        assumptions_to_test: [],
      },
    );
  }
  await recordPersonLearning(
    { db, actor: people.supervisor, now: next() },
    {
      learned: ['Workers on the night shift skip the doctor step; their first claim fails more often.'],
      next_worker_should_check: ['Run the doctor helper before the first claim of a session.'],
      assumptions_to_test: ['A doctor run before claiming halves claim_no_output incidents.'],
    },
  );
}
