import { config } from '@/lib/config';
import type { Db } from '@/db/client';
import { type EventRow, type PreparedEvent, storeHealthyEvents } from '@/lib/watchdog/events';
import { loopKey, ruleEnabled, ruleParam, type RuleSet } from '@/lib/watchdog/rules';
import type { Runtime } from '@/lib/watchdog/runtime';

export type GroupOutcome = { kind: 'stored'; row: EventRow } | { kind: 'exists' } | { kind: 'refused' | 'repeat' | 'stale' | 'failed' };

export interface GroupEntry {
  item: PreparedEvent;
  rules: RuleSet;
  tokenHash: string;
  roles: readonly string[];
  now: Date;
}

/** Events one shared statement takes at most. */
const GROUP_MAX = 200;

/**
 * Group commit for single healthy events: while `maxInFlight` statements are running, new events
 * wait, and the next statement stores all of them (up to GROUP_MAX, distinct ids and loop keys, one
 * rules version and permission). An idle console stores an event at once, alone; a busy one turns N
 * round trips and commits into one. The statement also stands in for the loop check: it stores an
 * event only when no earlier one of its job repeats it inside the loop window (storeHealthyEvents'
 * `loopWindowS`). Each entry is answered from its own row: stored, already there (replayed by the
 * caller), refused by its credential check, a repeat to judge, or — when the rules changed or the
 * statement failed — handed back to take the full path on its own.
 */
export class EventGroupCommitter {
  private queue: (GroupEntry & { resolve: (outcome: GroupOutcome) => void })[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    private readonly maxInFlight: number,
  ) {}

  private pumpScheduled = false;

  submit(entry: GroupEntry): Promise<GroupOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ ...entry, resolve });
      // Pumped once the requests that arrived with this one are read too (setImmediate runs after the
      // event loop's I/O callbacks): an idle console then stores them in one statement, not the first
      // alone and the rest after it. It matters most on PGlite, whose statement holds the event loop.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const first = this.queue[0];
      const group: typeof this.queue = [];
      const ids = new Set<string>();
      // two events of one (job, command, output hash) in one statement would not see each other repeat
      const keys = new Set<string>();
      const rest: typeof this.queue = [];
      for (const e of this.queue) {
        const key = loopKey(e.item.input);
        const fits = group.length < GROUP_MAX && !ids.has(e.item.input.id) && !keys.has(key) && e.rules.version === first.rules.version && e.roles === first.roles;
        if (fits) {
          group.push(e);
          ids.add(e.item.input.id);
          keys.add(key);
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

  private async flush(group: typeof this.queue): Promise<void> {
    const now = group.reduce((latest, e) => (e.now > latest ? e.now : latest), group[0].now);
    const rules = group[0].rules;
    const loopWindowS = ruleEnabled(rules, 'loop_detected') ? ruleParam(rules, 'loop_detected', 'window_s') : undefined;
    try {
      const stored = await storeHealthyEvents(
        { db: this.db, now },
        group.map((e) => e.item),
        rules,
        {
          roles: group[0].roles,
          tokenHashes: group.map((e) => e.tokenHash),
          receivedAt: group.map((e) => e.now),
        },
        loopWindowS,
      );
      for (const e of group) {
        const id = e.item.input.id;
        if (stored === 'stale') e.resolve({ kind: 'stale' });
        else if (stored.rows.has(id)) e.resolve({ kind: 'stored', row: stored.rows.get(id)! });
        else e.resolve({ kind: stored.refusedIds.has(id) ? 'refused' : stored.repeatIds.has(id) ? 'repeat' : 'exists' });
      }
    } catch {
      // e.g. one row the database cannot store: every event of the group takes the full path alone
      for (const e of group) e.resolve({ kind: 'failed' });
    }
  }
}

/**
 * The runtime's committer for a database handle. One statement in flight is the default: measured on
 * 2 cores (bench/ingest.ts, 16 clients) 1 → 3 636, 2 → 3 148–3 212, 4 → 2 617–2 705, 8 → 2 166
 * events/s — fewer, larger groups win, and a group's size follows the load. WATCHDOG_INGEST_GROUPS
 * raises it on a `pg` pool (a database with many cores, a long round trip); a single connection
 * (PGlite) stays at 1.
 */
export function groupCommitter(runtime: Runtime, db: Db): EventGroupCommitter {
  let c = runtime.committers.get(db);
  if (!c) {
    const client = (db as unknown as { $client?: { totalCount?: unknown } }).$client;
    const pooled = typeof client?.totalCount === 'number';
    const wanted = config().ingestGroups;
    c = new EventGroupCommitter(db, pooled && wanted >= 1 ? Math.min(wanted, 32) : 1);
    runtime.committers.set(db, c);
  }
  return c;
}
