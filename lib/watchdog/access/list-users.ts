import { asc } from 'drizzle-orm';
import { users } from '@/db/schema';
import type { Ctx } from '../context';
import { toUserJson } from './user-json';

/** Every person, by email: role (null while waiting for an owner), disabled, last sign-in. */
export async function listUsers(ctx: Pick<Ctx, 'db'>) {
  const rows = await ctx.db.select().from(users).orderBy(asc(users.email));
  return rows.map(toUserJson);
}
