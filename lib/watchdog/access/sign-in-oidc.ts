import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { users } from '@/db/schema';
import type { UserRole } from '@/lib/schemas/people';
import { auditCtx } from '../audit';
import type { Ctx } from '../context';
import { forbidden, validationFailed } from '../errors';
import { emailTaken } from './create-user';
import type { SessionUser } from './sign-in-user';
import { lockUsers, normalizeEmail, type UserRow, userRole } from './user-json';

export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** the provider vouches for the email (`email_verified`) */
  emailVerified: boolean;
  /** the role the provider's claim maps to (WATCHDOG_OIDC_ROLE_MAP), if any */
  mappedRole: UserRole | null;
}

const sessionUser = (row: UserRow): SessionUser => ({ id: row.id, email: row.email, role: userRole(row), disabled: row.disabled });

/**
 * A single sign-on: the person with this issuer and subject, else the password user with this
 * (verified) email, linked now, else a new person — with the mapped role, or none (waiting for an
 * owner). A waiting person whose claim now maps to a role gets it. Never changes a role an owner
 * gave. Refuses a disabled person (`forbidden`) and an email held by another identity (`email_taken`).
 */
export async function signInOidcUser(ctx: Ctx, identity: OidcIdentity): Promise<SessionUser> {
  return ctx.db.transaction(async (tx) => {
    await lockUsers(tx);
    const email = identity.email ? normalizeEmail(identity.email) : null;
    let [row] = await tx
      .select()
      .from(users)
      .where(and(eq(users.oidcIssuer, identity.issuer), eq(users.oidcSubject, identity.subject)));
    if (!row) {
      if (!email) throw validationFailed([{ path: 'email', message: 'the identity provider sent no email address' }], 'no email address');
      const [byEmail] = await tx.select().from(users).where(eq(users.email, email));
      if (byEmail) {
        if (byEmail.oidcSubject || !identity.emailVerified) throw emailTaken();
        [row] = await tx.update(users).set({ oidcIssuer: identity.issuer, oidcSubject: identity.subject }).where(eq(users.id, byEmail.id)).returning();
        await auditCtx(ctx, { action: 'user.link_sso', target: row.id, details: { email, issuer: identity.issuer } }, tx);
      } else {
        [row] = await tx
          .insert(users)
          .values({ id: randomUUID(), email, role: identity.mappedRole, passwordHash: null, createdAt: ctx.now, oidcIssuer: identity.issuer, oidcSubject: identity.subject })
          .returning();
        await auditCtx(ctx, { action: 'user.create', target: row.id, details: { email, role: identity.mappedRole, sign_in: 'sso', issuer: identity.issuer } }, tx);
      }
    }
    if (row.disabled) throw forbidden('this person is disabled');
    if (!userRole(row) && identity.mappedRole) {
      [row] = await tx.update(users).set({ role: identity.mappedRole }).where(eq(users.id, row.id)).returning();
      await auditCtx(ctx, { action: 'user.role', target: row.id, details: { email: row.email, role: { from: null, to: identity.mappedRole }, by: 'role claim' } }, tx);
    }
    await tx.update(users).set({ lastSignInAt: ctx.now }).where(eq(users.id, row.id));
    return sessionUser(row);
  });
}
