import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { type users } from '@/db/schema';
import type { User, UserRole } from '@/lib/schemas/people';

export type UserRow = typeof users.$inferSelect;

/** Every change to people takes this lock first, so two owners cannot each remove the other's last-owner standing. */
const USERS_LOCK = 7265051;

export async function lockUsers(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${USERS_LOCK})`);
}

export function userRole(row: Pick<UserRow, 'role'>): UserRole | null {
  return row.role === 'owner' || row.role === 'supervisor' ? row.role : null;
}

export function toUserJson(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    role: userRole(row),
    disabled: row.disabled,
    created_at: row.createdAt.toISOString(),
    last_sign_in_at: row.lastSignInAt?.toISOString() ?? null,
    sign_in: row.oidcSubject ? (row.passwordHash ? 'password_and_sso' : 'sso') : 'password',
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
