import { methodNotAllowed } from '@/lib/http/methods';
import { route } from '@/lib/http/route';
import { IdParams } from '@/lib/schemas/common';
import { UserUpdateInput } from '@/lib/schemas/people';
import { updateUser } from '@/lib/watchdog/access';

export const PATCH = route({ name: 'PATCH /users/:id', permission: 'users.manage', params: IdParams, body: UserUpdateInput }, async ({ ctx, params, body }) => ({ user: await updateUser(ctx, params.id, body) }));

export const { GET, POST, PUT, DELETE, OPTIONS } = methodNotAllowed(['PATCH']);
