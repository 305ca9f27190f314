import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { auditCtx } from '../audit';
import type { UserRole } from '@/lib/schemas/enums';
import type { Ctx, Role } from '../context';
import { WatchdogError } from '../errors';

export interface CreateUserInput {
  email: string;
  role: UserRole;
  password: string;
}

export async function createUser(ctx: Ctx, input: CreateUserInput) {
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) throw new WatchdogError('validation_failed', 'a user with this email exists', [{ path: 'email', message: 'already taken' }]);
    const id = randomUUID();
    await tx.insert(users).values({ id, email, role: input.role, passwordHash, createdAt: ctx.now });
    await auditCtx(ctx, { action: 'user.create', target: id, details: { email, role: input.role } }, tx);
    return { id, email, role: input.role };
  });
}

export async function listUsers(db: Db) {
  const rows = await db.select().from(users).orderBy(asc(users.email));
  return rows.map((u) => ({ id: u.id, email: u.email, role: u.role, created_at: u.createdAt.toISOString() }));
}

/** The user for these credentials, or null; same cost whether or not the email exists. */
export async function verifyUserCredentials(db: Db, email: string, password: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  const ok = await verifyPassword(password, user?.passwordHash ?? null);
  return ok && user ? { id: user.id, email: user.email, role: user.role as Role } : null;
}

export async function findUserById(db: Db, id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user ? { id: user.id, email: user.email, role: user.role as Role } : null;
}
