import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { TokenCreateInput } from '@/lib/schemas/admin';
import { createToken, listTokens } from '@/lib/watchdog/access';

export const POST = route({ name: 'POST /tokens', permission: 'tokens.manage', body: TokenCreateInput }, async ({ ctx, body }) => reply(201, await createToken(ctx, body)));

export const GET = route({ name: 'GET /tokens', permission: 'tokens.manage' }, async ({ ctx }) => ({ tokens: await listTokens(ctx) }));

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
