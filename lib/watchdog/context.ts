import type { Db } from '@/db/client';
import type { Role } from '@/lib/schemas/enums';

export type { Role };

/** Who is acting. `label` is what the audit log and timelines show. */
export interface Actor {
  role: Role;
  /** token id or user id; 'cli' for local administration */
  id: string;
  label: string;
  /** set for worker tokens: the only worker_id this caller may act for */
  workerId?: string | null;
  via: 'token' | 'session' | 'cli' | 'scheduler';
}

/** Every domain verb takes this: the database, who acts, and the clock. */
export interface Ctx {
  db: Db;
  actor: Actor;
  now: Date;
}

export const systemActor: Actor = { role: 'system', id: 'scheduler', label: 'system:scheduler', via: 'scheduler' };
export const cliActor: Actor = { role: 'owner', id: 'cli', label: 'cli', via: 'cli' };
