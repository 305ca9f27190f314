import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { HelperEventInput } from '@/lib/schemas/evidence';
import { ingestHelperEvent } from '@/lib/watchdog/helper-events';

export const POST = route({ name: 'POST /helper-events', permission: 'helperEvents.write', body: HelperEventInput, allowNulInBody: true }, async ({ ctx, body }) => {
  const { status, body: out } = await ingestHelperEvent(ctx, body);
  return reply(status, out);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
