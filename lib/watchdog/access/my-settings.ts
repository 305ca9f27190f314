import { eq } from 'drizzle-orm';
import { users } from '@/db/schema';
import type { MeAnswer, MeUpdateInput } from '@/lib/schemas/people';
import type { Ctx } from '../context';
import { forbidden, notFound } from '../errors';
import { userRole } from './user-json';

type Me = MeAnswer['user'];

function toMe(row: typeof users.$inferSelect): Me {
  return { id: row.id, email: row.email, role: userRole(row), locale: row.locale ?? null };
}

/** Settings belong to a person signed in through the browser; an API token has none. */
function assertPerson(ctx: Ctx) {
  if (ctx.actor.via !== 'session') throw forbidden('settings belong to a person signed in to the console; an API token has none');
}

/** The person acting (a browser session), with their own settings. */
export async function getMySettings(ctx: Ctx): Promise<Me> {
  assertPerson(ctx);
  const [row] = await ctx.db.select().from(users).where(eq(users.id, ctx.actor.id));
  if (!row) throw notFound('person');
  return toMe(row);
}

/**
 * Changes the acting person's own settings (today: the console language, remembered per person on
 * every browser). A personal preference: not audited, and nobody can change another person's.
 */
export async function updateMySettings(ctx: Ctx, input: MeUpdateInput): Promise<Me> {
  assertPerson(ctx);
  const [row] = await ctx.db.update(users).set({ locale: input.locale }).where(eq(users.id, ctx.actor.id)).returning();
  if (!row) throw notFound('person');
  return toMe(row);
}
