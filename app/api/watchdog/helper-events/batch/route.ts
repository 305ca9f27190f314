import { methodNotAllowed } from '@/lib/http/methods';
import { route, zodDetails } from '@/lib/http/route';
import { HelperEventBatchInput } from '@/lib/schemas/evidence';
import { ingestHelperEventBatch } from '@/lib/watchdog/helper-events';

export const POST = route(
  { name: 'POST /helper-events/batch', permission: 'helperEvents.write', body: HelperEventBatchInput, allowNulInBody: true },
  async ({ ctx, body, recordForbidden }) => {
    const results = await ingestHelperEventBatch(ctx, body.events, zodDetails);
    const refused = results.filter((r) => r.status === 403).map((r) => r.id);
    if (refused.length) await recordForbidden({ refused_event_ids: refused.slice(0, 100), refused_count: refused.length });
    return { results };
  },
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
