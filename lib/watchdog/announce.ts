import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { log } from '@/lib/log';
import type { LiveEvent } from '@/lib/schemas/enums';

/** The channel every console instance LISTENs on for live updates (migration 0011_console_reads). */
export const LIVE_CHANNEL = 'watchdog_live';

/** How long announcements are gathered before one NOTIFY statement. */
const GATHER_MS = 20;

interface Pending {
  keys: Set<string>;
  timer: ReturnType<typeof setTimeout> | null;
}

const pendingByDb = new WeakMap<Db, Pending>();

async function flush(db: Db, pending: Pending) {
  pending.timer = null;
  const keys = [...pending.keys];
  pending.keys.clear();
  if (keys.length === 0) return;
  try {
    await db.execute(sql`select pg_notify(${LIVE_CHANNEL}, k) from json_array_elements_text(${JSON.stringify(keys)}::json) as k`);
  } catch (err) {
    // a missed announcement only delays a page until its next load; the write it announces is committed
    log.warn({ err, count: keys.length }, 'live updates: could not announce changes');
  }
}

/**
 * Announces a change the database does not announce itself — a lease renewal, the hottest write of the
 * fleet — to every console instance, after the write committed and outside its transaction.
 *
 * Why not in the writing statement: NOTIFY takes a database-wide lock from its commit until the commit
 * record is flushed, so every transaction that notifies commits one at a time. Renewals announced in
 * their own statements capped eight heartbeating workers at the rate of one (bench/lifecycle.ts). Here
 * the renewals of ~20 ms are gathered into one NOTIFY statement (one lock per batch); the live hub
 * coalesces for 25 ms anyway, so a page still sees a renewal well within a second.
 */
export function announceChange(db: Db, event: LiveEvent, key: string): void {
  if (key.length > 7000) return; // NOTIFY's payload limit is 8000 bytes; such a key names nothing
  let pending = pendingByDb.get(db);
  if (!pending) {
    pending = { keys: new Set(), timer: null };
    pendingByDb.set(db, pending);
  }
  pending.keys.add(`${event}:${key}`);
  if (!pending.timer) {
    const p = pending;
    p.timer = setTimeout(() => void flush(db, p), GATHER_MS);
    p.timer.unref?.();
  }
}
