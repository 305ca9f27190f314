import { and, eq, ne, sql } from 'drizzle-orm';
import { users } from '@/db/schema';
import type { UserUpdateInput } from '@/lib/schemas/people';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { notFound, WatchdogError } from '../errors';
import { lockUsers, toUserJson, userRole } from './user-json';

/**
 * Changes a person's role and/or disables or enables them. Refused with `last_owner` when it would
 * leave no active owner. A change that changes nothing answers the user as it is and audits nothing.
 * The sessions of the person see the change on their next request (sessions re-read the user).
 */
export async function updateUser(ctx: Ctx, id: string, input: UserUpdateInput) {
  return ctx.db.transaction(async (tx) => {
    await lockUsers(tx);
    const [row] = await tx.select().from(users).where(eq(users.id, id));
    if (!row) throw notFound('person');
    const before = { role: userRole(row), disabled: row.disabled };
    const after = { role: input.role ?? before.role, disabled: input.disabled ?? before.disabled };
    if (after.role === before.role && after.disabled === before.disabled) return toUserJson(row);
    const wasActiveOwner = before.role === 'owner' && !before.disabled;
    const staysActiveOwner = after.role === 'owner' && !after.disabled;
    if (wasActiveOwner && !staysActiveOwner) {
      const [{ others }] = await tx
        .select({ others: sql<number>`count(*)::int` })
        .from(users)
        .where(and(eq(users.role, 'owner'), eq(users.disabled, false), ne(users.id, id)));
      if (others === 0) {
        throw new WatchdogError('last_owner', `${row.email} is the last active owner: give another person the owner role first`);
      }
    }
    const [updated] = await tx.update(users).set({ role: after.role, disabled: after.disabled }).where(eq(users.id, id)).returning();
    const changes: Record<string, unknown> = { email: row.email };
    if (after.role !== before.role) changes.role = { from: before.role, to: after.role };
    if (after.disabled !== before.disabled) changes.disabled = { from: before.disabled, to: after.disabled };
    const action = after.disabled !== before.disabled ? (after.disabled ? 'user.disable' : 'user.enable') : 'user.role';
    await auditCtx(ctx, { action, target: id, details: changes }, tx);
    return toUserJson(updated);
  });
}
