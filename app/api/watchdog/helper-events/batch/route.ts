import { methodNotAllowed } from '@/lib/http/methods';
import { route, zodDetails } from '@/lib/http/route';
import { HelperEventBatchInput } from '@/lib/schemas/evidence';
import { ingestHelperEventBatch } from '@/lib/watchdog/helper-events';

export const POST = route({ name: 'POST /helper-events/batch', permission: 'helperEvents.write', body: HelperEventBatchInput, allowNulInBody: true }, async ({ ctx, body }) => ({
  results: await ingestHelperEventBatch(ctx, body.events, zodDetails),
}));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
