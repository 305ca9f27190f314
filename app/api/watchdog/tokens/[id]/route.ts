import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { revokeToken } from '@/lib/watchdog/access';

export const DELETE = route({ name: 'DELETE /tokens/:id', permission: 'tokens.manage', params: IdParams }, async ({ ctx, params }) => ({ token: await revokeToken(ctx, params.id) }));

export const { GET, POST, PUT, PATCH, OPTIONS } = methodNotAllowed(['DELETE']);
