import { and, eq, isNull, or, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { verifyPassword } from '@/lib/auth/password';
import type { Locale } from '@/lib/schemas/enums';
import type { UserRole } from '@/lib/schemas/people';
import { normalizeEmail, userRole } from './user-json';

/** What a session needs to know about its person, read again on every request. */
export interface SessionUser {
  id: string;
  email: string;
  /** null: waiting for an owner to give a role */
  role: UserRole | null;
  disabled: boolean;
  /** the console language the person chose; null: the browser's */
  locale?: Locale | null;
}

/**
 * The person for these credentials, or null; same cost whether or not the email exists or has a
 * password (single sign-on only). A disabled person is returned as such: the caller refuses them.
 */
export async function verifyUserCredentials(db: Db, email: string, password: string): Promise<SessionUser | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)));
  const ok = await verifyPassword(password, user?.passwordHash ?? null);
  return ok && user ? { id: user.id, email: user.email, role: userRole(user), disabled: user.disabled } : null;
}

/** The person behind a session. No cache: a disabled person or a changed role counts from the next request, on every instance. */
export async function findUserById(db: Db, id: string): Promise<SessionUser | null> {
  const [user] = await db.select({ id: users.id, email: users.email, role: users.role, disabled: users.disabled, locale: users.locale }).from(users).where(eq(users.id, id));
  return user ? { id: user.id, email: user.email, role: userRole(user), disabled: user.disabled, locale: user.locale ?? null } : null;
}

/** `last_sign_in_at` for a successful sign-in (never moved backwards). */
export async function noteSignIn(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(users)
    .set({ lastSignInAt: now })
    .where(and(eq(users.id, id), or(isNull(users.lastSignInAt), lt(users.lastSignInAt, now))));
}
