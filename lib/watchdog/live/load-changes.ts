import { inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { incidents, jobLeases, repairActions } from '@/db/schema';
import { LIVE_EVENTS, type LiveEvent } from '@/lib/schemas/enums';
import { toWorkerJson, workerRows } from '../fleet';
import { toIncidentJson } from '../incidents';
import { toLeaseJson } from '../leases';
import { toActionJson } from '../repairs';
import { getCurrentRules, getRuleVersion, ruleParam } from '../rules';

/** One change as the database announces it: `<kind>:<key>` on the channel (migration 0011_console_reads). */
export interface ChangeRef {
  event: LiveEvent;
  key: string;
}

/** One message of the stream: the event and the object as the REST API returns it. */
export interface LiveMessage {
  event: LiveEvent;
  data: unknown;
}

/** "incident:5f0c…" → {event, key}; anything else → null. */
export function parseChangeRef(payload: string): ChangeRef | null {
  const colon = payload.indexOf(':');
  const event = payload.slice(0, colon) as LiveEvent;
  if (colon < 1 || !LIVE_EVENTS.includes(event)) return null;
  return { event, key: payload.slice(colon + 1) };
}

/**
 * The current objects behind a set of announced changes, one statement per kind: what
 * GET /incidents, /repair-actions, /job-leases/:job_id, /rules/versions and /workers answer for them.
 * A row that is gone (or an unreadable key) is left out.
 */
export async function loadChanges(db: Db, now: Date, refs: ChangeRef[]): Promise<LiveMessage[]> {
  const keys = (event: LiveEvent) => [...new Set(refs.filter((r) => r.event === event).map((r) => r.key))];
  const out: LiveMessage[] = [];
  const ids = (list: string[]) => list.filter((k) => /^[0-9a-f-]{36}$/i.test(k));
  const incidentIds = ids(keys('incident'));
  if (incidentIds.length) {
    for (const row of await db.select().from(incidents).where(inArray(incidents.id, incidentIds))) out.push({ event: 'incident', data: toIncidentJson(row) });
  }
  const actionIds = ids(keys('action'));
  if (actionIds.length) {
    for (const row of await db.select().from(repairActions).where(inArray(repairActions.id, actionIds))) out.push({ event: 'action', data: toActionJson(row) });
  }
  const jobIds = keys('lease');
  const workerIds = keys('worker');
  const rules = jobIds.length || workerIds.length ? await getCurrentRules(db) : null;
  if (jobIds.length && rules) {
    for (const row of await db.select().from(jobLeases).where(inArray(jobLeases.jobId, jobIds))) out.push({ event: 'lease', data: toLeaseJson(row, rules, now) });
  }
  if (workerIds.length && rules) {
    const silentS = ruleParam(rules, 'worker_silent', 'silent_s');
    const rows = rowsOf<Record<string, unknown>>(
      await workerRows(
        db,
        now,
        sql`w.worker_id in (${sql.join(
          workerIds.map((w) => sql`${w}`),
          sql`, `,
        )})`,
      ),
    );
    for (const row of rows) out.push({ event: 'worker', data: toWorkerJson(row, silentS, now) });
  }
  for (const version of keys('rules')
    .map(Number)
    .filter((v) => Number.isSafeInteger(v))) {
    const set = await getRuleVersion(db, version);
    if (set) out.push({ event: 'rules', data: set });
  }
  return out;
}
