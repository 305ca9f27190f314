import { methodNotAllowed } from '@/lib/http/methods';
import { reply, route } from '@/lib/http/route';
import { UserCreateInput } from '@/lib/schemas/people';
import { createUser, listUsers } from '@/lib/watchdog/access';

export const GET = route({ name: 'GET /users', permission: 'users.manage' }, async ({ ctx }) => ({ users: await listUsers(ctx) }));

export const POST = route({ name: 'POST /users', permission: 'users.manage', body: UserCreateInput }, async ({ ctx, body }) => reply(201, { user: await createUser(ctx, body) }));

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
