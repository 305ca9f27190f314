import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { users } from '@/db/schema';
import { hashPassword } from '@/lib/auth/password';
import type { UserCreateInput } from '@/lib/schemas/people';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { WatchdogError } from '../errors';
import { lockUsers, normalizeEmail, toUserJson } from './user-json';

export const emailTaken = () => new WatchdogError('email_taken', 'a person with this email exists', [{ path: 'email', message: 'already taken' }]);

/** Adds a person who signs in with a password (the People page, the CLI, the demo). Audited. */
export async function createUser(ctx: Ctx, input: UserCreateInput) {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    await lockUsers(tx);
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) throw emailTaken();
    const [row] = await tx.insert(users).values({ id: randomUUID(), email, role: input.role, passwordHash, createdAt: ctx.now }).returning();
    await auditCtx(ctx, { action: 'user.create', target: row.id, details: { email, role: input.role, sign_in: 'password' } }, tx);
    return toUserJson(row);
  });
}
