import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { D30DecisionInput } from '@/lib/schemas/admin';
import { recordD30Decision } from '@/lib/watchdog/metrics';

export const POST = route({ name: 'POST /metrics/d30/decision', permission: 'd30.decide', body: D30DecisionInput }, async ({ ctx, body }) =>
  reply(201, await recordD30Decision(ctx, body)),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
