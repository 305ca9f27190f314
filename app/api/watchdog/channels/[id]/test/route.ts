import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { testChannel } from '@/lib/watchdog/notify';

export const POST = route({ name: 'POST /channels/:id/test', permission: 'channels.manage', params: IdParams }, async ({ ctx, params }) => ({ delivery: await testChannel(ctx, params.id) }));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['POST']);
