import { HelperEventBatchInput, HelperEventInput } from '@/lib/schemas/evidence';
import { ingestHealthyEventByToken, ingestHelperEvent, ingestHelperEventBatch } from '@/lib/watchdog/events';
import { reply, route, zodDetails } from './route';

/**
 * The two ingest routes, defined once: Next serves them from app/api/watchdog/helper-events/**, and the
 * node lane (lib/http/node-lane.ts) serves the same handlers without Next's per-request pipeline.
 */
export const postHelperEvent = route(
  {
    name: 'POST /helper-events',
    permission: 'helperEvents.write',
    body: HelperEventInput,
    allowNulInBody: true,
    // a healthy event from a known token: authenticated, authorised and stored by one statement
    statementAuth: async ({ db, now, credential, body }) => {
      const result = await ingestHealthyEventByToken(db, now, credential, body);
      return result && reply(result.status, result.body);
    },
  },
  async ({ ctx, body }) => {
    const { status, body: out } = await ingestHelperEvent(ctx, body);
    return reply(status, out);
  },
);

export const postHelperEventBatch = route(
  { name: 'POST /helper-events/batch', permission: 'helperEvents.write', body: HelperEventBatchInput, allowNulInBody: true },
  async ({ ctx, body, recordForbidden }) => {
    const results = await ingestHelperEventBatch(ctx, body.events, zodDetails);
    const refused = results.filter((r) => r.status === 403).map((r) => r.id);
    if (refused.length) await recordForbidden({ refused_event_ids: refused.slice(0, 100), refused_count: refused.length });
    return { results };
  },
);
