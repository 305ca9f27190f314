import { z } from 'zod';
import { Signal } from './common';
import { TextMessage } from './message';

/** `GET /api/watchdog/overview`: the fleet at a glance and the D1/D7/D14/D30 rollout progress, derived from the data. */

const Time = z.iso.datetime();
const Count = z.number().int().min(0);
/** A count per enum value, every value a named property (a record keyed by an enum has no `properties` in OpenAPI). */
const countsOf = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, Count])) as Record<K, typeof Count>);

export const RiskLevelName = z.enum(['normal', 'near_expiry', 'expired', 'stale']);
export type RiskLevelName = z.infer<typeof RiskLevelName>;

export const MilestoneItem = z.object({
  key: z.string(),
  label: z.string(),
  done: z.boolean(),
  /** what the data shows: the evidence when done, what is missing when not */
  detail: z.string(),
  /** `detail` as a message (`overview.detail.<key>` in the console's messages) the page says in the reader's language */
  detail_message: TextMessage,
});
export type MilestoneItem = z.infer<typeof MilestoneItem>;

export const Milestone = z.object({
  key: z.enum(['D1', 'D7', 'D14', 'D30']),
  title: z.string(),
  done: z.boolean(),
  items: z.array(MilestoneItem),
  /** one line per missing item: what to do next */
  missing: z.array(z.string()),
});
export type Milestone = z.infer<typeof Milestone>;

export const Overview = z.object({
  generated_at: Time,
  rule_version: z.number().int(),
  leases: z.object({ live_total: Count, by_risk: countsOf(RiskLevelName.options) }),
  incidents: z.object({
    open_total: Count,
    /** open incidents nobody has acknowledged yet (the tab title counts them) */ unacknowledged: Count,
    by_signal: countsOf(Signal.options),
    oldest_open_at: Time.nullable(),
  }),
  approvals: z.object({ pending: Count, oldest_pending_at: Time.nullable() }),
  gate: z.object({ window_days: z.number().int(), checks: Count, passed: Count, failed: Count, pass_rate: z.number().min(0).max(1).nullable() }),
  events_24h: z.object({ total: Count, flagged: Count, failed_exit: Count }),
  rollout: z.array(Milestone),
});
export type Overview = z.infer<typeof Overview>;
